"""A module's outputs (the original stack's "Outputs", declared in scenarios.yaml), found by
describing the resources, with the same calls on every backend, in the file's order.

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


def _quiet(call: Callable[[], str | None]) -> str | None:
    """An output that cannot be described (missing, not allowed, service absent) is left out."""
    import botocore.exceptions

    try:
        return call()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, LookupError, KeyError):
        return None


def compute(backend, declared: dict) -> dict[str, str]:
    """{output name: value} for the declared outputs (name -> scenario.Output) that exist here."""
    client = backend.client
    backend.account  # asked first: missing credentials stop here instead of emptying the outputs

    def rest_api(name: str, stage: str) -> str | None:
        found = find_api(backend, name)
        if found:
            client("apigateway").get_stage(restApiId=found["id"], stageName=stage)
        return found and found["id"]

    def topic(name: str) -> str:
        client("sns").get_topic_attributes(TopicArn=arns.topic(backend, name))
        return arns.topic(backend, name)

    describe: dict[str, Callable[[str], str]] = {
        "state_machine": lambda name: client("stepfunctions").describe_state_machine(
            stateMachineArn=arns.state_machine(backend, name))["stateMachineArn"],
        "sns_topic": topic,
        "sqs_queue": lambda name: client("sqs").get_queue_url(QueueName=name)["QueueUrl"],
        "lambda_function": lambda name: client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"],
        "event_bus": lambda name: client("events").describe_event_bus(Name=name)["Arn"],
    }
    outputs: dict[str, str] = {}
    for output_name, output in declared.items():
        if output.kind == "rest_api":
            api_id = _quiet(lambda: rest_api(output.rest_api, output.stage))
            if api_id:
                outputs[output_name] = stage_url(backend, api_id, output.stage)
            continue
        value = _quiet(lambda: describe[output.kind](getattr(output, output.kind)))
        if value:
            outputs[output_name] = value
    return outputs


URL_FORMS = ("execute-api", "user-request")  # the local forms emulators share, in the order tried


def local_api_url(endpoint_url: str, api_id: str, stage: str = "Prod", form: str = URL_FORMS[0]) -> str:
    """Where an AWS-compatible endpoint serves a REST API's stage, in one of the shared forms."""
    base = endpoint_url.rstrip("/")
    if form == "user-request":
        return f"{base}/restapis/{api_id}/{stage}/_user_request_/"
    return f"{base}/_aws/execute-api/{api_id}/{stage}/"


def stage_url(backend, api_id: str, stage: str = "Prod") -> str:
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
