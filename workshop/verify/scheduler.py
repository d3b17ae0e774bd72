"""Checks of the EventBridge Scheduler module: the schedule as deployed, its event arriving through
the bus, and its end date.

On the sandbox the check moves the sandbox clock to the next firing, so it passes in seconds. On a
real clock it waits for the next firing when that is near; when it is not (a MON-FRI schedule at a
weekend) the check is unverifiable and names the next firing. Once the workshop has stopped the
schedule with an end date, the evidence is the event it put on the bus before that date.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..aws import arns
from ..aws.lookups import log_events
from ..scheduler_schedules import next_firing
from . import Outcome, check_kind, poll

WAIT_LIMIT = timedelta(minutes=2, seconds=30)


def _cannot_prove_now(reason: str) -> Outcome:
    make = getattr(Outcome, "unverifiable", None)  # the verify statuses, where this build has them
    return make(reason) if make else Outcome(True, reason)


@dataclass
class ScheduleArgs:
    name: str
    expression: str
    role: str
    bus: str
    source: str
    detail_type: str
    detail: Any
    group: str = "default"
    timezone: str = "UTC"


def _schedule(ctx, name: str, group: str) -> dict | None:
    return ctx.found(lambda: ctx.client("scheduler").get_schedule(Name=name, GroupName=group))


@check_kind("schedule_deployed", ScheduleArgs)
def schedule_deployed(ctx, args: ScheduleArgs) -> Outcome:
    schedule = _schedule(ctx, args.name, args.group)
    if not schedule:
        return Outcome(False, f"there is no schedule {args.name} in group {args.group}")
    target = schedule.get("Target") or {}
    parameters = target.get("EventBridgeParameters") or {}
    problems = []
    if schedule.get("ScheduleExpression") != args.expression:
        problems.append(f"expression {schedule.get('ScheduleExpression')!r}, expected {args.expression!r}")
    if (schedule.get("ScheduleExpressionTimezone") or "UTC") != args.timezone:
        problems.append(f"time zone {schedule.get('ScheduleExpressionTimezone')}, expected {args.timezone}")
    if (schedule.get("FlexibleTimeWindow") or {}).get("Mode") != "OFF":
        problems.append("the flexible time window is on")
    if schedule.get("State") != "ENABLED":
        problems.append(f"it is {schedule.get('State')}")
    if target.get("Arn") != f"arn:aws:events:{ctx.region}:{ctx.account}:event-bus/{args.bus}":
        problems.append(f"its target is {target.get('Arn')}, not bus {args.bus}")
    if target.get("RoleArn") != arns.role(ctx, args.role):
        problems.append(f"its role is {target.get('RoleArn')}, not {args.role}")
    if (parameters.get("Source"), parameters.get("DetailType")) != (args.source, args.detail_type):
        problems.append(f"it puts {parameters.get('DetailType')!r} from {parameters.get('Source')!r}, "
                        f"expected {args.detail_type!r} from {args.source!r}")
    try:
        detail = json.loads(target.get("Input") or "null")
    except ValueError:
        detail = None
    if detail != args.detail:
        problems.append(f"its detail is {target.get('Input')}, expected {json.dumps(args.detail)}")
    if problems:
        return Outcome(False, f"schedule {args.name}: " + "; ".join(problems))
    return Outcome(True, f"schedule {args.name} puts {args.detail_type} on bus {args.bus} with {args.expression} "
                         f"({args.timezone}, flexible window off) as role {args.role}")


@dataclass
class ScheduledEventArgs:
    name: str
    log_group: str  # where the bus's events are logged (OrdersDevRule)
    source: str
    detail_type: str
    group: str = "default"


def _arrived(ctx, args: ScheduledEventArgs, schedule_arn: str, since: datetime | None, before: datetime | None) -> list[dict]:
    found = []
    for record in log_events(ctx, args.log_group, 0 if since is None else ctx.started_ms):
        try:
            event = json.loads(record["message"])
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("detail-type") != args.detail_type or event.get("source") != args.source:
            continue
        if schedule_arn not in event.get("resources", []) and event.get("resources"):
            continue
        stamp = event.get("time", "")
        if since is not None and stamp < since.strftime("%Y-%m-%dT%H:%M:%SZ"):
            continue
        if before is not None and stamp >= before.strftime("%Y-%m-%dT%H:%M:%SZ"):
            continue
        found.append(event)
    return found


@check_kind("scheduler_event", ScheduledEventArgs, needs=("scheduler_fires", "custom_bus", "deliver_logs"))
def scheduler_event(ctx, args: ScheduledEventArgs) -> Outcome:
    schedule = _schedule(ctx, args.name, args.group)
    if not schedule:
        return Outcome(False, f"there is no schedule {args.name} in group {args.group}")
    if schedule.get("State") != "ENABLED":
        return Outcome(False, f"schedule {args.name} is {schedule.get('State')}: it never fires")
    clock = ctx.backend.sandbox_control()
    now = clock.now() if clock else datetime.now(timezone.utc)
    end = schedule.get("EndDate")
    created = schedule.get("CreationDate") or now
    fire = next_firing(schedule, now, created)
    if fire is None:
        if end is None:
            return Outcome(False, f"schedule {args.name} ({schedule.get('ScheduleExpression')}) does not fire in the coming week")
        # Stopped: the proof is the event it put on the bus while it ran.
        before = _arrived(ctx, args, schedule["Arn"], None, end)
        if before:
            return Outcome(True, f"schedule {args.name} put a {args.detail_type} event on the bus at {before[-1]['time']} "
                                 f"before its end date, and it arrived in {args.log_group}")
        if next_firing(schedule, created - timedelta(minutes=1), created) is None:
            return _cannot_prove_now(f"schedule {args.name} ended ({end:%Y-%m-%d %H:%M UTC}) before it could fire")
        return Outcome(False, f"no {args.detail_type} event from schedule {args.name} arrived in {args.log_group} before its end date")
    when = fire.strftime("%A %Y-%m-%d %H:%M UTC")
    if clock:
        clock.advance(math.ceil((fire - now).total_seconds() / 60) + 1)
        ctx.backend.settle()  # what the firing put on the bus is delivered: the first look can see it
    elif fire - now > WAIT_LIMIT:
        return _cannot_prove_now(f"schedule {args.name} ({schedule.get('ScheduleExpression')}) cannot fire now "
                                 f"({now.strftime('%A')} UTC); verify again after the next firing, {when}")
    else:
        ctx.announce(f"waiting for the next firing of {args.name} at {when} ({int((fire - now).total_seconds())}s)...")

    def probe() -> Outcome:
        got = _arrived(ctx, args, schedule["Arn"], fire - timedelta(seconds=1), None)
        if got:
            return Outcome(True, f"schedule {args.name} fired at {got[0]['time']}: its {args.detail_type} event arrived "
                                 f"through the bus in {args.log_group}")
        return Outcome(False, f"no {args.detail_type} event from schedule {args.name} arrived in {args.log_group} "
                              f"after the firing at {when} (does its role allow events:PutEvents on the bus?)")

    wait = ctx.deadline_s if clock else max(ctx.deadline_s, (fire - now).total_seconds() + 60)
    return poll(probe, wait, interval_s=0.25 if clock else 1.0)


@dataclass
class StoppedArgs:
    name: str
    group: str = "default"


@check_kind("schedule_stopped", StoppedArgs)
def schedule_stopped(ctx, args: StoppedArgs) -> Outcome:
    schedule = _schedule(ctx, args.name, args.group)
    if not schedule:
        return Outcome(False, f"there is no schedule {args.name} in group {args.group}")
    end = schedule.get("EndDate")
    if end is None:
        return Outcome(False, f"schedule {args.name} has no end date: it keeps firing")
    clock = ctx.backend.sandbox_control()
    now = clock.now() if clock else datetime.now(timezone.utc)
    created = schedule.get("CreationDate") or now
    upcoming = next_firing(schedule, now, created)
    if upcoming is not None and next_firing(schedule, upcoming, created) is not None:
        return Outcome(False, f"schedule {args.name} ends only at {end:%Y-%m-%d %H:%M UTC}: it fires more than once more")
    return Outcome(True, f"schedule {args.name} ends at {end:%Y-%m-%d %H:%M UTC}: "
                         + ("it fires no more" if upcoming is None else f"it fires once more, at {upcoming:%Y-%m-%d %H:%M UTC}"))
