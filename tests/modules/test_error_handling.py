"""The error-handling module on a fresh sandbox: run, verify, a broken destination, the record, cleanup."""

from __future__ import annotations

import json
import time

from tests.support import checks_of, failed_checks

MODULE = "error-handling"
DESTINATION_CHECK = "InventoryFunction sends failed invocations to InventoryFunctionDLQ"
RECORD_CHECK = "exactly one failure record for the order arrived in InventoryFunctionDLQ"
SUCCESS_CHECK = "the success path still works (the record reached /aws/events/inventory)"


def test_run_deploys_and_proves_each_check(deployed):
    checks = checks_of(deployed, MODULE)
    assert set(checks) == {DESTINATION_CHECK, RECORD_CHECK, SUCCESS_CHECK}
    assert all(c["passed"] for c in checks.values()), checks
    assert "RetriesExhausted" in checks[RECORD_CHECK]["detail"]
    assert "InventoryError" in checks[RECORD_CHECK]["detail"]


def test_verify_passes_again(cli, deployed):
    report = cli.json("verify", MODULE)
    assert report["passed"] is True and len(report["checks"]) == 3


def test_the_dead_letter_holds_lambdas_invocation_record(cli, deployed, aws):
    """Through the public API: an event with force-error leaves one record, with the event and the error."""
    sqs, events = aws("sqs"), aws("events")
    url = sqs.get_queue_url(QueueName="InventoryFunctionDLQ")["QueueUrl"]
    detail = {"category": "office-supplies", "value": 300, "location": "eu-west", "OrderDetails": {"force-error": True}}
    event_id = events.put_events(Entries=[{"EventBusName": "Orders", "Source": "com.aws.orders",
                                           "DetailType": "Order Processed", "Detail": json.dumps(detail)}])["Entries"][0]["EventId"]
    records, deadline = [], time.monotonic() + 20
    while time.monotonic() < deadline and not records:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body["requestPayload"]["id"] == event_id:
                records.append(body)
    assert len(records) == 1
    record = records[0]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["functionArn"].endswith(":function:InventoryFunction:$LATEST")
    assert record["requestPayload"]["detail"] == detail
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "InventoryError"
    assert "force-error" in record["responsePayload"]["errorMessage"]


def test_without_the_destination_verify_fails_naming_the_checks(cli, deployed, aws):
    lam = aws("lambda")
    config = lam.get_function_event_invoke_config(FunctionName="InventoryFunction")
    lam.update_function_event_invoke_config(
        FunctionName="InventoryFunction",
        DestinationConfig={"OnSuccess": config["DestinationConfig"]["OnSuccess"], "OnFailure": {}})
    try:
        result = cli("verify", MODULE, "--json")
    finally:
        assert cli("run", MODULE, "--yes").returncode == 0
    failed = failed_checks(result)
    assert set(failed) == {DESTINATION_CHECK, RECORD_CHECK}, failed
    assert "not set" in failed[DESTINATION_CHECK]


def test_cleanup_removes_the_destination_and_everything_else(cli, deployed, aws):
    cleaned = cli.json("cleanup", "--yes", timeout=300)
    assert cleaned["failed"] == []
    assert aws("lambda").list_functions()["Functions"] == []
    assert aws("sqs").list_queues().get("QueueUrls") in (None, [])
    assert aws("events").list_rules()["Rules"] == []
    assert [b["Name"] for b in aws("events").list_event_buses()["EventBuses"]] == ["default"]
    assert cli.json("status")["resources"] == []
