"""Asynchronous delivery: PutEvents answers at once; workers deliver each (event, rule, target).

A failing target never fails PutEvents. Retryable failures are retried per the target's
RetryPolicy with exponential backoff on the SANDBOX CLOCK (so `tick` moves retries along in a
test), then the event goes to the target's dead-letter queue, if any, with AWS's attributes.
Non-retryable failures (no permission, no such resource) skip the retries, as on AWS.

The same machinery runs other asynchronous work, e.g. Lambda's own async invocations
(`run`/`call_at` with pool "lambda"), so `wait_idle` and `settle` see all of it.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import logging
import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from .ids import new_id
from .inline_run import InlineRun
from .service import Service
from .targets import DeliveryError, arn_parts

log = logging.getLogger("workshop.sandbox.delivery")

POOLS = {"targets": 4, "lambda": 4}  # worker threads; Lambda runs are slow, keep them off the target pool
DEFAULT_MAX_RETRIES = 185          # AWS's default RetryPolicy: 185 retries ...
DEFAULT_MAX_AGE_S = 24 * 3600      # ... or 24 hours, whichever comes first
MAX_RETRIES_LIMIT = 185            # the API's bounds; a stored policy beyond them is clamped
MAX_AGE_LIMIT_S = 24 * 3600
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0
SETTLE_MAX_ROUNDS = 100_000        # a hard stop for `settle`, whatever the policies say
# PutEvents first: routing waits while PutEvents calls keep coming (see after_ingest) ...
INGEST_QUIET_S = 0.01              # ... until none has been answered for this long,
INGEST_HOLD_MAX_S = 0.05           # ... at most this long,
INGEST_BACKLOG_MAX = 200           # ... and not once this many routings wait: delivery keeps up
SUBMIT_CHUNK = 64                  # deliveries routed together (one InlineRun: see submit_all)

# What AWS writes in a dead-letter message's ERROR_CODE, for the codes our deliverers raise.
_DLQ_CODES = {"AccessDenied": "NO_PERMISSIONS", "ResourceNotFoundException": "NO_RESOURCE",
              "InputTransformationFailed": "INVALID_PARAMETER", "UnsupportedTarget": "INVALID_PARAMETER",
              "InternalError": "INTERNAL_ERROR"}


_worker = threading.local()  # .pool: the pool of the worker running on this thread


@dataclass
class Job:
    region: str
    event: dict
    rule_name: str
    rule_arn: str
    target: dict
    attempt: int = 1
    first_attempt_at: datetime | None = None  # sandbox-clock time of the first attempt
    due: datetime | None = None               # sandbox-clock time of this (re)try
    _delivery_id: str | None = field(default=None, repr=False)

    @property
    def delivery_id(self) -> str:
        """Made when first read (a Step Functions execution's name, an id-less event's log stream):
        most deliveries never read it (making one cost a routed event about 1 of its 20 µs)."""
        if self._delivery_id is None:
            self._delivery_id = new_id()
        return self._delivery_id


def jobs_for(region: str, event: dict, routes) -> list[Job]:
    """A Job for each target of each route (router.Route), in order: what routing an event makes."""
    return [Job(region, event, route.rule_name, route.rule_arn, target) for route in routes for target in route.targets]


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (2 = first retry): exponential with jitter, capped."""
    base = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (attempt - 2))
    return base * random.uniform(0.8, 1.0)


