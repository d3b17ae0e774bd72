"""Step kinds of EventBridge Scheduler: `schedule` (a schedule with a templated EventBridge PutEvents
target) and `schedule_end_date` (stop a schedule by giving it an end date, as the workshop does:
the minute after its next firing, so it fires once more and then no more).

Scheduler assumes the schedule's execution role to call the target; the role is an `iam_role` step
that trusts scheduler.amazonaws.com. UpdateSchedule replaces the whole schedule, so changing one
field sends every other one as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..aws.arns import role as role_arn
from ..ledger import Resource
from ..scheduler_schedules import next_firing
from . import resources, step_kind
from .plan import ApiCall, Note

_UPDATABLE = ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "Target", "State",
              "Description", "StartDate", "EndDate", "KmsKeyArn", "ActionAfterCompletion")


@dataclass
class ScheduleArgs:
    name: str
    expression: str
    role: str  # the execution role's name
    bus: str  # the templated target: EventBridge PutEvents on this bus
    source: str
    detail_type: str
    detail: Any
    group: str = "default"
    timezone: str = "UTC"
    flexible_window_minutes: int = 0  # 0: flexible time window off
    description: str = ""

    def __post_init_yaml__(self):
        if not 0 <= self.flexible_window_minutes <= 1440:
            raise ValueError("flexible_window_minutes must be between 0 (off) and 1440")


def schedule_params(ctx, args: ScheduleArgs) -> dict:
    window = {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": args.flexible_window_minutes} if args.flexible_window_minutes else {"Mode": "OFF"}
    params = {
        "Name": args.name, "GroupName": args.group, "ScheduleExpression": args.expression,
        "ScheduleExpressionTimezone": args.timezone, "FlexibleTimeWindow": window, "State": "ENABLED",
        "Target": {"Arn": f"arn:aws:events:{ctx.region}:{ctx.account}:event-bus/{args.bus}", "RoleArn": role_arn(ctx, args.role),
                   "Input": json.dumps(args.detail), "EventBridgeParameters": {"DetailType": args.detail_type, "Source": args.source}},
    }
    if args.description:
        params["Description"] = args.description
    return params


def _differs(existing: dict, wanted: dict) -> list[str]:
    changed = [k for k in ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "State")
               if existing.get(k) != wanted[k]]
    have, want = existing.get("Target") or {}, wanted["Target"]
    if (have.get("Arn"), have.get("RoleArn"), have.get("EventBridgeParameters")) != (want["Arn"], want["RoleArn"], want["EventBridgeParameters"]):
        changed.append("Target")
    else:
        try:
            if json.loads(have.get("Input") or "null") != json.loads(want["Input"]):
                changed.append("Target")
        except ValueError:
            changed.append("Target")
    return changed


@step_kind("schedule", ScheduleArgs)
def plan_schedule(ctx, args: ScheduleArgs):
    scheduler = ctx.client("scheduler")
    label = f"Schedule {args.name} (group {args.group})"
    wanted = schedule_params(ctx, args)
    existing = ctx.found(lambda: scheduler.get_schedule(Name=args.name, GroupName=args.group))
    if existing is None:
        return [ApiCall("scheduler", "create_schedule", wanted,
                        f"Create schedule {args.name}: {args.expression} ({args.timezone}), EventBridge PutEvents on bus "
                        f"{args.bus} as {args.detail_type} from {args.source}, with role {args.role}",
                        records=Resource("schedule", f"{args.group}/{args.name}", {"name": args.name, "group": args.group}))]
    changed = _differs(existing, wanted)
    if not changed:
        return [ctx.existing_note("schedule", f"{args.group}/{args.name}", label)]
    if not ctx.backend.ledger.has("schedule", f"{args.group}/{args.name}"):
        return [Note(f"{label} is not workshop's and differs ({', '.join(changed)}): used as it is, not changed", "warn")]
    kept = {k: existing[k] for k in ("StartDate",) if existing.get(k)}  # a re-run starts it again: no end date
    return [ApiCall("scheduler", "update_schedule", {**wanted, **kept}, f"Update {label.lower()}: {', '.join(changed)}")]


@dataclass
class EndDateArgs:
    name: str
    group: str = "default"


def _now(ctx) -> datetime:
    clock = ctx.backend.sandbox_control()
    return clock.now() if clock else datetime.now(timezone.utc)


@step_kind("schedule_end_date", EndDateArgs)
def plan_end_date(ctx, args: EndDateArgs):
    scheduler = ctx.client("scheduler")
    existing = ctx.found(lambda: scheduler.get_schedule(Name=args.name, GroupName=args.group))
    if existing is None:
        if ctx.dry_run:
            return [Note(f"Schedule {args.name} does not exist yet: its end date is set once it does", "info")]
        from ..errors import WorkshopError

        raise WorkshopError(f"There is no schedule {args.name} in group {args.group}: run the step that creates it first.")
    if existing.get("EndDate"):
        return [Note(f"Schedule {args.name} already ends at {existing['EndDate']}", "exists")]
    # It stops after one more firing (the minute after the next one), so that firing still shows it working.
    now = _now(ctx)
    upcoming = next_firing(existing, now, existing.get("CreationDate") or now)
    end = (upcoming or now.replace(second=0, microsecond=0)) + timedelta(minutes=1)
    params = {k: existing[k] for k in _UPDATABLE if existing.get(k) not in (None, "")}
    params.update({"Name": args.name, "GroupName": args.group, "EndDate": end})
    params["Target"] = {k: v for k, v in existing["Target"].items() if k != "RetryPolicy" or v}
    return [ApiCall("scheduler", "update_schedule", params,
                    f"Stop schedule {args.name}: end date {end.strftime('%Y-%m-%d %H:%M UTC')}")]


resources.register("schedule", resources.Kind("schedule", uses=("event_bus", "iam_role"), delete=lambda r: [ApiCall(
    "scheduler", "delete_schedule", {"Name": r.attrs["name"], "GroupName": r.attrs["group"]},
    f"Delete schedule {r.attrs['name']} (group {r.attrs['group']})")]))
