"""One result type for run, verify and selftest: selftest's JSON is built from two CheckResults per check."""

from __future__ import annotations

from workshop.results import CheckResult, ModuleResult, SelftestCheck, SelftestResult

KEYS = ["module", "step", "check", "failed_before", "passed_after", "ok", "detail"]


def _pair(before_passed: bool, after_passed: bool) -> SelftestCheck:
    return SelftestCheck("event-bus", "Create the bus", CheckResult("bus exists", before_passed, "looked before"),
                         CheckResult("bus exists", after_passed, "looked after"))


def test_a_check_that_fails_before_and_passes_after_is_ok():
    found = _pair(False, True)
    assert list(found.as_json()) == KEYS
    assert found.as_json() == {"module": "event-bus", "step": "Create the bus", "check": "bus exists", "failed_before": True,
                               "passed_after": True, "ok": True, "detail": ""}
    assert found.verdict == "fails before, passes after"


def test_a_check_that_passes_before_or_fails_after_is_not_ok_and_says_why():
    early, late = _pair(True, True), _pair(False, False)
    assert not early.ok and early.as_json()["detail"] == "looked before" and early.verdict == "passed BEFORE its step ran"
    assert not late.ok and late.as_json()["detail"] == "looked after" and late.verdict == "still fails after its step: looked after"
    result = SelftestResult([_pair(False, True), early, late])
    assert result.as_json()["passed"] is False and [c["ok"] for c in result.as_json()["checks"]] == [True, False, False]
    assert result.summary() == "1 of 3 checks fail before their step and pass after."
    assert SelftestResult([_pair(False, True)]).passed


def test_run_and_selftest_share_the_check_result():
    after = _pair(False, True).after
    assert ModuleResult.of("event-bus", [after]).as_json()["checks"] == [after.as_json()]
