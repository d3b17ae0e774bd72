"""Delivering a run of jobs on the routing thread (a chunk of Delivery.submit_all) the way
one-by-one delivery does, for less: what each target needs is found once per run (its deliverer
and, from a deliverer that batches (SQS), a sender: the queue found, its policy checked), an
event is encoded once for every target that takes it as is, and the deliveries made are put on
their queues, written to the journal and counted together. That happens before any other
attempt of the run and at its end, so queues and journal get what they got one by one, in the
same order."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

log = logging.getLogger("workshop.sandbox.inline_run")


class InlineRun:
    def __init__(self, delivery):
        self.delivery = delivery
        self._plans: dict[int, tuple] = {}       # id(target) -> (target, rule ARN, deliverer or None, sender or None)
        self._batches: dict[int, object] = {}    # id(deliverer) -> its batch, flushed together
        self._encoded: dict[int, tuple] = {}     # id(event) -> (event, its JSON text), see plane.shape
        self._done: list = []                    # delivered, not yet journaled nor counted

    def deliver(self, jobs: list, now: datetime) -> None:
        delivery, plans, done = self.delivery, self._plans, self._done
        try:
            for job in jobs:
                plan = plans.get(id(job.target))
                if plan is None or plan[0] is not job.target or plan[1] != job.rule_arn:  # a policy may name the rule
                    plan = plans[id(job.target)] = self._plan(job)
                _, _, deliverer, sender = plan
                if sender is not None:
                    job.due = now
                    try:
                        if sender(delivery.shape(job, self._encoded)):
                            done.append(job)
                            continue
                    except Exception:  # attempted alone below, which says what went wrong
                        log.debug("a batched delivery to %s is attempted alone", job.target.get("Arn"), exc_info=True)
                self.flush()  # what came before is written first, whoever delivers this one
                if deliverer is None:  # not in memory: a worker's
                    delivery.run(functools.partial(delivery._attempt, job))
                else:
                    delivery._attempt(job, now, deliverer)
        finally:  # even after a bug: what was made reaches its queue, the journal and the counts
            self.flush()

    def flush(self) -> None:
        for batch in self._batches.values():
            batch.flush()
        done = self._done
        if done:
            self.delivery.journal.delivered(*done)
            self.delivery.count("delivered", len(done))
            done.clear()

    def _plan(self, job) -> tuple:
        deliverer = self.delivery._inline(job)
        batch_of = getattr(deliverer, "batch", None)
        if batch_of is None:
            return job.target, job.rule_arn, deliverer, None
        batch = self._batches.get(id(deliverer))
        if batch is None:
            batch = self._batches[id(deliverer)] = batch_of()
        try:
            sender = batch.sender(job.target, job)
        except Exception:  # e.g. a policy it cannot read: deliver() says what is wrong, per job
            log.debug("deliveries to %s are attempted one by one", job.target.get("Arn"), exc_info=True)
            sender = None
        return job.target, job.rule_arn, deliverer, sender
