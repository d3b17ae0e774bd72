"""The walking skeleton, as a user runs it: run → verify → cleanup of `event-bus` on the sandbox."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time


from tests.support import clean_env, default_sigint


def bus_names(aws) -> set[str]:
    return {b["Name"] for b in aws("events").list_event_buses()["EventBuses"]}


def test_run_verify_cleanup(cli, fresh, aws):
    run = cli.json("run", "event-bus", "--yes")
    assert run["passed"] is True
    [module] = run["modules"]
    assert [c["passed"] for c in module["checks"]] == [True, True, True, True]
    assert "Orders" in bus_names(aws)

    verified = cli.json("verify", "event-bus")
    assert verified["module"] == "event-bus" and verified["passed"] is True
    assert {c["name"] for c in verified["checks"]} >= {"bus Orders exists", "the event arrived in /aws/events/orders"}
    assert all({"name", "passed", "status", "detail", "hint"} <= set(c) for c in verified["checks"])

    cleaned = cli.json("cleanup", "--yes")
    assert not cleaned["failed"]
    assert {d["kind"] for d in cleaned["deleted"]} == {"event_bus", "log_group", "logs_resource_policy", "rule", "target"}
    assert "Orders" not in bus_names(aws)
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/aws/events/orders")["logGroups"] == []
    assert aws("logs").describe_resource_policies()["resourcePolicies"] == []
    again = cli.json("cleanup", "--yes")
    assert again == {"deleted": [], "failed": [], "dry_run": False}


def test_delivered_event_has_the_full_envelope(cli, fresh, aws):
    cli.json("run", "event-bus", "--yes")
    messages = [json.loads(e["message"]) for e in aws("logs").filter_log_events(logGroupName="/aws/events/orders")["events"]]
    assert messages, "nothing was delivered"
    event = messages[0]
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert event["account"] == "123456789012" and event["region"] == "us-east-1"
    assert event["time"].endswith("Z") and len(event["time"]) == 20
    assert event["detail"] == {"category": "lab-supplies", "value": 415, "location": "eu-west"}


def test_verify_names_the_failing_check_when_the_target_is_removed(cli, fresh, aws):
    cli.json("run", "event-bus", "--yes")
    aws("events").remove_targets(Rule="OrdersDevRule", EventBusName="Orders", Ids=["orders-log-group"])
    result = cli("verify", "event-bus", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["passed"]}
    assert report["passed"] is False
    assert "OrdersDevRule sends Orders events to /aws/events/orders" in failed
    assert "no targets" in failed["OrdersDevRule sends Orders events to /aws/events/orders"]
    assert "the event arrived in /aws/events/orders" in failed
    # The sandbox knows when nothing more can arrive: the check says so instead of waiting out its deadline.
    assert "by the time everything published had been delivered" in failed["the event arrived in /aws/events/orders"]
    assert "bus Orders exists" not in failed


def test_second_run_creates_nothing(cli, fresh):
    first = cli.json("run", "event-bus", "--yes")
    ledger_before = sorted(cli.json("status")["resources"], key=lambda r: (r["kind"], r["name"]))
    second = cli.json("run", "event-bus", "--yes")
    assert second["passed"] is True
    created = [a for a in second["modules"][0]["actions"] if not a.startswith("Publish")]
    assert created == [], f"second run changed something: {created}"
    assert len([a for a in first["modules"][0]["actions"] if a.startswith(("Create", "Add", "Let"))]) == 5
    assert sorted(cli.json("status")["resources"], key=lambda r: (r["kind"], r["name"])) == ledger_before


def test_cleanup_leaves_a_bus_that_existed_before(cli, fresh, aws):
    aws("events").create_event_bus(Name="Orders")
    result = cli("run", "event-bus", "--yes")
    assert result.returncode == 0, result.stderr
    assert "used, not created" in result.stderr
    cleaned = cli.json("cleanup", "--yes")
    assert "event_bus" not in {d["kind"] for d in cleaned["deleted"]}
    assert "Orders" in bus_names(aws)
    assert aws("events").list_rules(EventBusName="Orders")["Rules"] == []


def test_dry_run_changes_nothing(cli, fresh, aws):
    result = cli("run", "event-bus", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "events.create_event_bus" in result.stderr and "logs.put_resource_policy" in result.stderr
    assert "Orders" not in bus_names(aws)
    assert cli.json("status")["resources"] == []


def test_interrupted_run_is_recorded_and_cleaned_up(cli, fresh, aws, sandbox):
    """Ctrl-C while PutTargets hangs: the rule exists, is in the ledger, and cleanup removes all."""
    ledger = cli.state_dir / "ledger" / "sandbox-123456789012-us-east-1.json"
    sandbox.faults(delay=30, operations=["PutTargets"])  # the run will sit inside PutTargets
    try:
        process = subprocess.Popen([sys.executable, "-m", "workshop.cli", "run", "event-bus", "--yes"],
                                   env=clean_env(cli.state_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=default_sigint)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and '"kind": "rule"' not in (ledger.read_text() if ledger.exists() else ""):
            time.sleep(0.05)
        assert '"kind": "rule"' in ledger.read_text(), "the rule was never recorded"
        time.sleep(0.5)  # PutTargets is the next call, and it is being held
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        sandbox.faults(delay=0, operations=[])
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert "workshop cleanup" in stderr
    assert aws("events").describe_rule(Name="OrdersDevRule", EventBusName="Orders")["Name"] == "OrdersDevRule"
    assert aws("events").list_targets_by_rule(Rule="OrdersDevRule", EventBusName="Orders")["Targets"] == []

    cleaned = cli.json("cleanup", "--yes")
    assert {d["kind"] for d in cleaned["deleted"]} == {"event_bus", "rule", "log_group", "logs_resource_policy"}
    assert "Orders" not in bus_names(aws)


def test_disabled_rule_delivers_nothing(cli, fresh, aws):
    cli.json("run", "event-bus", "--yes")
    aws("events").disable_rule(Name="OrdersDevRule", EventBusName="Orders")
    result = cli("verify", "event-bus", "--json")
    assert result.returncode == 1
    failed = {c["name"] for c in json.loads(result.stdout)["checks"] if not c["passed"]}
    assert failed == {"OrdersDevRule sends Orders events to /aws/events/orders", "the event arrived in /aws/events/orders"}


def test_rules_module_runs_event_bus_first(cli, fresh):
    result = cli.json("run", "rules", "--yes")
    assert result["passed"] is True
    assert [m["module"] for m in result["modules"]] == ["rules"]
    modules = {m["id"]: m["state"] for m in cli.json("modules")["modules"]}
    assert modules["rules"] == "verified"
