"""Check: the published event started an execution of the state machine, and it SUCCEEDED."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws import arns
from . import Outcome, check_kind, poll, published


@dataclass
class ExecutionArgs:
    state_machine: str
    sample: str


def executions_for(ctx, state_machine: str, event_ids: list[str]) -> list[dict]:
    """Recent executions whose input is one of these events (the target gets the whole event)."""
    sfn = ctx.client("stepfunctions")
    arn = arns.state_machine(ctx, state_machine)
    found = []
    listed = sfn.list_executions(stateMachineArn=arn, maxResults=100).get("executions", [])
    for item in listed:
        described = sfn.describe_execution(executionArn=item["executionArn"])
        try:
            event = json.loads(described.get("input") or "{}")
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("id") in event_ids:
            found.append(described)
    return found


@check_kind("execution_succeeded", ExecutionArgs)
@published
def execution_succeeded(ctx, args: ExecutionArgs, ids: list[str]) -> Outcome:

    def probe() -> Outcome:
        runs = executions_for(ctx, args.state_machine, ids[-1:])
        if not runs:
            return Outcome(False, f"no execution of {args.state_machine} was started by event {ids[-1]} within {ctx.deadline_s:.0f}s")
        run = runs[0]
        if run["status"] == "SUCCEEDED":
            return Outcome(True, f"execution {run['name']} of {args.state_machine} SUCCEEDED")
        if run["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
            return Outcome(False, f"execution {run['name']} {run['status']}: {run.get('error', '')} {run.get('cause', '')}".strip(),
                           final=True)
        return Outcome(False, f"execution {run['name']} is still {run['status']}")

    return poll(probe, ctx.deadline_s)
