"""Challenge mode in a real pseudo-terminal: a wrong pattern, its explanation, then the right one."""

from __future__ import annotations

import sys
import textwrap

import pexpect
import pytest

from tests.support import clean_env

SCENARIO = textwrap.dedent("""
    events:
      bus: Orders
      source: com.aws.orders
      detail_type: Order Notification
    samples:
      office-supplies-eu-west:
        detail: {category: office-supplies, value: 300, location: eu-west}
      tech-supplies-eu-east:
        detail: {category: tech-supplies, value: 3000, location: eu-east}
      lab-supplies-us-east:
        detail: {category: lab-supplies, value: 415, location: us-east}
    modules:
      - id: eu
        title: EU orders
        summary: Only EU orders reach the log group.
        challenges:
          - id: eu-orders
            title: Only EU orders
            goal: Match detail.location eu-west or eu-east, nothing else.
            must_match: [office-supplies-eu-west, tech-supplies-eu-east]
            must_not_match: [lab-supplies-us-east]
            hint: List both locations under detail.location.
            solution: {source: [com.aws.orders], detail: {location: [eu-west, eu-east]}}
        steps:
          - name: bus
            do:
              event_bus: {name: Orders}
          - name: log group
            do:
              log_group: {name: /aws/events/eu}
          - name: logs policy
            do:
              logs_resource_policy: {name: EventBridgeWorkshopLogs, log_group_pattern: /aws/events/*}
          - name: rule
            do:
              rule:
                name: EURule
                bus: Orders
                challenge: eu-orders
                targets:
                  - {id: eu-log, log_group: /aws/events/eu}
            check:
              - name: EURule passes the challenge
                pattern_graded: {rule: EURule, bus: Orders, challenge: eu-orders}
          - name: publish
            do:
              publish: {sample: tech-supplies-eu-east}
            check:
              - name: the eu-east order arrived
                log_event: {log_group: /aws/events/eu, sample: tech-supplies-eu-east}
""")

@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_wrong_pattern_is_explained_then_the_right_one_is_deployed(cli, fresh, tmp_path, aws):
    path = tmp_path / "eu.yaml"
    path.write_text(SCENARIO)
    env = clean_env(cli.state_dir, TERM="xterm", COLUMNS="160", LINES="50")
    env.pop("EDITOR", None)
    env.pop("VISUAL", None)
    child = pexpect.spawn(sys.executable, ["-m", "workshop.cli", "--scenarios", str(path), "run", "eu"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(50, 160), cwd=str(tmp_path))
    try:
        child.expect("Challenge: Only EU orders")
        child.expect("t type it here")
        child.send("t")
        child.expect("Pattern \\(one line of JSON\\)")
        child.send("\x15" + '{"source": ["com.aws.orders"]}' + "\r")
        child.expect("Not yet")
        child.expect("lab-supplies-us-east")
        child.expect("FAILS: it passes every condition the pattern asks: source")
        child.expect("Pattern \\(one line of JSON\\)")
        child.send("\x15" + '{"source": ["com.aws.orders"], "detail": {"location": ["eu-west", "eu-east"]}}' + "\r")
        child.expect("Graded")
        child.expect("All checks passed", timeout=90)
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    import json

    deployed = json.loads(aws("events").describe_rule(Name="EURule", EventBusName="Orders")["EventPattern"])
    assert deployed == {"source": ["com.aws.orders"], "detail": {"location": ["eu-west", "eu-east"]}}
    assert json.loads((tmp_path / "challenges" / "eu.json").read_text())["detail"]["location"] == ["eu-west", "eu-east"]


def test_non_interactive_run_uses_the_reference_solution(cli, fresh, tmp_path, aws):
    path = tmp_path / "eu.yaml"
    path.write_text(SCENARIO)
    result = cli.json("--scenarios", str(path), "run", "eu", "--yes")
    assert result["passed"] is True
    import json

    deployed = json.loads(aws("events").describe_rule(Name="EURule", EventBusName="Orders")["EventPattern"])
    assert deployed["detail"]["location"] == ["eu-west", "eu-east"]


def test_a_too_broad_pattern_fails_verify_and_names_the_check(cli, fresh, tmp_path, aws):
    import json

    path = tmp_path / "eu.yaml"
    path.write_text(SCENARIO)
    cli.json("--scenarios", str(path), "run", "eu", "--yes")
    aws("events").put_rule(Name="EURule", EventBusName="Orders", EventPattern=json.dumps({"source": ["com.aws.orders"]}))
    result = cli("--scenarios", str(path), "verify", "eu", "--json")
    assert result.returncode == 1
    failed = {c["name"]: c["detail"] for c in json.loads(result.stdout)["checks"] if not c["passed"]}
    assert list(failed) == ["EURule passes the challenge"]
    assert "lab-supplies-us-east should NOT match" in failed["EURule passes the challenge"]
