"""Checks of the prerequisites: each resource exists as the workshop expects, and behaves.

Behaviour checks: OrderProcessing runs an EU order to completion (its PutEvents reaches bus
Orders); InventoryFunction returns the event's detail and fails on "force-error"; the REST API
answers 200 to the workshop's Basic credentials and 403 to wrong ones. They poll with a deadline.
No detail ever contains a credential.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from ..aws import arns
from ..http_receiver import post_status
from ..policy_documents import as_list
from . import Outcome, brief, check_kind, existence, poll


def _code(exc) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _client_error():
    import botocore.exceptions

    return botocore.exceptions.ClientError


# existence -----------------------------------------------------------------------------------
@dataclass
class RoleArgs:
    name: str
    service: str


@check_kind("iam_role_exists", RoleArgs)
def iam_role_exists(ctx, args: RoleArgs) -> Outcome:
    from ..policy_documents import parse_document

    role = ctx.found(lambda: ctx.client("iam").get_role(RoleName=args.name))
    if not role:
        return Outcome(False, f"there is no IAM role {args.name}")
    trust = parse_document(role["Role"]["AssumeRolePolicyDocument"])
    services = set()
    for statement in as_list(trust.get("Statement")):
        principal = statement.get("Principal") or {}
        if statement.get("Effect") == "Allow" and isinstance(principal, dict):
            services |= set(as_list(principal.get("Service")))
    if args.service not in services:
        return Outcome(False, f"IAM role {args.name} cannot be assumed by {args.service} (trusted: {', '.join(sorted(services)) or 'nobody'})")
    return Outcome(True, f"{role['Role']['Arn']}, trusted by {args.service}")


@dataclass
class NameArgs:
    name: str


@check_kind("sqs_queue_exists", NameArgs)
def sqs_queue_exists(ctx, args: NameArgs) -> Outcome:
    found = ctx.found(lambda: ctx.client("sqs").get_queue_url(QueueName=args.name))
    return existence(found, (found or {}).get("QueueUrl", ""), f"there is no SQS queue {args.name}")


@check_kind("sns_topic_exists", NameArgs)
def sns_topic_exists(ctx, args: NameArgs) -> Outcome:
    arn = arns.topic(ctx, args.name)
    return existence(ctx.found(lambda: ctx.client("sns").get_topic_attributes(TopicArn=arn)),
                     arn, f"there is no SNS topic {args.name}")


@dataclass
class SubscriptionArgs:
    topic: str
    queue: str
    raw_message_delivery: bool = False


@check_kind("queue_subscribed", SubscriptionArgs)
def queue_subscribed(ctx, args: SubscriptionArgs) -> Outcome:
    from ..aws.lookups import find_subscription

    sub = find_subscription(ctx, args.topic, args.queue)
    if not sub:
        return Outcome(False, f"queue {args.queue} is not subscribed to topic {args.topic}")
    attributes = ctx.client("sns").get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"]).get("Attributes", {})
    raw = attributes.get("RawMessageDelivery", "false") == "true"
    if raw != args.raw_message_delivery:
        return Outcome(False, f"the subscription has raw message delivery {'on' if raw else 'off'}, expected "
                              f"{'on' if args.raw_message_delivery else 'off'}")
    return Outcome(True, f"{sub['SubscriptionArn']}, raw message delivery {'on' if raw else 'off'}")


@check_kind("state_machine_exists", NameArgs)
def state_machine_exists(ctx, args: NameArgs) -> Outcome:
    arn = arns.state_machine(ctx, args.name)
    found = ctx.found(lambda: ctx.client("stepfunctions").describe_state_machine(stateMachineArn=arn))
    if not found:
        return Outcome(False, f"there is no state machine {args.name}")
    return Outcome(True, f"{arn} ({found.get('type', 'STANDARD')})")


@check_kind("lambda_function_active", NameArgs)
def lambda_function_active(ctx, args: NameArgs) -> Outcome:
    config = ctx.found(lambda: ctx.client("lambda").get_function_configuration(FunctionName=args.name))
    if not config:
        return Outcome(False, f"there is no Lambda function {args.name}")
    state = config.get("State", "Active")
    if state != "Active":
        return Outcome(False, f"Lambda function {args.name} is {state}")
    return Outcome(True, f"{config.get('FunctionArn')} ({config.get('Runtime')}, handler {config.get('Handler')})")


@dataclass
class ApiArgs:
    name: str
    stage: str = "Prod"


def _api(ctx, name: str) -> dict | None:
    from ..aws.lookups import find_api

    return find_api(ctx, name)


@check_kind("rest_api_deployed", ApiArgs)
def rest_api_deployed(ctx, args: ApiArgs) -> Outcome:
    from ..aws.lookups import root_resource_id

    apigw = ctx.client("apigateway")
    api = _api(ctx, args.name)
    if not api:
        return Outcome(False, f"there is no REST API {args.name}")
    stage = ctx.found(lambda: apigw.get_stage(restApiId=api["id"], stageName=args.stage))
    if not stage:
        return Outcome(False, f"REST API {args.name} has no stage {args.stage}")
    method = ctx.found(lambda: apigw.get_method(restApiId=api["id"], resourceId=root_resource_id(ctx, api), httpMethod="POST"))
    if not method or method.get("authorizationType") != "CUSTOM":
        return Outcome(False, f"POST / of {args.name} is missing or not guarded by a Lambda authorizer")
    authorizer = ctx.found(lambda: apigw.get_authorizer(restApiId=api["id"], authorizerId=method["authorizerId"]))
    if not authorizer or authorizer.get("type") != "REQUEST" or authorizer.get("authorizerResultTtlInSeconds", 300) != 0:
        return Outcome(False, "the authorizer must be a REQUEST authorizer with result caching off (TTL 0)")
    settings = stage.get("methodSettings", {}).get("*/*", {})
    if settings.get("loggingLevel") != "INFO" or not settings.get("dataTraceEnabled"):
        return Outcome(False, f"stage {args.stage} does not log executions at INFO with data trace")
    return Outcome(True, f"REST API {args.name} ({api['id']}) is deployed to {args.stage} with execution logging")


@check_kind("apigateway_logging_role", NameArgs)
def apigateway_logging_role(ctx, args: NameArgs) -> Outcome:
    current = ctx.client("apigateway").get_account().get("cloudwatchRoleArn")
    if not current:
        return Outcome(False, f"API Gateway in {ctx.region} has no CloudWatch Logs role: execution logs cannot be written")
    from ..aws.lookups import dangling_role

    if dangling_role(ctx, current):
        return Outcome(False, f"API Gateway in {ctx.region} is set to the CloudWatch Logs role {current}, which does not "
                              "exist: execution logs cannot be written")
    return Outcome(True, f"API Gateway in {ctx.region} writes execution logs with {current.rsplit('/', 1)[-1]}")


# behaviour -----------------------------------------------------------------------------------
def _event(ctx, detail_type: str, detail: dict) -> dict:
    """An event as EventBridge delivers it, from the scenario's default source."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": ctx.scenario.events.source,
            "account": ctx.account, "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": ctx.region, "resources": [], "detail": detail}


