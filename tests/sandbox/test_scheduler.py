"""EventBridge Scheduler in the sandbox, through the public API: schedules fire on the sandbox clock
with their target's input, as their execution role."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.support import ACCOUNT, REGION, drain, make_bus, make_queue, rule_to, unique

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def role(sb, action: str, resource: str, trust: dict = TRUST) -> str:
    iam = sb.client("iam")
    name = unique("scheduler-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="target", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}))
    return arn


def clock(sb) -> datetime:
    return sb.control.now()


def bus_with_queue(sb):
    bus, bus_arn = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn}, {"source": ["scheduled.demo"]})
    return bus_arn, url


def schedule(sb, expression: str, target: dict, **extra) -> str:
    name = unique("sched")
    sb.client("scheduler").create_schedule(Name=name, ScheduleExpression=expression, Target=target,
                                           FlexibleTimeWindow=extra.pop("FlexibleTimeWindow", {"Mode": "OFF"}), **extra)
    return name


def put_events_target(bus_arn: str, role_arn: str, detail: dict) -> dict:
    return {"Arn": bus_arn, "RoleArn": role_arn, "Input": json.dumps(detail),
            "EventBridgeParameters": {"Source": "scheduled.demo", "DetailType": "scheduled-event"}}


def test_a_cron_schedule_puts_its_event_on_the_bus_every_minute(sb):
    bus_arn, url = bus_with_queue(sb)
    detail = {"category": "lab-supplies", "value": 500, "location": "us-east"}
    name = schedule(sb, "cron(* * ? * * *)", put_events_target(bus_arn, role(sb, "events:PutEvents", bus_arn), detail))
    sb.tick(3)
    got = [json.loads(m["Body"]) for m in drain(sb, url, 3)]
    assert 3 <= len(got) <= 4  # the real clock may pass a minute between creating it and the tick
    arn = sb.client("scheduler").get_schedule(Name=name)["Arn"]
    assert {(e["source"], e["detail-type"], json.dumps(e["detail"], sort_keys=True)) for e in got} == \
        {("scheduled.demo", "scheduled-event", json.dumps(detail, sort_keys=True))}
    assert all(e["resources"] == [arn] and e["account"] == ACCOUNT and e["region"] == REGION for e in got)
    times = sorted(e["time"] for e in got)
    assert len(set(times)) == len(got) and all(t.endswith(":00Z") for t in times)


def test_the_role_must_allow_the_call_and_trust_scheduler(sb):
    bus_arn, url = bus_with_queue(sb)
    other_bus = bus_arn + "-other"
    not_allowed = schedule(sb, "rate(1 minute)", put_events_target(bus_arn, role(sb, "events:PutEvents", other_bus), {}))
    untrusted = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"Service": "lambda.amazonaws.com"})])
    not_trusted = schedule(sb, "rate(1 minute)", put_events_target(bus_arn, role(sb, "events:PutEvents", bus_arn, untrusted), {}))
    sb.tick(2)
    sb.wait_idle()
    assert drain(sb, url, 0, timeout=0.5) == []
    rules = {f["rule"]: f["error_message"] for f in sb.stats()["failures"] if f["rule"] and f["rule"].startswith("schedule/")}
    assert "is not allowed events:PutEvents" in rules[f"schedule/default/{not_allowed}"]
    assert "does not trust scheduler.amazonaws.com" in rules[f"schedule/default/{not_trusted}"]


def test_an_end_date_stops_the_schedule(sb):
    bus_arn, url = bus_with_queue(sb)
    end = clock(sb).replace(second=0, microsecond=0) + timedelta(minutes=3)
    schedule(sb, "cron(* * ? * * *)", put_events_target(bus_arn, role(sb, "events:PutEvents", bus_arn), {"n": 1}), EndDate=end)
    sb.tick(10)
    got = [json.loads(m["Body"]) for m in drain(sb, url, 10, timeout=3)]
    assert 1 <= len(got) <= 3
    assert all(e["time"] < end.strftime("%Y-%m-%dT%H:%M:%SZ") for e in got)


def test_a_one_time_schedule_fires_once_and_can_delete_itself(sb):
    url, queue_arn = make_queue(sb)
    when = clock(sb).replace(second=0, microsecond=0) + timedelta(minutes=2)
    name = schedule(sb, f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
                    {"Arn": queue_arn, "RoleArn": role(sb, "sqs:SendMessage", queue_arn), "Input": "hello"},
                    ActionAfterCompletion="DELETE")
    sb.tick(5)
    assert [m["Body"] for m in drain(sb, url, 1)] == ["hello"]
    sb.wait_idle()
    assert name not in [s["Name"] for s in sb.client("scheduler").list_schedules()["Schedules"]]


def test_a_flexible_window_fires_within_the_window(sb):
    url, queue_arn = make_queue(sb)
    start = clock(sb)
    schedule(sb, "rate(10 minutes)", {"Arn": queue_arn, "RoleArn": role(sb, "sqs:SendMessage", queue_arn), "Input": "flex"},
             FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5})
    sb.tick(16)
    assert [m["Body"] for m in drain(sb, url, 1)] == ["flex"]
    assert clock(sb) - start >= timedelta(minutes=16)


def test_a_disabled_schedule_never_fires(sb):
    url, queue_arn = make_queue(sb)
    schedule(sb, "rate(1 minute)", {"Arn": queue_arn, "RoleArn": role(sb, "sqs:SendMessage", queue_arn), "Input": "x"},
             State="DISABLED")
    sb.tick(3)
    sb.wait_idle()
    assert drain(sb, url, 0, timeout=0.5) == []
