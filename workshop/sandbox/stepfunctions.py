"""Step Functions answers as AWS gives them, where moto's interpreter differs.

A Task `arn:aws:states:::events:putEvents` whose PutEvents answer has failed entries fails with
`EventBridge.FailedEntry`; AWS's cause is that answer as JSON. moto's interpreter keeps the
answer as a Python dict and shows its repr (`{'FailedEntryCount': 1, ...}`). The sandbox asks
moto, then writes those causes as JSON in DescribeExecution and GetExecutionHistory.
"""

from __future__ import annotations

import ast
import json

from .front import Request, Response
from .service import Service, sandbox_service

FAILED_ENTRY = "EventBridge.FailedEntry"
_REWRITTEN = {"DescribeExecution", "GetExecutionHistory"}


@sandbox_service("stepfunctions")
class StepFunctions(Service):
    priority = 140

    def __init__(self, ask_moto):
        self.ask_moto = ask_moto  # Request -> Response: moto's own answer, past the interceptors

    def intercept(self, request: Request) -> Response | None:
        if request.service != "states" or request.target.rsplit(".", 1)[-1] not in _REWRITTEN:
            return None
        response = self.ask_moto(request)
        if response.status != 200 or FAILED_ENTRY.encode() not in response.body:
            return response
        try:
            document = json.loads(response.body)
        except ValueError:
            return response
        response.body = json.dumps(_json_causes(document)).encode()
        return response


def _json_causes(value):
    """Every {"error": "EventBridge.FailedEntry", "cause": "<python repr>"} with the cause as JSON."""
    if isinstance(value, list):
        return [_json_causes(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _json_causes(item) for key, item in value.items()}
    if value.get("error") == FAILED_ENTRY and isinstance(value.get("cause"), str):
        value["cause"] = as_json(value["cause"])
    return value


def as_json(cause: str) -> str:
    """A cause already in JSON stays as it is; a Python literal (moto's repr) becomes JSON."""
    try:
        json.loads(cause)
        return cause
    except ValueError:
        pass
    try:
        return json.dumps(ast.literal_eval(cause))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return cause
