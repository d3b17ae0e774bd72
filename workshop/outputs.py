"""What a learner needs from the prerequisites (the original stack's "Outputs"), found by describing
the resources, with the same calls on every backend. ApiUrl comes first.

`stage_url` is the one code path for a REST API's URL: on AWS the public execute-api URL; on any
endpoint a local URL in a form emulators share (`{endpoint}/_aws/execute-api/{id}/{stage}/`, or
`{endpoint}/restapis/{id}/{stage}/_user_request_/`), which the sandbox serves too. The API
destination module gives EventBridge this URL, and its checks call it.
"""

from __future__ import annotations

from typing import Callable

from .aws import arns
from .aws.lookups import api_url as public_api_url
from .aws.lookups import find_api

API_NAME = "eventbridge-api-destination"
STAGE = "Prod"


def _quiet(call: Callable[[], str | None]) -> str | None:
    """An output that cannot be described (missing, not allowed, service absent) is left out."""
    import botocore.exceptions

    try:
        return call()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, LookupError, KeyError):
        return None


def compute(backend) -> dict[str, str]:
    client = backend.client
    backend.account  # asked first: missing credentials stop here instead of emptying the outputs
    outputs: dict[str, str] = {}

    def api() -> str | None:
        found = find_api(backend, API_NAME)
        if found:
            client("apigateway").get_stage(restApiId=found["id"], stageName=STAGE)
        return found and found["id"]

    api_id = _quiet(api)
    if api_id:
        outputs["ApiUrl"] = stage_url(backend, api_id, STAGE)

    def state_machine() -> str:
        arn = arns.state_machine(backend, "OrderProcessing")
        return client("stepfunctions").describe_state_machine(stateMachineArn=arn)["stateMachineArn"]

    def topic() -> str:
        arn = arns.topic(backend, "Orders")
        client("sns").get_topic_attributes(TopicArn=arn)
        return arn

    def queue(name: str) -> Callable[[], str]:
        return lambda: client("sqs").get_queue_url(QueueName=name)["QueueUrl"]

    def function() -> str:
        return client("lambda").get_function_configuration(FunctionName="InventoryFunction")["FunctionArn"]

    def bus() -> str:
        return client("events").describe_event_bus(Name="Inventory")["Arn"]

    for name, call in (("OrderProcessingStateMachineArn", state_machine), ("OrdersTopicArn", topic),
                       ("OrdersQueueUrl", queue("Orders")), ("InventoryFunctionArn", function),
                       ("InventoryEventBusArn", bus), ("InventoryFunctionDLQUrl", queue("InventoryFunctionDLQ")),
                       ("OrdersReplayQueueUrl", queue("OrdersReplayQueue"))):
        value = _quiet(call)
        if value:
            outputs[name] = value
    return outputs


URL_FORMS = ("execute-api", "user-request")  # the local forms emulators share, in the order tried


def local_api_url(endpoint_url: str, api_id: str, stage: str = STAGE, form: str = URL_FORMS[0]) -> str:
    """Where an AWS-compatible endpoint serves a REST API's stage, in one of the shared forms."""
    base = endpoint_url.rstrip("/")
    if form == "user-request":
        return f"{base}/restapis/{api_id}/{stage}/_user_request_/"
    return f"{base}/_aws/execute-api/{api_id}/{stage}/"


def stage_url(backend, api_id: str, stage: str = STAGE) -> str:
    """The one URL of a REST API's stage on this backend: AWS's public execute-api URL on AWS; on any
    endpoint (the sandbox included) the local form `workshop doctor` found it serves (else the first)."""
    if not backend.endpoint_url:
        return public_api_url(api_id, backend.region, stage)
    form = URL_FORMS[0]
    if backend.choice.kind == "endpoint":
        from . import capabilities

        known = capabilities.cached(backend.scope)
        if known is not None and known.url_form in URL_FORMS:
            form = known.url_form
    return local_api_url(backend.endpoint_url, api_id, stage, form)
