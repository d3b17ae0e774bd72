"""Asynchronous delivery: PutEvents answers at once; workers deliver each (event, rule, target).

A failing target never fails PutEvents. Failures are retried per the target's RetryPolicy and then
sent to its dead-letter queue, if any; every outcome is counted for /_workshop/stats.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

from .targets import DeliveryError

log = logging.getLogger("workshop.sandbox.delivery")

WORKERS = 4
DEFAULT_MAX_ATTEMPTS = 185
RETRY_DELAYS_S = (0.05, 0.2, 0.5)  # real-time backoff for the first retries; the rest wait on the clock


@dataclass
class Job:
    region: str
    event: dict
    rule_name: str
    rule_arn: str
    target: dict
    attempt: int = 1
    delivery_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class Delivery:
    def __init__(self, plane):
        self.plane = plane
        self.queue: queue.Queue[Job | None] = queue.Queue()
        self.stats: Counter = Counter()
        self.failures: list[dict] = []  # the most recent, for `workshop status` and tests
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def start(self) -> None:
        for n in range(WORKERS):
            thread = threading.Thread(target=self._work, name=f"delivery-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for _ in self._threads:
            self.queue.put(None)

    def submit(self, job: Job) -> None:
        with self._lock:
            self._pending += 1
            self.stats["submitted"] += 1
        self.queue.put(job)

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _done(self, outcome: str) -> None:
        with self._lock:
            self._pending -= 1
            self.stats[outcome] += 1
            if self._pending == 0:
                self._idle.notify_all()

    def _work(self) -> None:
        while True:
            job = self.queue.get()
            if job is None:
                return
            try:
                self._deliver(job)
                self._done("delivered")
            except DeliveryError as exc:
                self._fail(job, exc)
            except Exception as exc:  # a bug or an unexpected answer: count it, keep the worker alive
                log.exception("delivery of %s to %s failed", job.event.get("id"), job.target.get("Arn"))
                self._fail(job, DeliveryError("InternalError", str(exc)))

    def _deliver(self, job: Job) -> None:
        payload = self.plane.shape(job)
        self.plane.deliverer_for(job.target["Arn"]).deliver(job.target, payload, job.event, job)

    def _fail(self, job: Job, error: DeliveryError) -> None:
        policy = job.target.get("RetryPolicy") or {}
        max_attempts = 1 + int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_ATTEMPTS))
        if error.retryable and job.attempt < max_attempts and job.attempt <= len(RETRY_DELAYS_S):
            delay = RETRY_DELAYS_S[job.attempt - 1]
            job.attempt += 1
            threading.Timer(delay, self.queue.put, args=(job,)).start()
            with self._lock:
                self.stats["retried"] += 1
            return
        self._record_failure(job, error)
        dlq = (job.target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq:
            self._to_dead_letter(job, error, dlq)
        self._done("failed")

    def _record_failure(self, job: Job, error: DeliveryError) -> None:
        log.warning("delivery failed: event %s rule %s target %s: %s %s", job.event.get("id"), job.rule_name,
                    job.target.get("Arn"), error.code, error)
        with self._lock:
            self.failures.append({"event_id": job.event.get("id"), "rule": job.rule_name, "target": job.target.get("Arn"),
                                  "error_code": error.code, "error_message": str(error), "attempts": job.attempt})
            del self.failures[:-100]

    def _to_dead_letter(self, job: Job, error: DeliveryError, dlq_arn: str) -> None:
        """AWS sends the event with attributes naming the rule, target and error."""
        from .targets import arn_parts

        parts = arn_parts(dlq_arn)
        sqs = self.plane.clients("sqs", parts["region"])
        attributes = {
            "RULE_ARN": job.rule_arn, "TARGET_ARN": job.target["Arn"], "ERROR_CODE": error.code,
            "ERROR_MESSAGE": str(error)[:256],
        }
        try:
            url = sqs.get_queue_url(QueueName=parts["resource"], QueueOwnerAWSAccountId=parts["account"])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(job.event),
                             MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()})
            with self._lock:
                self.stats["dead_lettered"] += 1
        except Exception:
            log.exception("could not send event %s to dead-letter queue %s", job.event.get("id"), dlq_arn)
