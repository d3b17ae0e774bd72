"""Checks of the archive-and-replay module: the archive, the queue's policy, and what a replay delivers.

Replayed events carry a `replay-name` field; the originals do not. Messages read from the queue
are kept in the context (and deleted), so "the replayed copy arrived" and "the original did not"
judge the same messages. A replayed copy is recognised by the original's id, or (should a service
give it a new id) by the same time, source and detail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..aws import arns
from . import Outcome, check_kind, listen_for_strays, poll, published
from .deployed import events_granted
from .sqs import drain


@dataclass
class ArchiveArgs:
    name: str
    bus: str
    pattern: Any
    retention_days: int = 0


@check_kind("archive_deployed", ArchiveArgs, needs=("archive_replay",))
def archive_deployed(ctx, args: ArchiveArgs) -> Outcome:
    archive = ctx.found(lambda: ctx.client("events").describe_archive(ArchiveName=args.name))
    if not archive:
        return Outcome(False, f"there is no archive {args.name}")
    if archive.get("EventSourceArn") != arns.event_bus(ctx, args.bus):
        return Outcome(False, f"archive {args.name} keeps events of {archive.get('EventSourceArn')}, not bus {args.bus}")
    if archive.get("State") != "ENABLED":
        return Outcome(False, f"archive {args.name} is {archive.get('State')}")
    pattern = json.loads(archive.get("EventPattern") or "null")
    if pattern != args.pattern:
        return Outcome(False, f"archive {args.name} has pattern {json.dumps(pattern)}, expected {json.dumps(args.pattern)}")
    if int(archive.get("RetentionDays") or 0) != args.retention_days:
        return Outcome(False, f"archive {args.name} keeps events {archive.get('RetentionDays')} days, expected {args.retention_days}")
    return Outcome(True, f"archive {args.name} keeps {json.dumps(pattern)} from bus {args.bus} for {args.retention_days} days")


@dataclass
class QueuePolicyArgs:
    queue: str
    rule: str
    bus: str = "default"


@check_kind("queue_allows_events", QueuePolicyArgs)
def queue_allows_events(ctx, args: QueuePolicyArgs) -> Outcome:
    sqs = ctx.client("sqs")
    found = ctx.found(lambda: sqs.get_queue_url(QueueName=args.queue))
    if not found:
        return Outcome(False, f"there is no SQS queue {args.queue}")
    policy = sqs.get_queue_attributes(QueueUrl=found["QueueUrl"], AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    return events_granted(ctx, policy, "sqs:SendMessage", arns.queue(ctx, args.queue), args.rule, args.bus,
                          f"queue {args.queue}'s policy")


@dataclass
class ReplayedArgs:
    queue: str
    sample: str
    archive: str


def _copies(ctx, queue: str, sample_name: str, ids: list[str], *, replayed: bool, wait_s: int = 1,
            seen_only: bool = False) -> list[dict]:
    """The copies of the sample among the messages this verification read; `seen_only`: without
    reading the queue again (an earlier check of the same queue may have read them already)."""
    detail = ctx.sample(sample_name).detail
    found = []
    for event in (list(ctx.seen.get(f"sqs:{queue}", [])) if seen_only else drain(ctx, queue, wait_s)):
        if ("replay-name" in event) != replayed:
            continue
        if event.get("id") in ids or (replayed and event.get("detail") == detail and event.get("source") == ctx.sample(sample_name).source):
            found.append(event)
    return found


@check_kind("replayed_event", ReplayedArgs, needs=("custom_bus", "deliver_sqs", "archive_replay"))
@published
def replayed_event(ctx, args: ReplayedArgs, ids: list[str]) -> Outcome:
    replays = ctx.replays.get(args.archive, [])
    if not replays:
        return Outcome(False, f"no replay of archive {args.archive} was started")
    name = replays[-1]

    def probe() -> Outcome:
        def replayed_by_name(seen_only: bool) -> list[dict]:
            return [e for e in _copies(ctx, args.queue, args.sample, ids, replayed=True, seen_only=seen_only)
                    if e.get("replay-name") == name]

        # What an earlier check read first: long-polling an emptied queue would wait for nothing.
        copies = replayed_by_name(seen_only=True) or replayed_by_name(seen_only=False)
        if copies:
            return Outcome(True, f"the replayed copy of {args.sample} (event {copies[0].get('id')}) arrived in {args.queue} "
                                 f"with replay-name {name}")
        return Outcome(False, f"no event of {args.sample} replayed by {name} arrived in {args.queue} {ctx.within()}")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)


@dataclass
class LiveArgs:
    queue: str
    sample: str


@check_kind("original_not_received", LiveArgs, needs=("custom_bus", "deliver_sqs"))
@published
def original_not_received(ctx, args: LiveArgs, ids: list[str]) -> Outcome:
    """The event as first published (no replay-name) must not reach the queue."""

    def arrived() -> Outcome | None:
        found = _copies(ctx, args.queue, args.sample, ids, replayed=False, wait_s=0)
        if found:
            return Outcome(False, f"the original event {found[0].get('id')} ({args.sample}) reached {args.queue}, "
                                  "though it carries no replay-name")
        return None

    found, within = listen_for_strays(ctx, arrived)
    return found or Outcome(True, f"the original {args.sample} did not reach {args.queue}{within}, as expected")
