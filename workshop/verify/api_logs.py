"""Check: API Gateway's execution log shows the authorizer allowed our event and status 200."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..aws.lookups import log_events
from . import Outcome, check_kind, poll, published

_REQUEST_ID = re.compile(r"^\(([^)]+)\)\s*(.*)$", re.S)


@dataclass
class ApiLogArgs:
    api: str  # the REST API's name
    sample: str
    stage: str = "Prod"


def rest_api_id(ctx, name: str) -> str | None:
    for page in ctx.client("apigateway").get_paginator("get_rest_apis").paginate():
        for api in page.get("items", []):
            if api.get("name") == name:
                return api["id"]
    return None


@check_kind("api_execution_log", ApiLogArgs, needs=("custom_bus", "deliver_api_destination", "rest_api_url", "lambda_runs", "apigw_execution_logs"))
@published
def api_execution_log(ctx, args: ApiLogArgs, ids: list[str]) -> Outcome:
    api_id = rest_api_id(ctx, args.api)
    if api_id is None:
        return Outcome(False, f"there is no REST API named {args.api}: run `workshop run prerequisites`")
    group = f"API-Gateway-Execution-Logs_{api_id}/{args.stage}"

    def probe() -> Outcome:
        requests: dict[str, list[str]] = {}
        for event in log_events(ctx, group, ctx.started_ms):
            found = _REQUEST_ID.match(event.get("message", ""))
            if found:
                requests.setdefault(found.group(1), []).append(found.group(2))
        for request_id, lines in requests.items():
            text = "\n".join(lines)
            if ids[-1] not in text:
                continue
            status = re.search(r"Method completed with status: (\d+)", text)
            authorized = "Successfully completed authorizer execution" in text or "Using valid authorizer policy" in text
            if status and status.group(1) == "200" and authorized:
                said = [line.strip() for line in lines if "authorizer" in line.lower() or "Method completed" in line]
                return Outcome(True, f"request {request_id} logged: " + " / ".join(f'"{line}"' for line in said[-2:]))
            if status:
                return Outcome(False, f"request {request_id} carrying event {ids[-1]} ended with status {status.group(1)}"
                                      + ("" if authorized else ": the authorizer did not allow it (check the connection's Basic credentials)"))
        return Outcome(False, f"no request carrying event {ids[-1]} in {group} {ctx.within()}")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)
