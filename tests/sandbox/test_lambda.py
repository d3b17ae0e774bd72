"""Lambda in the sandbox: code kept from CreateFunction, Invoke, async invocations from rules,
the async invoke config (retries on the sandbox clock, event age) and destinations."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.support import ACCOUNT, REGION, drain, make_bus, make_queue, poll, put, rule_to, unique, zip_source

INVENTORY = '''
import json

def handler(event, context):
    print("processing", event.get("id"))
    if event.get("detail", {}).get("OrderDetails", {}).get("force-error"):
        raise ValueError("forced error for " + event["id"])
    return event["detail"]

def always_fails(event, context):
    raise RuntimeError("nope")

def echo(event, context):
    return {"got": event, "function": context.function_name}

def open_files(event, context):
    import os, sys
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    return {"argv": sys.argv, "fds": fds}
'''


def create_function(sb, handler: str = "app.handler", source: str = INVENTORY, name: str | None = None, **extra) -> tuple[str, str]:
    lam = sb.client("lambda")
    name = name or unique("fn")
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role(sb),
                              Handler=handler, Code={"ZipFile": zip_source(source)}, Timeout=10, **extra)["FunctionArn"]
    return name, arn


def lambda_role(sb) -> str:
    """moto wants the execution role to exist (and be assumable by Lambda)."""
    iam = sb.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                      "Action": "sts:AssumeRole"}]}
    try:
        return iam.get_role(RoleName="sandbox-test-lambda")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName="sandbox-test-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def allow_rule(sb, name: str, rule_arn: str) -> None:
    sb.client("lambda").add_permission(FunctionName=name, StatementId=unique("events"), Action="lambda:InvokeFunction",
                                       Principal="events.amazonaws.com", SourceArn=rule_arn)


def streams(sb, name: str) -> list[str]:
    logs = sb.client("logs")
    try:
        return [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_invoke_request_response_returns_the_result_and_writes_logs(sb):
    name, _ = create_function(sb, "app.echo", Environment={"Variables": {"COLOUR": "blue"}})
    answer = sb.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"a": 1}), LogType="Tail")
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert answer["ExecutedVersion"] == "$LATEST"
    assert json.loads(answer["Payload"].read()) == {"got": {"a": 1}, "function": name}
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert "START RequestId" in tail and "REPORT RequestId" in tail
    [stream] = streams(sb, name)
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream), stream
    messages = [e["message"] for e in sb.client("logs").get_log_events(
        logGroupName=f"/aws/lambda/{name}", logStreamName=stream)["events"]]
    assert messages[0].startswith("START RequestId") and messages[-1].startswith("REPORT RequestId")


def test_invocation_payload_never_rests_on_disk(sb):
    """The payload (an API destination's Authorization header travels in one) reaches the handler's
    process through a pipe: the process holds no file with it, and none names it on its command line."""
    marker = "Basic " + unique("c2VjcmV0")
    name, _ = create_function(sb, "app.open_files")
    answer = sb.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"headers": {"Authorization": marker}}))
    seen = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, seen
    assert not any(arg.endswith(".json") or "lambda-invoke" in arg for arg in seen["argv"]), seen["argv"]
    files = [target for target in seen["fds"].values() if target.startswith("/")]
    assert not any("lambda-invoke" in target or target.endswith(".json") for target in files), files


def test_stale_invocation_files_of_a_killed_sandbox_are_swept(tmp_path):
    import os
    import time

    from workshop.sandbox.lambda_runtime import STALE_AFTER_S, sweep_stale_invocation_files

    stale, fresh = tmp_path / "lambda-invoke-old", tmp_path / "lambda-invoke-new"
    for directory in (stale, fresh):
        directory.mkdir()
        (directory / "invocation.json").write_text('{"Authorization": "Basic x"}')
    long_ago = time.time() - STALE_AFTER_S - 10
    os.utime(stale, (long_ago, long_ago))
    other = tmp_path / "unrelated"
    other.mkdir()
    os.utime(other, (long_ago, long_ago))
    assert sweep_stale_invocation_files(str(tmp_path)) == 1
    assert not stale.exists() and fresh.exists() and other.exists()


def test_invoke_error_is_reported_as_unhandled(sb):
    name, _ = create_function(sb, "app.always_fails")
    answer = sb.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "RuntimeError" and error["errorMessage"] == "nope"


def test_invoke_unknown_function_is_not_found(sb):
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=unique("missing"), Payload=b"{}")


def test_update_function_code_changes_what_runs(sb):
    name, _ = create_function(sb, "app.handler", source="def handler(e, c):\n    return 1\n")
    lam = sb.client("lambda")
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == 1
    lam.update_function_code(FunctionName=name, ZipFile=zip_source("def handler(e, c):\n    return 2\n"))
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == 2


def test_create_function_with_a_broken_zip_is_refused(sb):
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(FunctionName=unique("fn"), Runtime="python3.12", Role=lambda_role(sb),
                            Handler="app.handler", Code={"ZipFile": b"not a zip"})


def test_event_invoke_config_put_replaces_and_update_merges(sb):
    name, _ = create_function(sb)
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=21600)
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/Inventory"
    lam.update_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": bus_arn}})
    merged = lam.get_function_event_invoke_config(FunctionName=name)
    assert merged["MaximumRetryAttempts"] == 0 and merged["MaximumEventAgeInSeconds"] == 21600
    assert merged["DestinationConfig"]["OnSuccess"]["Destination"] == bus_arn
    lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=3600)
    replaced = lam.get_function_event_invoke_config(FunctionName=name)
    assert replaced["MaximumEventAgeInSeconds"] == 3600
    assert "MaximumRetryAttempts" not in replaced and not replaced.get("DestinationConfig", {}).get("OnSuccess")


def test_rule_to_lambda_success_destination_on_a_bus(sb):
    """The workshop's Lambda-destinations module: rule -> function -> on-success record on a bus."""
    orders, _ = make_bus(sb)
    inventory, inventory_arn = make_bus(sb)
    records_url, records_arn = make_queue(sb)
    rule_to(sb, inventory, {"Arn": records_arn}, pattern={"source": ["lambda"]})
    name, function_arn = create_function(sb)
    lam = sb.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=21600)
    lam.update_function_event_invoke_config(FunctionName=name,
                                            DestinationConfig={"OnSuccess": {"Destination": inventory_arn}})
    rule_arn = rule_to(sb, orders, {"Arn": function_arn},
                       pattern={"source": ["com.aws.orders"], "detail-type": ["Order Processed"]})
    allow_rule(sb, name, rule_arn)

    detail = {"OrderId": "new_id", "OrderDetails": {"category": "office-supplies", "value": 1200}}
    event_id = put(sb, orders, detail, source="com.aws.orders", detail_type="Order Processed")

    [message] = drain(sb, records_url, 1, timeout=20)
    record_event = json.loads(message["Body"])
    assert record_event["source"] == "lambda"
    assert record_event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert f"{function_arn}:$LATEST" in record_event["resources"]
    record = record_event["detail"]
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"] == f"{function_arn}:$LATEST"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"]["id"] == event_id
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == detail
    assert len(streams(sb, name)) == 1  # its logs are in /aws/lambda/NAME


