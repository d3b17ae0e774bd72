"""Check: the schedule rule fires and its Scheduled Events arrive in the log group.

On the sandbox, the check moves the sandbox clock to the next firing, so it passes in seconds.
On AWS it waits for the next firing when that is near (up to about two minutes, with a countdown);
when the schedule cannot fire soon (a MON-FRI schedule on a weekend), the check is unverifiable:
it verifies the rule's configuration and names the next firing time instead of timing out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .. import schedules
from ..aws.lookups import log_events
from . import Outcome, brief, check_kind, poll

WAIT_LIMIT = timedelta(minutes=2, seconds=30)


@dataclass
class ScheduledArgs:
    rule: str
    schedule: str
    log_group: str


def scheduled_events(ctx, group: str, rule_arn: str, since: datetime) -> list[dict]:
    found = []
    # Filter on the event's own time, not the log timestamp: on the sandbox the schedule's clock
    # runs ahead of the wall clock once it has been moved.
    for record in log_events(ctx, group, ctx.started_ms):
        try:
            event = json.loads(record["message"])
        except ValueError:
            continue
        if (isinstance(event, dict) and event.get("detail-type") == "Scheduled Event" and rule_arn in event.get("resources", [])
                and event.get("time", "") >= since.strftime("%Y-%m-%dT%H:%M:%SZ")):
            found.append(event)
    return found


@check_kind("scheduled_event", ScheduledArgs, needs=("schedules", "deliver_logs"))
def scheduled_event(ctx, args: ScheduledArgs) -> Outcome:
    rule = ctx.found(lambda: ctx.client("events").describe_rule(Name=args.rule))
    if not rule:
        return Outcome(False, f"there is no rule {args.rule} on the default bus (schedules only work there)")
    if rule.get("ScheduleExpression") != args.schedule:
        return Outcome(False, f"rule {args.rule} has schedule {rule.get('ScheduleExpression')!r}, expected {args.schedule!r}")
    if rule.get("State") != "ENABLED":
        return Outcome(False, f"rule {args.rule} is {rule.get('State')}: a disabled rule never fires")
    schedule = schedules.parse(args.schedule)
    clock = ctx.backend.sandbox_control()
    now = clock.now() if clock else datetime.now(timezone.utc)
    next_fire = schedule.next_fire(now)
    if next_fire is None:
        return Outcome(False, f"{args.schedule} never fires")
    when = next_fire.strftime("%A %Y-%m-%d %H:%M UTC")
    if clock:
        clock.advance(math.ceil((next_fire - now).total_seconds() / 60) + 1)
        ctx.backend.settle()  # what the firing put on the bus is delivered: the first look can see it
    elif next_fire - now > WAIT_LIMIT:  # configured right, but no evidence can come now: not a pass
        return Outcome.unverifiable(f"rule {args.rule} is configured with {args.schedule}, which cannot fire now "
                                    f"({now.strftime('%A')} UTC); verify again after the next firing, {when}")
    else:
        ctx.announce(f"waiting for the next firing at {when} ({int((next_fire - now).total_seconds())}s)...")

    def probe() -> Outcome:
        fired = scheduled_events(ctx, args.log_group, rule["Arn"], next_fire - timedelta(seconds=1))
        if fired:
            return Outcome(True, f"event {fired[0].get('id')} logged: fired {fired[0]['time']}, source {fired[0].get('source')}, "
                                 f"detail {brief(fired[0].get('detail'))}")
        return Outcome(False, f"no Scheduled Event from {args.rule} arrived in {args.log_group} after the firing at {when}")

    wait = ctx.deadline_s if clock else max(ctx.deadline_s, (next_fire - now).total_seconds() + 60)
    return poll(probe, wait, interval_s=1.0 if not clock else 0.25)
