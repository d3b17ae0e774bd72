"""Check: the published event started an execution of the state machine, and it SUCCEEDED."""

from __future__ import annotations

from dataclasses import dataclass

from ..aws import arns
from ..aws.executions import ExecutionFinder
from . import Outcome, brief, check_kind, poll, published


@dataclass
class ExecutionArgs:
    state_machine: str
    sample: str


def execution_finder(ctx, state_machine: str) -> ExecutionFinder:
    return ExecutionFinder(ctx.client("stepfunctions"), arns.state_machine(ctx, state_machine))


@check_kind("execution_succeeded", ExecutionArgs, needs=("custom_bus", "deliver_stepfunctions", "sfn_runs", "sfn_put_events"))
@published
def execution_succeeded(ctx, args: ExecutionArgs, ids: list[str]) -> Outcome:

    finder = execution_finder(ctx, args.state_machine)

    def probe() -> Outcome:
        run = finder.find(ids[-1])
        if not run:
            return Outcome(False, f"no execution of {args.state_machine} was started by event {ids[-1]} {ctx.within()}")
        if run["status"] == "SUCCEEDED":
            return Outcome(True, f"execution {run['name']} output {brief(run.get('output') or 'null')}")
        if run["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
            return Outcome(False, f"execution {run['name']} {run['status']}: {run.get('error', '')} {run.get('cause', '')}".strip(),
                           final=True)
        return Outcome(False, f"execution {run['name']} is still {run['status']}")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)