@dataclass
class ExecutionArgs:
    name: str
    sample: str
    bus: str = ""  # where the state machine puts its event (default: the scenario's events bus)


@check_kind("state_machine_succeeds", ExecutionArgs, needs=("sfn_runs", "sfn_put_events"))
def state_machine_succeeds(ctx, args: ExecutionArgs) -> Outcome:
    """Start an execution with the sample as an EventBridge event; it must succeed.

    Before module event-bus has created bus Orders the execution cannot succeed (its PutEvents has
    nowhere to go): then it must run its Pass state and fail exactly at PutEvents, saying the bus
    is missing, which still proves the definition and the role's permission.
    """
    sfn = ctx.client("stepfunctions")
    arn = arns.state_machine(ctx, args.name)
    if not ctx.found(lambda: sfn.describe_state_machine(stateMachineArn=arn)):
        return Outcome(False, f"there is no state machine {args.name}")
    sample = ctx.sample(args.sample)
    event = _event(ctx, sample.detail_type or ctx.scenario.events.detail_type, dict(sample.detail))
    bus = args.bus or ctx.scenario.events.bus
    started = sfn.start_execution(stateMachineArn=arn, name=f"workshop-check-{uuid.uuid4().hex[:12]}", input=json.dumps(event))
    execution = started["executionArn"]

    def probe() -> Outcome:
        described = sfn.describe_execution(executionArn=execution)
        status = described["status"]
        if status == "SUCCEEDED":
            return Outcome(True, f"execution {execution.rsplit(':', 1)[-1]} SUCCEEDED, output {brief(described.get('output') or 'null')}")
        if status == "RUNNING":
            return Outcome(False, f"execution {execution.rsplit(':', 1)[-1]} is still RUNNING")
        error, cause = described.get("error", ""), described.get("cause", "")
        bus_missing = ctx.found(lambda: ctx.client("events").describe_event_bus(Name=bus)) is None
        # Recognized by meaning, not by one backend's wording: AWS says "EventBridge.ResourceNotFoundException",
        # moto "States.Runtime ... ResourceNotFoundException"; both say the thing was not found.
        text = f"{error} {cause}".lower()
        missing_named = any(w in text for w in ("does not exist", "resourcenotfound", "not found", "notfound"))
        if bus_missing and missing_named:
            return Outcome(True, f"{args.name} ran and called PutEvents; bus {bus} does not exist yet (module event-bus "
                                 f"creates it), so the execution stopped there as expected: \"{error}\"")
        return Outcome(False, f"execution {execution.rsplit(':', 1)[-1]} {status}: {error} {cause[:300]}".strip())

    return poll(probe, ctx.deadline_s, settled=ctx.settled)


