"""A module's outputs (the original stack's "Outputs", declared in scenarios.yaml), found by
describing the resources, with the same calls on every backend, in the file's order.

On a backend with its own endpoint (the sandbox, an emulator), `local_api_url` asks the endpoint
where it serves a REST API (the sandbox's API Gateway stand-in answers GET /_workshop/apis), shown
as a second output NAMELocal; the AWS-shaped URL stays the output itself, which is what the API
destination module gives EventBridge.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Callable

from .aws import arns
from .aws.lookups import api_url, find_api


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
                outputs[output_name] = api_url(api_id, backend.region, output.stage)
                local = local_api_url(backend.endpoint_url, api_id, output.stage)
                if local and local != outputs[output_name]:
                    outputs[f"{output_name}Local"] = local
            continue
        value = _quiet(lambda: describe[output.kind](getattr(output, output.kind)))
        if value:
            outputs[output_name] = value
    return outputs


def local_api_url(endpoint_url: str | None, api_id: str, stage: str, timeout: float = 3.0) -> str | None:
    """Where an AWS-compatible endpoint serves this API's stage, if it says (GET /_workshop/apis)."""
    if not endpoint_url:
        return None
    try:
        with urllib.request.urlopen(endpoint_url.rstrip("/") + "/_workshop/apis", timeout=timeout) as response:
            document = json.loads(response.read() or b"null")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return _find_url(document, api_id, stage)


def _find_url(document, api_id: str, stage: str) -> str | None:
    """Tolerant reading: an object naming this API id (and this stage, when it names one), then its
    local URL (`local_url`, else `url` / `invoke_url`, else any http URL that is not an AWS one)."""
    candidates = [e for e in _objects(document)
                  if api_id in {e.get(k) for k in ("id", "restApiId", "apiId", "rest_api_id", "api_id")}]
    candidates.sort(key=lambda e: e.get("stage", e.get("stageName")) != stage)
    for entry in candidates:
        if entry.get("stage", entry.get("stageName", stage)) != stage:
            continue
        for key in ("local_url", "url", "invoke_url", "invokeUrl"):
            if isinstance(entry.get(key), str) and entry[key].startswith(("http://", "https://")):
                return entry[key] if entry[key].endswith("/") else entry[key] + "/"
        urls = [u for u in _strings(entry) if u.startswith(("http://", "https://")) and ".amazonaws.com" not in u]
        if urls:
            base = urls[0].rstrip("/")
            return base + "/" if base.endswith(f"/{stage}") else f"{base}/{stage}/"
    return None


def _objects(value):
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _objects(child)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child in value.values():
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)
