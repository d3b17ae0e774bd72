"""Check statuses on an endpoint: a check the backend cannot support is `unsupported` at once, with
the reason (no waiting), the behaviour step that only feeds it is skipped, and verify exits 0 when
every check that can run passed, saying how many could not. The sandbox, used as a plain endpoint,
stands in for an emulator whose capability table (as `workshop doctor` caches it) lacks SNS delivery.
"""

from __future__ import annotations

import json
import subprocess
import sys

from workshop.capabilities import NAMES

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


LATER_MODULE_NEEDS = {  # capability the test takes away -> the checks that must then be unsupported, by module
    "archive_replay": ("archive-replay", {"archive OrderEventArchive keeps com.aws.orders events of Orders for 30 days",
                                          "the replayed order arrived in OrdersReplayQueue carrying replay-name"}),
    "scheduler_fires": ("scheduler", {"the scheduled event arrived through the Orders bus in /aws/events/orders"}),
    "sns_filters": ("sns-filtering", {"Orders-EU got exactly the eu-west order", "BookOrders got exactly the two book orders",
                                      "Orders-XL got exactly the orders of 100 or more",
                                      "Orders-XL-EU got exactly the large EU order"}),
}


def test_the_later_modules_checks_say_unsupported_for_what_the_backend_lacks(cli, fresh, sandbox):
    endpoint = ["--endpoint-url", sandbox.endpoint_url]
    code = f"""
from workshop import capabilities, paths
from workshop.ledger import Scope
paths.set_state_dir({str(cli.state_dir)!r})
caps = capabilities.everything("test", "assumed by the test")
for name in {sorted(LATER_MODULE_NEEDS)!r}:
    caps.rows[name] = capabilities.Capability(name, False, "the test says this endpoint cannot")
capabilities.store(Scope("endpoint", "123456789012", "us-east-1", {sandbox.endpoint_url!r}), caps)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    modules = [module for module, _ in LATER_MODULE_NEEDS.values()]
    result = cli(*endpoint, "run", *modules, "--yes", "--json", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["errors"] == []
    by_module = {m["module"]: {c["name"]: c for c in m["checks"]} for m in report["modules"]}
    for capability, (module, names) in LATER_MODULE_NEEDS.items():
        checks = by_module[module]
        for name in names:
            assert checks[name]["status"] == "unsupported", checks[name]
            assert NAMES[capability] in checks[name]["reason"] and "the test says" in checks[name]["reason"]
        assert all(c["status"] != "failed" for c in checks.values()), checks
    assert cli.json(*endpoint, "cleanup", "--yes")["failed"] == []