@dataclass
class InventoryArgs:
    name: str
    sample: str


@check_kind("inventory_function_behaves", InventoryArgs, needs=("lambda_runs",))
def inventory_function_behaves(ctx, args: InventoryArgs) -> Outcome:
    """Invoke with an "Order Processed" event: the answer is its detail; with force-error, a function error."""
    lam = ctx.client("lambda")
    order = dict(ctx.sample(args.sample).detail)
    detail = {"OrderId": "new_id", "OrderDetails": order}
    try:
        answer = lam.invoke(FunctionName=args.name, InvocationType="RequestResponse",
                            Payload=json.dumps(_event(ctx, "Order Processed", detail)).encode())
    except _client_error() as exc:
        return Outcome(False, f"invoking {args.name} failed: {_code(exc)}: {exc.response.get('Error', {}).get('Message', '')}")
    payload = _payload(answer)
    if answer.get("FunctionError"):
        return Outcome(False, f"{args.name} failed on a normal order: {_short(payload)}")
    if payload != detail:
        return Outcome(False, f"{args.name} returned {_short(payload)}, expected the event's detail")
    failing = {"OrderId": "new_id", "OrderDetails": {**order, "force-error": True}}
    try:
        answer = lam.invoke(FunctionName=args.name, InvocationType="RequestResponse",
                            Payload=json.dumps(_event(ctx, "Order Processed", failing)).encode())
    except _client_error() as exc:
        return Outcome(False, f"invoking {args.name} with force-error failed: {_code(exc)}")
    returned = _payload(answer)  # read once: the payload is a stream
    if not answer.get("FunctionError"):
        return Outcome(False, f"{args.name} did not fail on an order with force-error (it returned {_short(returned)})")
    error = returned if isinstance(returned, dict) else {}
    return Outcome(True, f"a normal order came back as it went in; with force-error it answered "
                         f"{error.get('errorType', 'an error')}: \"{error.get('errorMessage', '')}\"")


def _payload(answer: dict):
    body = answer.get("Payload")
    raw = body.read() if hasattr(body, "read") else (body or b"")
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode(errors="replace")


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) < 200 else text[:200] + "..."


@check_kind("api_authorizes", ApiArgs, needs=("rest_api_url", "lambda_runs"))
def api_authorizes(ctx, args: ApiArgs) -> Outcome:
    """POST the ApiUrl (on a local endpoint, where it serves the API): 200 with the workshop's
    credentials, 403 with wrong ones."""
    from .. import assets
    from ..aws.secrets import Secret
    from ..outputs import stage_url

    api = _api(ctx, args.name)
    if not api:
        return Outcome(False, f"there is no REST API {args.name}")
    url = stage_url(ctx.backend, api["id"], args.stage)
    username, password = ctx.scenario.require_credentials().pair()
    right = assets.basic_authorization(username, password)
    wrong = assets.basic_authorization(username, Secret("not-the-" + uuid.uuid4().hex[:8]))

    def probe() -> Outcome:
        good, bad = _post(url, right), _post(url, wrong)
        if good == 200 and bad == 403:
            return Outcome(True, f"{url} answers 200 to the workshop's Basic credentials and 403 to wrong ones")
        return Outcome(False, f"{url} answered {good} to the workshop's credentials (expected 200) and {bad} to wrong ones "
                              "(expected 403)")

    return poll(probe, ctx.deadline_s, interval_s=0.5, settled=ctx.settled)


def _post(url: str, authorization) -> str | int:
    from ..aws.secrets import reveal

    return post_status(url, {"Authorization": reveal(authorization)}, b'{"source": "workshop verify"}')
