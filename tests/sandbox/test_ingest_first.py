"""PutEvents first: a PutEvents' routing waits while PutEvents calls keep coming, within its
bounds (workshop/sandbox/delivery.py, Delivery.after_ingest)."""

from __future__ import annotations

import threading
import time

import pytest

from workshop.sandbox import delivery as delivery_module
from workshop.sandbox.clock import Clock
from workshop.sandbox.delivery import Delivery


@pytest.fixture
def delivery():
    started = Delivery(clock=Clock(), journal=None, clients=None, shape=None, deliverer_for=None)
    started.start()
    yield started
    started.stop()


def _ingest_for(target: Delivery, seconds: float) -> tuple[threading.Thread, list[float]]:
    """A thread that answers a PutEvents (with nothing to route) every half millisecond for
    `seconds`; [when it stopped]."""
    stopped: list[float] = []

    def keep_ingesting() -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            target.after_ingest(lambda at: None)
            time.sleep(0.0005)
        stopped.append(time.monotonic())

    thread = threading.Thread(target=keep_ingesting, daemon=True)
    thread.start()
    return thread, stopped


def _routed(target: Delivery) -> tuple[threading.Event, list[float]]:
    """A routing handed over now: (set when it ran, [when it ran])."""
    ran, when = threading.Event(), []

    def route(at) -> None:
        when.append(time.monotonic())
        ran.set()

    target.after_ingest(route)
    return ran, when


def test_routing_waits_until_putevents_calls_stop_coming(delivery, monkeypatch):
    # Wider bounds than the sandbox's, so a busy machine's scheduling gaps are not "quiet".
    monkeypatch.setattr(delivery_module, "INGEST_QUIET_S", 0.2)
    monkeypatch.setattr(delivery_module, "INGEST_HOLD_MAX_S", 5.0)
    monkeypatch.setattr(delivery_module, "INGEST_BACKLOG_MAX", 100_000)
    thread, stopped = _ingest_for(delivery, 0.4)
    time.sleep(0.01)
    ran, when = _routed(delivery)
    assert ran.wait(5)
    thread.join(5)
    assert stopped and when[0] >= stopped[0]  # it ran only once the calls had stopped
    assert delivery.wait_idle(5)


def test_routing_waits_no_longer_than_its_bound_while_calls_keep_coming(delivery):
    thread, stopped = _ingest_for(delivery, 0.5)  # far longer than INGEST_HOLD_MAX_S
    time.sleep(0.01)
    ran, when = _routed(delivery)
    assert ran.wait(5)
    assert not stopped  # the calls were still coming when it ran
    thread.join(5)


def test_routing_does_not_wait_behind_a_backlog(delivery, monkeypatch):
    monkeypatch.setattr(delivery_module, "INGEST_HOLD_MAX_S", 5.0)
    monkeypatch.setattr(delivery_module, "INGEST_BACKLOG_MAX", 50)
    thread, stopped = _ingest_for(delivery, 1.0)  # each call holds one more routing
    ran, when = _routed(delivery)
    assert ran.wait(5)
    assert not stopped  # handed over once the backlog was reached, with calls still coming
    thread.join(5)


def test_held_routings_count_as_pending_until_they_ran(delivery, monkeypatch):
    monkeypatch.setattr(delivery_module, "INGEST_QUIET_S", 0.3)
    monkeypatch.setattr(delivery_module, "INGEST_HOLD_MAX_S", 5.0)
    ran, when = _routed(delivery)
    assert delivery.snapshot()["pending"] == 1 and not ran.is_set()  # held, and `wait_idle` knows it
    assert delivery.wait_idle(5) and ran.is_set()


def test_held_calls_of_one_task_run_together_in_the_order_they_came(delivery, monkeypatch):
    monkeypatch.setattr(delivery_module, "INGEST_QUIET_S", 0.3)
    monkeypatch.setattr(delivery_module, "INGEST_HOLD_MAX_S", 5.0)
    runs: list[list] = []

    def route(at, items) -> None:
        runs.append(list(items))

    delivery.after_ingest(route, "a")
    delivery.after_ingest(route, "b")
    delivery.after_ingest(lambda at: runs.append("alone"))  # no items: runs by itself, in its place
    delivery.after_ingest(route, "c")
    assert delivery.snapshot()["pending"] == 4  # each call counted until its run is done
    assert delivery.wait_idle(5)
    assert runs == [["a", "b"], "alone", ["c"]]


def test_an_event_whose_matching_fails_is_counted_and_the_others_are_routed(delivery):
    """A bug in matching one held event costs that event only, not the run of held calls."""
    from types import SimpleNamespace

    from workshop.sandbox.plane import DataPlane

    route = SimpleNamespace(rule_name="r", rule_arn="arn:aws:events:us-east-1:123456789012:rule/r", targets=[{"Id": "t"}])

    def matching(region, bus, event):
        if event["id"] == "bad":
            raise RuntimeError("a bug")
        return [route]

    plane = SimpleNamespace(router=SimpleNamespace(matching=matching), delivery=delivery)
    items = [("us-east-1", [("bus", {"id": "one"}), ("bus", {"id": "bad"})]), ("us-east-1", [("bus", {"id": "two"})])]
    jobs = list(DataPlane._jobs(plane, items))
    assert [job.event["id"] for job in jobs] == ["one", "two"] and jobs[0].rule_name == "r"
    assert delivery.snapshot()["internal_errors"] == 1
