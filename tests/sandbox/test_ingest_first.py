"""PutEvents first: a target worker waits while PutEvents calls keep coming, within its bounds
(workshop/sandbox/delivery.py, Delivery._yield_to_ingest)."""

from __future__ import annotations

import queue
import threading
import time

from workshop.sandbox import delivery as delivery_module
from workshop.sandbox.delivery import Delivery


def _delivery() -> Delivery:
    return Delivery(clock=None, journal=None, clients=None, shape=None, deliverer_for=None)


def _ingest_for(target: Delivery, seconds: float) -> tuple[threading.Thread, list[float]]:
    """A thread that answers a PutEvents every half millisecond for `seconds`; [when it stopped]."""
    stopped: list[float] = []

    def keep_ingesting() -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            target.ingested()
            time.sleep(0.0005)
        stopped.append(time.monotonic())

    thread = threading.Thread(target=keep_ingesting, daemon=True)
    thread.start()
    return thread, stopped


def test_a_worker_waits_until_putevents_calls_stop_coming(monkeypatch):
    # Wider bounds than the sandbox's, so a busy machine's scheduling gaps are not "quiet".
    monkeypatch.setattr(delivery_module, "INGEST_QUIET_S", 0.05)
    monkeypatch.setattr(delivery_module, "INGEST_HOLD_MAX_S", 5.0)
    target = _delivery()
    thread, stopped = _ingest_for(target, 0.2)
    time.sleep(0.002)
    target._yield_to_ingest(queue.Queue())
    returned = time.monotonic()
    thread.join(5)
    assert stopped and returned >= stopped[0]  # it went on only once the calls had stopped


def test_a_worker_waits_no_longer_than_its_bound_while_calls_keep_coming():
    target = _delivery()
    thread, stopped = _ingest_for(target, 0.3)  # far longer than INGEST_HOLD_MAX_S
    time.sleep(0.002)
    started = time.monotonic()
    target._yield_to_ingest(queue.Queue())
    waited = time.monotonic() - started
    assert not stopped  # the calls were still coming when it went on
    assert waited >= delivery_module.INGEST_HOLD_MAX_S
    thread.join(5)


def test_a_worker_does_not_wait_while_a_backlog_waits():
    target = _delivery()
    backlog: queue.Queue = queue.Queue()
    for n in range(delivery_module.INGEST_BACKLOG_MAX):
        backlog.put(n)
    thread, stopped = _ingest_for(target, 0.3)
    time.sleep(0.002)
    target._yield_to_ingest(backlog)
    assert not stopped  # it went on at once, with PutEvents still coming
    thread.join(5)


def test_a_worker_does_not_wait_when_no_putevents_came():
    target = _delivery()
    thread, stopped = _ingest_for(target, 0.0)  # none at all
    thread.join(5)
    target.ingested()
    time.sleep(delivery_module.INGEST_QUIET_S * 2)
    calls_before = time.monotonic()
    target._yield_to_ingest(queue.Queue())
    assert time.monotonic() - calls_before < delivery_module.INGEST_HOLD_MAX_S