class Delivery(Service):
    priority = 120

    def __init__(self, clock, journal, clients, shape: Callable[..., str], deliverer_for: Callable[[str], object]):
        self.clock = clock
        self.journal = journal
        self.clients = clients
        self.shape = shape                  # (job, encoded events kept or None) -> the payload its target receives
        self.deliverer_for = deliverer_for  # target ARN -> what delivers to it
        self.queues: dict[str, queue.Queue] = {name: queue.Queue() for name in POOLS}
        self.stats: Counter = Counter()
        self.failures: list[dict] = []  # the most recent, for `workshop status` and tests
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0  # queued or running; scheduled retries are not pending until due
        self._scheduled: list[tuple[datetime, int, str, Callable[[datetime], None]]] = []
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._last_ingest = 0.0  # time.monotonic() of the last PutEvents answered
        self._held: list[tuple[Callable, object]] = []  # (routing, its items) waiting for PutEvents to pause
        self._held_waiting = threading.Event()

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        for pool, count in POOLS.items():
            for n in range(count):
                thread = threading.Thread(target=self._work, args=(pool,), name=f"{pool}-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)
        thread = threading.Thread(target=self._release_loop, name="retries", daemon=True)
        thread.start()
        threading.Thread(target=self._route_after_ingest, name="after-ingest", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        self._held_waiting.set()
        for pool, count in POOLS.items():
            for _ in range(count):
                self.queues[pool].put(None)

    def reset(self) -> None:
        """Forget scheduled work and counters (the sandbox's /reset)."""
        with self._lock:
            self._scheduled.clear()
            self.stats.clear()
            self.failures.clear()

    # scheduling ------------------------------------------------------------------------------
    def submit_all(self, jobs: Iterable[Job]) -> None:
        """Deliver events to their targets, now, in this order: on this very thread when it is a
        target worker (routing the events) and the target is in memory, else on the next free
        worker. SUBMIT_CHUNK at a time, each chunk one InlineRun: a target's queue and policy are
        looked at and its messages put on the queue once per chunk, so a chunk's messages wait for
        it (under a millisecond) and a fault or policy set meanwhile applies from the next one."""
        inline = getattr(_worker, "pool", None) == "targets"
        source = iter(jobs)
        while True:
            chunk = list(itertools.islice(source, SUBMIT_CHUNK))
            if not chunk:
                return
            now = self.clock.now()
            for job in chunk:
                job.first_attempt_at = job.first_attempt_at or now
            self.count("submitted", len(chunk))
            if inline:
                InlineRun(self).deliver(chunk, now)
            else:
                for job in chunk:
                    self.run(functools.partial(self._attempt, job))

    def _inline(self, job: Job):
        """The job's deliverer when it delivers in memory and quickly, else None."""
        try:
            deliverer = self.deliverer_for(job.target["Arn"])
        except (DeliveryError, KeyError):
            return None
        inline = getattr(deliverer, "inline", None)
        return deliverer if inline is not None and inline() else None

    def run(self, task: Callable[[datetime], None], pool: str = "targets", at: datetime | None = None) -> None:
        """Run task(clock_time) on a worker of `pool` as soon as one is free."""
        with self._lock:
            self._pending += 1
        self.queues[pool].put((task, at))

    def after_ingest(self, task: Callable, items=None) -> None:
        """Run task (a PutEvents' routing) on the routing thread once PutEvents calls pause: as
        task(clock_time), or, given `items`, as task(clock_time, items=[...]) with the items of
        the calls held next to each other with the same task, in order (one run: _together).

        Python runs one thread at a time: workers routing events while a burst of PutEvents
        arrives make each call wait for its turn, twice, and waking a worker for every call costs
        as much again. So routings are held while calls keep coming (none answered for
        INGEST_QUIET_S), at most INGEST_HOLD_MAX_S and INGEST_BACKLOG_MAX routings, then run
        together (see _route_after_ingest). AWS, too, answers PutEvents before it delivers."""
        self._last_ingest = time.monotonic()
        with self._lock:
            self._pending += 1
            self._held.append((task, items))
            first = len(self._held) == 1
        if first:
            self._held_waiting.set()

    def call_at(self, due: datetime, task: Callable[[datetime], None], pool: str = "targets") -> None:
        """Run task(due) once the sandbox clock reaches `due` (real time passing, or a tick)."""
        with self._lock:
            heapq.heappush(self._scheduled, (due, next(self._seq), pool, task))

    def release_due(self, until: datetime) -> int:
        """Queue every scheduled task due by `until`; returns how many."""
        due = []
        with self._lock:
            while self._scheduled and self._scheduled[0][0] <= until:
                due.append(heapq.heappop(self._scheduled))
        for at, _, pool, task in due:
            self.run(task, pool, at)
        return len(due)

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def settle(self, until: datetime, timeout: float) -> bool:
        """After a tick: run everything due by `until`, including retries that come due while doing
        so, until nothing is left before `until` (or the timeout). True when settled."""
        deadline = time.monotonic() + timeout
        for _ in range(SETTLE_MAX_ROUNDS):
            if not self.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            if self.release_due(until) == 0:
                return True
        log.error("settling the clock did not converge after %d rounds", SETTLE_MAX_ROUNDS)
        return False

    def count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.stats[key] += n

    def snapshot(self) -> dict:
        with self._lock:
            return {**self.stats, "pending": self._pending, "scheduled": len(self._scheduled)}

    def _release_loop(self) -> None:
        while not self._stopping.wait(0.05):
            try:
                self.release_due(self.clock.now())
            except Exception:
                log.exception("releasing scheduled work failed")

    def _work(self, pool: str) -> None:
        _worker.pool = pool
        source = self.queues[pool]
        while True:
            item = source.get()
            if item is None:
                return
            self._run(*item, pool)

    def _run(self, task: Callable[[datetime], None], at: datetime | None, pool: str, tasks: int = 1) -> None:
        """Run pending task(s); a bug in them is counted and logged, and the thread lives on."""
        try:
            task(at or self.clock.now())
        except Exception:
            log.exception("sandbox %s task failed", pool)
            self.count("internal_errors")
        finally:
            with self._lock:
                self._pending -= tasks
                if self._pending == 0:
                    self._idle.notify_all()

    def _route_after_ingest(self) -> None:
        """The routing thread: once PutEvents calls pause (or the bounds are reached), it routes
        what was held, in the order it was accepted (held calls of one task as one call: see
        _together), and delivers to in-memory targets itself;
        other targets go to the workers. One thread, so routings do not contend with each other
        for the interpreter (yielding it after each one, too, only made threads trade it back and
        forth: a fifth more CPU); a request waiting for it gets it within the switch interval."""
        _worker.pool = "targets"
        while True:
            self._held_waiting.wait()
            if self._stopping.is_set():
                return
            started = time.monotonic()
            while len(self._held) < INGEST_BACKLOG_MAX:
                now = time.monotonic()
                quiet_at = self._last_ingest + INGEST_QUIET_S
                if now >= quiet_at or now - started >= INGEST_HOLD_MAX_S:
                    break
                time.sleep(min(quiet_at, started + INGEST_HOLD_MAX_S) - now)
            with self._lock:
                held, self._held = self._held, []
                self._held_waiting.clear()
            for task, items, count in _together(held):  # each call already counted as pending
                self._run(task if items is None else functools.partial(task, items=items), None, "targets", count)

    # one delivery attempt --------------------------------------------------------------------
    def _attempt(self, job: Job, at: datetime, deliverer=None) -> None:
        job.due = at
        try:
            payload = self.shape(job)
            (deliverer or self.deliverer_for(job.target["Arn"])).deliver(job.target, payload, job.event, job)
        except DeliveryError as exc:
            self._fail(job, exc, at)
            return
        except Exception as exc:  # an unexpected answer: treat as a transient internal error
            log.exception("delivery of %s to %s failed", job.event.get("id"), job.target.get("Arn"))
            self._fail(job, DeliveryError("INTERNAL_ERROR", str(exc)), at)
            return
        self.journal.delivered(job)
        self.count("delivered")

    def _fail(self, job: Job, error: DeliveryError, at: datetime) -> None:
        policy = job.target.get("RetryPolicy") or {}
        max_retries = _bounded(policy.get("MaximumRetryAttempts"), DEFAULT_MAX_RETRIES, 0, MAX_RETRIES_LIMIT)
        max_age = _bounded(policy.get("MaximumEventAgeInSeconds"), DEFAULT_MAX_AGE_S, 60, MAX_AGE_LIMIT_S)
        exhausted = None
        if error.retryable:
            next_at = at + timedelta(seconds=backoff(job.attempt + 1))
            if job.attempt > max_retries:
                exhausted = "MaximumRetryAttempts"
            elif (next_at - job.first_attempt_at).total_seconds() > max_age:
                exhausted = "MaximumEventAgeInSeconds"
            else:
                job.attempt += 1
                self.count("retried")
                self.call_at(next_at, lambda when: self._attempt(job, when))
                return
        self._record_failure(job, error)
        dlq = (job.target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq:
            self._to_dead_letter(job, error, dlq, exhausted)
        self.count("failed")

    def _record_failure(self, job: Job, error: DeliveryError) -> None:
        log.warning("delivery failed: event %s rule %s target %s after %d attempt(s): %s %s", job.event.get("id"),
                    job.rule_name, job.target.get("Arn"), job.attempt, error.code, error)
        self.record_failure({"event_id": job.event.get("id"), "rule": job.rule_name, "target": job.target.get("Arn"),
                             "error_code": error.code, "error_message": str(error), "attempts": job.attempt})
        self.journal.failed(job, error.code, str(error))

    def record_failure(self, entry: dict) -> None:
        """Keep the most recent failures for /_workshop/stats."""
        with self._lock:
            self.failures.append(entry)
            del self.failures[:-100]

    def _to_dead_letter(self, job: Job, error: DeliveryError, dlq_arn: str, exhausted: str | None) -> None:
        """AWS sends the event with attributes naming the rule, target, error and retries."""
        attributes = {
            "RULE_ARN": job.rule_arn, "TARGET_ARN": job.target["Arn"],
            "ERROR_CODE": _DLQ_CODES.get(error.code, error.code if error.code.isupper() else "UNKNOWN"),
            "ERROR_MESSAGE": str(error)[:1024] or error.code, "RETRY_ATTEMPTS": str(job.attempt - 1),
        }
        if exhausted:
            attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
        try:
            parts = arn_parts(dlq_arn)
            sqs = self.clients("sqs", parts["region"])
            url = sqs.get_queue_url(QueueName=parts["resource"], QueueOwnerAWSAccountId=parts["account"])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(job.event),
                             MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()})
            self.count("dead_lettered")
        except Exception as exc:
            log.warning("could not send event %s to dead-letter queue %s: %s", job.event.get("id"), dlq_arn, exc)
            self.count("dead_letter_failed")


def _together(held: list[tuple[Callable, object]]) -> list[list]:
    """[task, [items, ...] or None, calls]: held calls next to each other with the same task, each
    given items, as one run (their per-target work done once: see InlineRun), in the order they
    came; a call given no items runs alone."""
    runs: list[list] = []
    for task, items in held:
        if items is not None and runs and runs[-1][1] is not None and runs[-1][0] == task:
            runs[-1][1].append(items)
            runs[-1][2] += 1
        else:
            runs.append([task, None if items is None else [items], 1])
    return runs


def _bounded(value, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value is not None else default
    except (TypeError, ValueError):
        number = default
    return max(low, min(high, number))
