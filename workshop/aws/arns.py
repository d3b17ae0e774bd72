"""The ARNs of the resources the workshop names, built in one place.

`where` is anything with `.region` and `.account`: a step or check Context, or a Backend.
"""

from __future__ import annotations


def _arn(service: str, where, resource: str, region: bool = True) -> str:
    return f"arn:aws:{service}:{where.region if region else ''}:{where.account}:{resource}"


def event_bus(where, name: str) -> str:
    return _arn("events", where, f"event-bus/{name}")


def rule(where, name: str, bus: str = "default") -> str:
    """A rule on the default bus has no bus in its ARN."""
    return _arn("events", where, f"rule/{bus + '/' if bus != 'default' else ''}{name}")


def archive(where, name: str) -> str:
    return _arn("events", where, f"archive/{name}")


def api_destination(where, name: str) -> str:
    return _arn("events", where, f"api-destination/{name}")


def log_group(where, name: str) -> str:
    return _arn("logs", where, f"log-group:{name}")


def queue(where, name: str) -> str:
    return _arn("sqs", where, name)


def topic(where, name: str) -> str:
    return _arn("sns", where, name)


def state_machine(where, name: str) -> str:
    return _arn("states", where, f"stateMachine:{name}")


def function(where, name: str) -> str:
    return _arn("lambda", where, f"function:{name}")


def role(where, name: str) -> str:
    return _arn("iam", where, f"role/{name}", region=False)


def execute_api(where, api_id: str, path: str) -> str:
    """An API Gateway execute-api source ARN: `path` is e.g. "authorizers/ID" or "Prod/POST/"."""
    return _arn("execute-api", where, f"{api_id}/{path}")


def lambda_integration_uri(where, function_arn: str) -> str:
    """The URI API Gateway calls a Lambda function by."""
    return f"arn:aws:apigateway:{where.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
