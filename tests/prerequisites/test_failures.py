"""Bad situations: one clear sentence, and no half-made state that cleanup cannot remove."""

from __future__ import annotations

from tests.support import deployed_resources


def test_failure_midway_is_one_sentence_and_cleanup_removes_what_was_made(ws, aws, sandbox):
    ws.ok("sandbox", "reset")
    sandbox.faults(error=1.0, operations=["Subscribe"])  # SNS refuses the subscription, after much was created
    try:
        result = ws("run", "prerequisites", "--yes")
    finally:
        sandbox.faults(throttle=0.0, error=0.0, operations=[])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Subscribe failed") and "InternalFailure" in last, last
    keys = ws.ledger_keys()
    for made in [("iam_role", "workshop-OrderProcessing"), ("state_machine", "OrderProcessing"), ("sns_topic", "Orders"),
                 ("sqs_queue", "Orders"), ("apigateway_account", "cloudwatchRoleArn")]:
        assert made in keys, made
    assert ("sns_subscription", "Orders/Orders") not in keys
    assert aws("apigateway").get_account().get("cloudwatchRoleArn")

    cleanup = ws("cleanup", "--yes")
    assert cleanup.returncode == 0, cleanup.stderr
    left = deployed_resources(aws)
    assert left == {k: [] for k in left}, left
    assert not aws("apigateway").get_account().get("cloudwatchRoleArn")


def test_no_permission_to_create_roles_exits_3_and_leaves_nothing_half_made(ws, sandbox, aws):
    ws.ok("sandbox", "reset")
    sandbox.faults(deny=1.0, operations=["CreateRole"])  # an account that may not create IAM roles
    try:
        result = ws("run", "prerequisites", "--yes")
    finally:
        sandbox.faults(deny=0.0, operations=[])
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Permission denied for CreateRole") and "credentials allowed to manage" in last, last
    assert not any(kind == "iam_role" for kind, _ in ws.ledger_keys())

    cleanup = ws("cleanup", "--yes")
    assert cleanup.returncode == 0, cleanup.stderr
    left = deployed_resources(aws)
    assert left == {k: [] for k in left}, left
