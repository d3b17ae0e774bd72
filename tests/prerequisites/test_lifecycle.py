"""`workshop run prerequisites` end to end on the sandbox: creates everything as REFERENCE.md says,
passes its checks, changes nothing the second time, never shows the password, and `workshop
cleanup` leaves nothing behind. The tests run in file order and share one sandbox world."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import ACCOUNT, BASIC_TOKEN, PASSWORD, REGION, deployed_resources

from workshop import scenario
from workshop.steps import iam


@pytest.fixture(scope="module")
def first_run(ws):
    """`workshop run prerequisites` on an empty sandbox."""
    ws.ok("sandbox", "reset")
    return ws("run", "prerequisites", "--yes")


def test_first_run_creates_and_passes(first_run):
    assert first_run.returncode == 0, first_run.stderr
    assert "✓ Create the Lambda function InventoryFunction" in first_run.stderr  # one line per step
    assert "Set API Gateway's CloudWatch Logs role" in first_run.stderr  # the account-wide change is announced
    assert "✗" not in first_run.stderr


def test_state_machine_is_the_reference_one(ws, first_run, aws):
    sfn = aws("stepfunctions")
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:OrderProcessing"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["type"] == "STANDARD"
    states = json.loads(described["definition"])["States"]
    first = states[json.loads(described["definition"])["StartAt"]]
    assert first["Type"] == "Pass"
    task = states[first["Next"]]
    assert task["Resource"] == "arn:aws:states:::events:putEvents"
    assert task["Parameters"]["Entries"] == [{"EventBusName": "Orders", "Source": "com.aws.orders", "DetailType": "Order Processed",
                                               "Detail": {"OrderId": "new_id", "OrderDetails.$": "$.detail"}}]
    role = aws("iam").get_role(RoleName=described["roleArn"].rsplit("/", 1)[-1])["Role"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [{"Service": "states.amazonaws.com"}]


def test_orders_queue_topic_and_subscription(ws, first_run, aws):
    sqs, sns = aws("sqs"), aws("sns")
    url = sqs.get_queue_url(QueueName="Orders")["QueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:Orders"}}
    assert statement["Resource"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:Orders"
    subs = sns.list_subscriptions_by_topic(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:Orders")["Subscriptions"]
    (sub,) = [s for s in subs if s["Endpoint"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:Orders"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
    assert attributes.get("RawMessageDelivery", "false") == "false"
    for name in ("InventoryFunctionDLQ", "OrdersReplayQueue"):
        assert sqs.get_queue_url(QueueName=name)["QueueUrl"].endswith("/" + name)


def test_inventory_function_and_bus(ws, first_run, aws):
    lam, events = aws("lambda"), aws("events")
    config = lam.get_function_configuration(FunctionName="InventoryFunction")
    assert config["Runtime"] >= "python3.12" and config["State"] == "Active"
    invoke = lam.get_function_event_invoke_config(FunctionName="InventoryFunction")
    assert (invoke["MaximumRetryAttempts"], invoke["MaximumEventAgeInSeconds"]) == (0, 21600)
    rule = events.describe_rule(Name="InventoryDevRule", EventBusName="Inventory")
    assert json.loads(rule["EventPattern"]) == {"account": [ACCOUNT]}
    (target,) = events.list_targets_by_rule(Rule="InventoryDevRule", EventBusName="Inventory")["Targets"]
    assert target["Arn"].endswith(":log-group:/aws/events/inventory")


def test_rest_api_is_the_reference_one(ws, first_run, aws):
    apigw = aws("apigateway")
    (api,) = [a for a in apigw.get_rest_apis()["items"] if a["name"] == "eventbridge-api-destination"]
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    (authorizer,) = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert authorizer["type"] == "REQUEST"
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    method = apigw.get_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="POST")
    assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", authorizer["id"])
    assert method["methodIntegration"]["type"] == "MOCK"
    settings = apigw.get_stage(restApiId=api["id"], stageName="Prod")["methodSettings"]["*/*"]
    assert (settings["loggingLevel"], settings["dataTraceEnabled"]) == ("INFO", True)
    policy = json.loads(aws("lambda").get_policy(FunctionName="eventbridge-api-authorizer")["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == \
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api['id']}/authorizers/{authorizer['id']}"
    keys = ws.ledger_keys()
    assert ("log_group", f"API-Gateway-Execution-Logs_{api['id']}/Prod") in keys
    assert ("log_group", "/aws/lambda/InventoryFunction") in keys
    assert ("log_group", "/aws/lambda/eventbridge-api-authorizer") in keys


def test_deployed_policies_are_the_linted_ones(ws, first_run, aws):
    """What test_policies checks offline is exactly what the planner put on the roles."""
    module = scenario.load().module("prerequisites")
    roles = [s.args for s in module.steps if s.kind == "iam_role"]
    assert len(roles) == 3
    for args in roles:
        for name, document in iam.inline_documents(args, REGION, ACCOUNT).items():
            deployed = aws("iam").get_role_policy(RoleName=args.name, PolicyName=name)["PolicyDocument"]
            assert iam.same_document(deployed, document), (args.name, name)
        trust = aws("iam").get_role(RoleName=args.name)["Role"]["AssumeRolePolicyDocument"]
        assert iam.same_document(trust, iam.trust_policy(args.service, ACCOUNT))


def test_status_shows_the_api_url_first(ws, first_run):
    document = ws.json("status")
    outputs = list(document["outputs"].items())
    assert outputs[0][0] == "ApiUrl"
    # The sandbox is an endpoint: its URL is the local form emulators share, which it serves.
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/_aws/execute-api/[a-z0-9]+/Prod/", outputs[0][1]), outputs[0][1]
    assert document["outputs"]["InventoryFunctionArn"].endswith(":function:InventoryFunction")
    text = ws.ok("status").stdout
    assert text.index("ApiUrl") < text.index("OrdersTopicArn")


def test_second_run_changes_nothing(ws, first_run):
    before = sorted(json.dumps(r, sort_keys=True) for r in ws.ledger())
    again = ws("run", "prerequisites", "--yes", "--json")
    assert again.returncode == 0, again.stderr
    (module,) = json.loads(again.stdout)["modules"]
    assert module["actions"] == [], module["actions"]  # every call the executor made would be listed here
    assert sorted(json.dumps(r, sort_keys=True) for r in ws.ledger()) == before
    assert not re.search(r"^\s*✓ (Create|Update|Set|Add|Subscribe|Attach|Deploy|Turn on|Let|Replace|Remove)\b", again.stderr, re.M)
    assert "• Create the Lambda function InventoryFunction (already in place)" in again.stderr


def test_dry_run_shows_placeholders_and_masks_packages(ws, first_run, aws):
    ws.ok("sandbox", "reset")  # an empty world: every call is planned
    dry = ws("run", "prerequisites", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "<id of the new REST API>" in dry.stderr
    assert re.search(r'"ZipFile": "<zip \d+ bytes, CodeSha256 [A-Za-z0-9+/=]+>"', dry.stderr)
    assert aws("lambda").list_functions()["Functions"] == []  # nothing was created
    assert ws.ledger() == []
    rerun = ws("run", "prerequisites", "--yes")  # and back to a deployed world for what follows
    assert rerun.returncode == 0, rerun.stderr


def test_state_machine_succeeds_once_orders_exists(ws, first_run):
    ws.ok("run", "event-bus", "--yes")
    result = ws("verify", "prerequisites", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert "SUCCEEDED" in checks["OrderProcessing runs an EU order"]["detail"]
    assert checks["the API answers 200 to the workshop's credentials and 403 to others"]["passed"]
    assert checks["InventoryFunction returns the order and fails on force-error"]["passed"]


def test_password_never_leaks(ws, first_run, aws):
    ws.ok("status")
    ws("run", "prerequisites", "--dry-run")
    for text in ws.transcript:
        assert PASSWORD not in text and BASIC_TOKEN not in text
    # The state dir is shared with other tests on this worker's sandbox: a Lambda code tree of a
    # function the workshop does not create (a test's own authorizer) is not the workshop's to judge.
    workshop_functions = {"InventoryFunction", "eventbridge-api-authorizer"}
    for path in ws.state_dir.rglob("*"):
        parts = path.relative_to(ws.state_dir).parts
        if parts[:1] == ("lambda",) and len(parts) > 2 and parts[2] not in workshop_functions:
            continue
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data and BASIC_TOKEN.encode() not in data, path
    logs = aws("logs")
    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert any(g.startswith("API-Gateway-Execution-Logs_") for g in groups)  # the API's own logs are looked at too
    for group in groups:
        for event in logs.filter_log_events(logGroupName=group)["events"]:
            assert PASSWORD not in event["message"] and BASIC_TOKEN not in event["message"], group


def test_cleanup_removes_everything(ws, first_run, aws):
    result = ws("cleanup", "--yes")
    assert result.returncode == 0, result.stderr
    left = deployed_resources(aws)
    assert left == {k: [] for k in left}, left
    assert not aws("apigateway").get_account().get("cloudwatchRoleArn")  # restored: there was none
    assert ws.ledger() == []
    again = ws("cleanup", "--yes")
    assert again.returncode == 0 and "Nothing to clean up" in again.stderr
