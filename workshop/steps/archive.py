"""Step kinds of the archive-and-replay module: `archive`, `queue_policy_for_events` and `replay`.

- `archive`: an archive of a bus's events that match a pattern, kept for some days.
- `queue_policy_for_events`: a statement in an SQS queue's policy letting EventBridge send to it
  for one rule (aws:SourceArn); AWS refuses delivery without it. Cleanup removes that statement only.
- `replay`: behaviour, like `publish` (it runs again at each verify): a replay from the archive to
  its bus over the last minutes, limited to the named rules; it waits until COMPLETED. Replays cannot
  be deleted on AWS and their names are unique, so each gets its name's prefix and a timestamp.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..aws.arns import archive as archive_arn
from ..aws.arns import event_bus as bus_arn
from ..aws.arns import queue as queue_arn
from ..aws.arns import rule as rule_arn
from ..aws.errors import error_code, error_message
from ..aws.lookups import queue_url
from ..errors import WorkshopError
from ..ledger import Resource
from ..policy_documents import events_grant, has_sid
from . import resources, step_kind
from .plan import ApiCall, Custom, Note

REPLAY_LIMIT_S = 120.0


# archives ------------------------------------------------------------------------------------
@dataclass
class ArchiveArgs:
    name: str
    bus: str
    pattern: Any
    retention_days: int = 0  # 0 keeps events forever
    description: str = ""

    def __post_init_yaml__(self):
        if not 0 <= self.retention_days <= 3650:
            raise ValueError("retention_days must be between 0 (forever) and 3650")


@step_kind("archive", ArchiveArgs)
def plan_archive(ctx, args: ArchiveArgs):
    events = ctx.client("events")
    label = f"Archive {args.name} of bus {args.bus}"
    wanted = {"ArchiveName": args.name, "EventPattern": json.dumps(args.pattern), "RetentionDays": args.retention_days}
    if args.description:
        wanted["Description"] = args.description
    existing = ctx.found(lambda: events.describe_archive(ArchiveName=args.name))
    if existing is None:
        return [ApiCall("events", "create_archive", {**wanted, "EventSourceArn": bus_arn(ctx, args.bus)},
                        f"Create {label.lower()} for {json.dumps(args.pattern)}, kept {args.retention_days} days",
                        records=Resource("archive", args.name, {"name": args.name}))]
    same = (json.loads(existing.get("EventPattern") or "null") == args.pattern
            and int(existing.get("RetentionDays") or 0) == args.retention_days)
    if existing.get("EventSourceArn") != bus_arn(ctx, args.bus):
        return [Note(f"Archive {args.name} already exists on another bus ({existing.get('EventSourceArn')}): "
                     "used as it is, not changed", "warn")]
    if same:
        return [ctx.existing_note("archive", args.name, label)]
    if not ctx.backend.ledger.has("archive", args.name):
        return [Note(f"{label} is not workshop's and its pattern or retention differs: used as it is, not changed", "warn")]
    return [ApiCall("events", "update_archive", wanted, f"Update {label.lower()}: pattern and retention")]


resources.register("archive", resources.Kind("archive", uses=("event_bus",), delete=lambda r: [ApiCall(
    "events", "delete_archive", {"ArchiveName": r.attrs["name"]}, f"Delete archive {r.attrs['name']}")]))


# queue policy --------------------------------------------------------------------------------
@dataclass
class QueuePolicyArgs:
    queue: str
    rule: str
    bus: str = "default"


@step_kind("queue_policy_for_events", QueuePolicyArgs)
def plan_queue_policy(ctx, args: QueuePolicyArgs):
    """The console adds this statement silently when a rule targets a queue; here it is explicit."""
    sid = f"workshop-{args.rule}"
    url = queue_url(ctx, args.queue)
    if url is None:
        if ctx.dry_run:
            return [Note(f"Queue {args.queue} does not exist yet: its policy is set once it does", "info")]
        raise WorkshopError(f"There is no SQS queue {args.queue}: run `workshop run prerequisites` first.")
    current = ctx.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    policy = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
    if has_sid(policy, sid):
        return [ctx.existing_note("queue_policy_statement", f"{args.queue}/{sid}", f"Queue {args.queue}'s statement for {args.rule}")]
    policy.setdefault("Statement", []).append(events_grant(sid, "sqs:SendMessage", queue_arn(ctx, args.queue),
                                                           rule_arn(ctx, args.rule, args.bus)))
    return [ApiCall("sqs", "set_queue_attributes", {"QueueUrl": url, "Attributes": {"Policy": json.dumps(policy)}},
                    f"Let rule {args.rule} send to queue {args.queue} (queue policy statement {sid})",
                    records=Resource("queue_policy_statement", f"{args.queue}/{sid}", {"queue": args.queue, "sid": sid}))]


def _remove_queue_statement(resource: Resource) -> list[Custom]:
    queue, sid = resource.attrs["queue"], resource.attrs["sid"]

    def run(client):
        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
        policy = json.loads(current) if current else {}
        kept = [s for s in policy.get("Statement", []) if s.get("Sid") != sid]
        if len(kept) != len(policy.get("Statement", [])):
            policy["Statement"] = kept
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy) if kept else ""})

    return [Custom("sqs", f"Remove statement {sid} from the policy of queue {queue}", run)]


resources.register("queue_policy_statement", resources.Kind(
    "queue policy statement", _remove_queue_statement, uses=("sqs_queue",),
    gone_codes=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), lane=lambda r: f"sqs policy {r.attrs['queue']}"))


# replays -------------------------------------------------------------------------------------
@dataclass
class ReplayArgs:
    name: str  # a prefix: each replay is NAME-<UTC timestamp>
    archive: str
    bus: str
    rules: list[str] = field(default_factory=list)  # empty: every rule on the bus
    window_minutes: int = 15


def _now(ctx) -> datetime:
    clock = ctx.backend.sandbox_control()
    return clock.now() if clock else datetime.now(timezone.utc)


@step_kind("replay", ReplayArgs, behaviour=True)
def plan_replay(ctx, args: ReplayArgs):
    rules = [rule_arn(ctx, rule, args.bus) for rule in args.rules]
    to = f"rule{'s' if len(rules) > 1 else ''} {', '.join(args.rules)}" if rules else "every rule"

    def run(client):
        import botocore.exceptions

        events = client("events")
        # Event times have whole seconds and the window excludes its end: end at the next second.
        # A backend that refuses an end in the future is asked again once that second has passed.
        end = (_now(ctx) + timedelta(seconds=1)).replace(microsecond=0)
        name = f"{args.name}-{end.strftime('%Y%m%d%H%M%S')}"
        for n in range(2, 100):  # names are unique for ever on AWS: never reuse one
            if ctx.found(lambda: events.describe_replay(ReplayName=name)) is None:
                break
            name = f"{args.name}-{end.strftime('%Y%m%d%H%M%S')}-{n}"
        destination = {"Arn": bus_arn(ctx, args.bus), **({"FilterArns": rules} if rules else {})}
        replay = dict(ReplayName=name, EventSourceArn=archive_arn(ctx, args.archive), Destination=destination,
                      EventStartTime=end - timedelta(minutes=args.window_minutes), EventEndTime=end)
        try:
            events.start_replay(**replay)
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) != "ValidationException" or "EventEndTime" not in error_message(exc):
                raise
            time.sleep(max(0.0, (end - _now(ctx)).total_seconds()) + 0.01)
            events.start_replay(**replay)
        ctx.replays.setdefault(args.archive, []).append(name)
        deadline, delay = time.monotonic() + REPLAY_LIMIT_S, 0.05
        while True:
            described = events.describe_replay(ReplayName=name)
            if described["State"] == "COMPLETED":
                return described
            if described["State"] in ("FAILED", "CANCELLED"):
                raise WorkshopError(f"Replay {name} {described['State']}: {described.get('StateReason') or 'no reason given'}.")
            if time.monotonic() >= deadline:
                raise WorkshopError(f"Replay {name} is still {described['State']} after {REPLAY_LIMIT_S:.0f}s.")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    return [Custom("events", f"Replay the last {args.window_minutes} minutes of archive {args.archive} to {to} "
                             f"({args.name}-<time>), and wait until it completes", run)]
