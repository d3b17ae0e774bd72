"""Schedule rules on the sandbox clock, schedule validation, and which rules see published events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.support import drain, log_messages, make_log_group, make_queue, put, unique


def clock(sb) -> datetime:
    return sb.control.now()


def tick_to(sb, when: datetime) -> None:
    """Move the clock forward to at least `when` (whole minutes)."""
    minutes = int((when - clock(sb)).total_seconds() // 60) + 1
    if minutes > 0:
        sb.tick(minutes)


def next_day(now: datetime, weekday: int, hour: int = 10) -> datetime:
    """The next `weekday` (0 = Monday) at hour:00 UTC, at least an hour ahead."""
    day = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    while day.weekday() != weekday or day <= now + timedelta(hours=1):
        day += timedelta(days=1)
    return day


def minute(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(second=0, microsecond=0)


def scheduled_events(sb, group: str) -> list[dict]:
    return [json.loads(m) for m in log_messages(sb, group)]


def test_weekday_cron_fires_every_minute_on_weekdays_and_never_at_weekends(sb):
    events = sb.client("events")
    group, group_arn = make_log_group(sb)
    rule = unique("OrdersReconciliation")
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="cron(* * ? * MON-FRI *)", State="DISABLED")["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "logs", "Arn": group_arn}])
    try:
        # A Monday: 5 minutes enabled -> 5 Scheduled Events, one per minute.
        tick_to(sb, next_day(clock(sb), 0))
        enabled_at = clock(sb)
        events.enable_rule(Name=rule)
        answer = sb.tick(5)
        start, end = minute(answer["from"]), minute(answer["to"])
        delivered = scheduled_events(sb, group)
        times = sorted(minute(e["time"]) for e in delivered)
        if enabled_at.replace(second=0, microsecond=0) == start:  # no minute boundary crossed meanwhile
            assert times == [start + timedelta(minutes=n) for n in range(1, 6)]
        assert len(delivered) in (5, 6) and len(set(times)) == len(times)
        assert all(t.weekday() < 5 for t in times)
        for event in delivered:
            assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
            assert event["resources"] == [rule_arn] and event["detail"] == {}
        assert end == times[-1]

        # A Saturday: nothing, however long the clock runs.
        events.disable_rule(Name=rule)
        tick_to(sb, next_day(clock(sb), 5))
        events.enable_rule(Name=rule)
        sb.tick(90)
        sb.wait_idle()
        assert len(scheduled_events(sb, group)) == len(delivered)
    finally:
        events.remove_targets(Rule=rule, Ids=["logs"])
        events.delete_rule(Name=rule)


def test_rate_schedule_counts_from_rule_creation(sb):
    events = sb.client("events")
    url, queue_arn = make_queue(sb)
    rule = unique("every5")
    created = clock(sb)
    events.put_rule(Name=rule, ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    try:
        sb.tick(12)
        messages = drain(sb, url, 2)
        times = sorted(minute(json.loads(m["Body"])["time"]) for m in messages)
        origin = created.replace(second=0, microsecond=0)
        assert times in ([origin + timedelta(minutes=5), origin + timedelta(minutes=10)],
                         # the put landed a minute later than our clock reading
                         [origin + timedelta(minutes=6), origin + timedelta(minutes=11)])
    finally:
        events.remove_targets(Rule=rule, Ids=["q"])
        events.delete_rule(Name=rule)


@pytest.mark.parametrize("expression", ["cron(* * * * * *)", "rate(0 minutes)", "rate(1 minutes)",
                                        "cron(0 12 * * ?)", "every 5 minutes"])
def test_put_rule_rejects_an_invalid_schedule_expression(sb, expression):
    events = sb.client("events")
    name = unique("bad")
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name=name, ScheduleExpression=expression)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert name not in [r["Name"] for r in events.list_rules(NamePrefix="bad-")["Rules"]]


def test_schedule_rules_only_on_the_default_bus(sb):
    events = sb.client("events")
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name=unique("sched"), EventBusName=bus, ScheduleExpression="rate(5 minutes)")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_schedule_and_disabled_rules_see_no_published_events(sb):
    events = sb.client("events")
    queues = {kind: make_queue(sb) for kind in ("schedule", "disabled", "enabled")}
    source = unique("src")
    rules = {kind: unique(kind) for kind in queues}
    events.put_rule(Name=rules["schedule"], ScheduleExpression="rate(1 day)")
    events.put_rule(Name=rules["disabled"], EventPattern=json.dumps({"source": [source]}), State="DISABLED")
    events.put_rule(Name=rules["enabled"], EventPattern=json.dumps({"source": [source]}))
    for kind, (_, arn) in queues.items():
        events.put_targets(Rule=rules[kind], Targets=[{"Id": "q", "Arn": arn}])
    try:
        event_id = put(sb, "default", {"n": 1}, source=source)
        [delivered] = drain(sb, queues["enabled"][0], 1)
        assert json.loads(delivered["Body"])["id"] == event_id
        sb.wait_idle()
        for kind in ("schedule", "disabled"):
            assert drain(sb, queues[kind][0], 0, timeout=0.3) == []
    finally:
        for rule in rules.values():
            events.remove_targets(Rule=rule, Ids=["q"])
            events.delete_rule(Name=rule)
