"""`run --all` carries on past a module that errors: the modules that do not need it still run and
verify, the one that needs it is skipped saying why, and `--json` holds every result and error."""

from __future__ import annotations

import json
import textwrap

SCENARIOS = textwrap.dedent("""
    credentials: {username: someone, password: not-a-real-one}
    modules:
      - id: first
        title: First
        summary: a bus
        steps:
          - name: Create bus First
            do: {event_bus: {name: WorkshopTestFirst}}
            check:
              - name: bus First exists
                bus_exists: {name: WorkshopTestFirst}
      - id: broken
        title: Broken
        summary: an API destination for a REST API that is not there
        steps:
          - name: Create the connection
            do: {connection: {name: workshop-test-connection}}
          - name: Create the API destination
            do: {api_destination: {name: workshop-test-destination, connection: workshop-test-connection, rest_api: no-such-api}}
      - id: needs-broken
        title: Needs broken
        summary: cannot run without broken
        requires: [broken]
        steps:
          - name: Create bus Second
            do: {event_bus: {name: WorkshopTestSecond}}
      - id: independent
        title: Independent
        summary: another bus
        steps:
          - name: Create bus Third
            do: {event_bus: {name: WorkshopTestThird}}
            check:
              - name: bus Third exists
                bus_exists: {name: WorkshopTestThird}
""")


def test_run_all_carries_on_and_reports_every_module_and_error(cli, fresh, tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.write_text(SCENARIOS)
    result = cli("--scenarios", str(path), "run", "--all", "--yes", "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # one document, though a module errored
    assert report["passed"] is False
    assert {m["module"]: m["status"] for m in report["modules"]} == {"first": "passed", "independent": "passed"}
    errors = {e["module"]: e for e in report["errors"]}
    assert set(errors) == {"broken", "needs-broken"}
    assert "no-such-api" in errors["broken"]["message"] and errors["broken"]["exit_code"] == 1
    assert errors["needs-broken"]["type"] == "skipped" and "requires broken" in errors["needs-broken"]["message"]
    assert report["error"]["message"] == errors["broken"]["message"] and report["exit_code"] == 1

    states = {m["id"]: m["state"] for m in cli.json("--scenarios", str(path), "modules")["modules"]}
    assert states == {"first": "verified", "broken": "error", "needs-broken": "not started", "independent": "verified"}
    assert cli("--scenarios", str(path), "cleanup", "--yes").returncode == 0


def test_a_verify_that_errors_clears_an_old_verified(cli, fresh, sb):
    cli.json("run", "event-bus", "--yes")
    assert {m["id"]: m["state"] for m in cli.json("modules")["modules"]}["event-bus"] == "verified"
    sb.faults(deny=1.0, operations=["DescribeEventBus"])
    try:
        failed = cli("verify", "event-bus", "--json")
    finally:
        sb.faults(deny=0.0, operations=[])
    assert failed.returncode == 3, failed.stderr
    assert {m["id"]: m["state"] for m in cli.json("modules")["modules"]}["event-bus"] == "error"
    assert cli("cleanup", "--yes").returncode == 0
