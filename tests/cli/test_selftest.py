"""`workshop selftest --json`: one document, each check's finding built from its result before its
step and after (the result type run and verify use), in the scenario's order."""

from __future__ import annotations

from workshop.scenario import load


def test_selftest_json_says_each_check_failed_before_and_passed_after(cli):
    document = cli.json("selftest", "event-bus", timeout=300)
    module = load().module("event-bus")
    names = [(step.name, check.name) for step in module.steps for check in step.checks]
    assert document["passed"] is True
    assert [(c["step"], c["check"]) for c in document["checks"]] == names
    for check in document["checks"]:
        assert list(check) == ["module", "step", "check", "failed_before", "passed_after", "ok", "detail"]
        assert check["module"] == "event-bus" and check["failed_before"] and check["passed_after"] and check["ok"]
        assert check["detail"] == ""
