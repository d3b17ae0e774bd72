"""Check statuses on an endpoint: a check the backend cannot support is `unsupported` at once, with
the reason (no waiting), the behaviour step that only feeds it is skipped, and verify exits 0 when
every check that can run passed, saying how many could not. The sandbox, used as a plain endpoint,
stands in for an emulator whose capability table (as `workshop doctor` caches it) lacks SNS delivery.
"""

from __future__ import annotations

import json
import subprocess
import sys

SNS_QUEUE_CHECKS = {"the US lab-supplies order arrived in the Orders queue, once",
                    "the office-supplies order did not arrive in the Orders queue"}


def _pretend_no_sns(cli, endpoint_url: str) -> None:
    """Cache a capability table for this endpoint in which SNS delivery is known not to work."""
    code = f"""
from workshop import capabilities, paths
from workshop.ledger import Scope
paths.set_state_dir({str(cli.state_dir)!r})
caps = capabilities.everything("test", "assumed by the test")
caps.rows["deliver_sns"] = capabilities.Capability("deliver_sns", False, "the test says this endpoint cannot")
capabilities.store(Scope("endpoint", "123456789012", "us-east-1", {endpoint_url!r}), caps)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_unsupported_checks_are_reported_not_failed_and_their_publish_is_skipped(cli, fresh, sandbox):
    endpoint = ["--endpoint-url", sandbox.endpoint_url]
    _pretend_no_sns(cli, sandbox.endpoint_url)
    result = cli(*endpoint, "run", "sns", "--yes", "--json", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["errors"] == []
    [sns] = report["modules"]
    statuses = {c["name"]: c for c in sns["checks"]}
    for name in SNS_QUEUE_CHECKS:
        check = statuses[name]
        assert check["status"] == "unsupported" and check["passed"] is False, check
        assert "delivery to an SNS topic" in check["reason"] and "the test says" in check["reason"], check
    # every other check ran and passed: unsupported is decided per check, not per module
    assert all(c["status"] == "passed" for n, c in statuses.items() if n not in SNS_QUEUE_CHECKS)
    assert sns["status"] == "unsupported" and sns["could_not_run"] == 2
    assert "skipped: this backend lacks delivery to an SNS topic" in result.stderr

    verified = cli(*endpoint, "verify", "sns")
    assert verified.returncode == 0, verified.stderr[-3000:]
    assert "2 could not run on this backend" in verified.stderr
    assert "(2 could not run here)" in verified.stderr  # the summary's count for the module
    assert "unsupported" in verified.stderr  # each check's line names its status
    modules = {m["id"]: m["state"] for m in cli.json(*endpoint, "modules")["modules"]}
    assert modules["sns"] == "verified (2 check(s) could not run here)"
    assert cli.json(*endpoint, "cleanup", "--yes")["failed"] == []
