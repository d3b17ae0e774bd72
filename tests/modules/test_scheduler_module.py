"""The EventBridge Scheduler module on a fresh sandbox: run, verify, a wrong schedule, cleanup."""

from __future__ import annotations

import json

from tests.support import checks_of, failed_checks

MODULE = "scheduler"
DEPLOYED_CHECK = "schedule OrdersProcessing puts scheduled-event on Orders every weekday minute"
ARRIVED_CHECK = "the scheduled event arrived through the Orders bus in /aws/events/orders"
STOPPED_CHECK = "schedule OrdersProcessing has ended"


def test_run_sees_the_scheduled_event_arrive_then_stops_the_schedule(deployed, aws):
    checks = checks_of(deployed, MODULE)
    assert all(c["passed"] for c in checks.values()), checks
    assert "fired at" in checks[ARRIVED_CHECK]["detail"] and checks[STOPPED_CHECK]["passed"]
    schedule = aws("scheduler").get_schedule(Name="OrdersProcessing")
    assert schedule["EndDate"] is not None
    assert schedule["Target"]["EventBridgeParameters"] == {"DetailType": "scheduled-event", "Source": "com.aws.orders"}
    assert json.loads(schedule["Target"]["Input"]) == {"category": "lab-supplies", "value": 500, "location": "us-east"}
    role = aws("iam").get_role(RoleName="workshop-scheduler-orders")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}


def test_the_scheduled_event_reached_the_bus_with_its_detail(deployed, aws):
    logs = aws("logs").filter_log_events(logGroupName="/aws/events/orders")["events"]
    events = [json.loads(e["message"]) for e in logs]
    scheduled = [e for e in events if e["detail-type"] == "scheduled-event"]
    assert scheduled and all(e["source"] == "com.aws.orders" for e in scheduled)
    assert scheduled[0]["detail"] == {"category": "lab-supplies", "value": 500, "location": "us-east"}


def test_verify_passes_from_the_evidence_before_the_end_date(cli, deployed):
    report = cli.json("verify", MODULE)
    assert report["passed"] is True
    arrived = next(c for c in report["checks"] if c["name"] == ARRIVED_CHECK)
    assert "before its end date" in arrived["detail"]


def test_a_schedule_with_another_detail_fails_verify_naming_the_check(cli, deployed, aws):
    scheduler = aws("scheduler")
    current = scheduler.get_schedule(Name="OrdersProcessing")
    keep = {k: current[k] for k in ("ScheduleExpression", "FlexibleTimeWindow", "EndDate", "ScheduleExpressionTimezone", "State")}
    wrong = dict(current["Target"], Input=json.dumps({"category": "office-supplies"}))
    scheduler.update_schedule(Name="OrdersProcessing", Target=wrong, **keep)
    try:
        result = cli("verify", MODULE, "--json")
    finally:
        scheduler.update_schedule(Name="OrdersProcessing", Target=current["Target"], **keep)
    failed = failed_checks(result)
    assert set(failed) == {DEPLOYED_CHECK}
    assert "its detail is" in failed[DEPLOYED_CHECK]


def test_cleanup_deletes_the_schedule_and_its_role(cli, deployed, aws):
    assert cli.json("cleanup", "--yes", timeout=300)["failed"] == []
    assert aws("scheduler").list_schedules()["Schedules"] == []
    assert aws("iam").list_roles()["Roles"] == []
    assert cli.json("status")["resources"] == []
