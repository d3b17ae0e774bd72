"""Probes of what the later modules use: archives and replays, and EventBridge Scheduler firing its
targets. (SNS filter policies are probed by their check kind, `verify/sns_filtering.py`.)"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .support import DELIVERY_S, SCHEDULE_S, Probe, short_error, wait_for


def archive_replay(run: Probe) -> None:
    """An archived event, replayed to one rule only, arrives carrying replay-name."""
    events = run.client("events")
    url, queue_arn = run.queue("replay")
    bus = run.bus("replay")
    rule = f"{run.prefix}-replay"
    rule_arn = events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(
        {"replay-name": [{"exists": True}], "source": [f"workshop.doctor.{run.token}"]}))["RuleArn"]
    run.later(lambda: events.delete_rule(Name=rule, EventBusName=bus))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "doctor", "Arn": queue_arn}])
    run.later(lambda: events.remove_targets(Rule=rule, EventBusName=bus, Ids=["doctor"]))
    bus_arn = events.describe_event_bus(Name=bus)["Arn"]
    archive = events.create_archive(ArchiveName=f"{run.prefix}-archive", EventSourceArn=bus_arn)["ArchiveArn"]
    run.later(lambda: events.delete_archive(ArchiveName=f"{run.prefix}-archive"))
    started = _now(run) - timedelta(minutes=1)
    event_id = run.put_event(bus, "replay")
    if not wait_for(lambda: events.describe_archive(ArchiveName=f"{run.prefix}-archive").get("EventCount", 0) >= 1,
                    DELIVERY_S, 0.5):
        run.say("archive_replay", False, f"an archive of the bus never counted the event put on it ({DELIVERY_S:.0f}s)")
        return
    replay = f"{run.prefix}-replay"
    events.start_replay(ReplayName=replay, EventSourceArn=archive, Destination={"Arn": bus_arn, "FilterArns": [rule_arn]},
                        EventStartTime=started, EventEndTime=_now(run))

    def arrived() -> bool:
        return any(e.get("replay-name") == replay and e.get("detail-type") == "replay" for e in run.messages(url))

    if wait_for(arrived, DELIVERY_S, 0.5):
        run.say("archive_replay", True, "an archived event, replayed to one rule, arrived carrying replay-name")
    else:
        state = events.describe_replay(ReplayName=replay).get("State")
        run.say("archive_replay", False, f"a replay ({state}) of an archived event ({event_id}) never reached the rule "
                                         f"it names ({DELIVERY_S:.0f}s)")


def scheduler(run: Probe) -> None:
    """An EventBridge Scheduler schedule, rate(1 minute), sends its input to an SQS queue as its role."""
    scheduler = run.client("scheduler")
    url, queue_arn = run.queue("scheduler")
    name = f"{run.prefix}-schedule"
    marker = f"workshop-doctor-{run.token}-scheduled"
    try:
        scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 minute)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": queue_arn, "RoleArn": run.shared["role"], "Input": json.dumps({"marker": marker})})
    except Exception as exc:
        run.say("scheduler_fires", False, f"CreateSchedule failed ({short_error(exc)})")
        return
    run.later(lambda: scheduler.delete_schedule(Name=name))
    clock = run.backend.sandbox_control()
    if clock:
        clock.advance(2)

    def fired() -> bool:
        return any(e.get("marker") == marker for e in run.messages(url))

    if wait_for(fired, DELIVERY_S if clock else SCHEDULE_S, 1.0):
        run.say("scheduler_fires", True, "a rate(1 minute) schedule fired and its input arrived in its SQS target")
    else:
        run.say("scheduler_fires", False, f"a rate(1 minute) schedule never delivered to its SQS target within "
                                          f"{DELIVERY_S if clock else SCHEDULE_S:.0f}s")


def _now(run: Probe) -> datetime:
    clock = run.backend.sandbox_control()
    return clock.now() if clock else datetime.now(timezone.utc)