def test_async_failure_retries_on_the_clock_then_goes_to_on_failure_queue(sb):
    name, function_arn = create_function(sb, "app.always_fails")
    failures_url, failures_arn = make_queue(sb)
    lam = sb.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    answer = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"order": 7}))
    assert answer["StatusCode"] == 202
    sb.wait_idle()
    assert len(streams(sb, name)) == 1  # the first attempt ran at once
    assert drain(sb, failures_url, 0, timeout=0.3) == []
    sb.tick(1)  # Lambda retries after one minute ...
    assert len(streams(sb, name)) == 2
    sb.tick(2)  # ... and two more
    assert len(streams(sb, name)) == 3
    [message] = drain(sb, failures_url, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "nope"


def test_inventory_function_force_error_goes_to_dlq_without_retries(sb):
    """The workshop's error-handling module: 0 retries, on-failure destination InventoryFunctionDLQ."""
    orders, _ = make_bus(sb)
    name, function_arn = create_function(sb)
    dlq_url, dlq_arn = make_queue(sb)
    lam = sb.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0, MaximumEventAgeInSeconds=21600,
                                         DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    rule_arn = rule_to(sb, orders, {"Arn": function_arn}, pattern={"source": ["com.aws.orders"]})
    allow_rule(sb, name, rule_arn)
    put(sb, orders, {"OrderDetails": {"force-error": True}}, source="com.aws.orders", detail_type="Order Processed")
    [message] = drain(sb, dlq_url, 1, timeout=20)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_lambda_target_needs_a_permission_for_the_rule(sb):
    bus, _ = make_bus(sb)
    name, function_arn = create_function(sb)
    rule_to(sb, bus, {"Arn": function_arn})
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    [failure] = sb.failures_for(function_arn)
    assert failure["error_code"] == "NO_PERMISSIONS"
    assert streams(sb, name) == []  # it never ran


def test_lambda_destination_to_another_function_and_sns(sb):
    collector_source = ("import os, json, boto3\n"
                        "def handler(event, context):\n"
                        "    boto3.client('sqs').send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(event))\n")
    out_url, _ = make_queue(sb)
    collector, collector_arn = create_function(sb, source=collector_source, Environment={"Variables": {"OUT": out_url}})
    name, _ = create_function(sb, "app.echo")
    lam = sb.client("lambda")
    lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": collector_arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"x": 1}')
    [message] = drain(sb, out_url, 1, timeout=20)
    record = json.loads(message["Body"])  # the collector ran with the record and called SQS in the sandbox
    assert record["requestContext"]["condition"] == "Success" and record["responsePayload"]["got"] == {"x": 1}
    poll(lambda: streams(sb, collector), lambda s: len(s) == 1)
