"""Checks of the error-handling module: where a Lambda function's failures go, and what arrives there.

A failed asynchronous invocation (its retries spent) leaves Lambda's invocation record in the
on-failure destination: `requestContext.condition`, the `requestPayload` (the event), and the
error in `responseContext.functionError` and `responsePayload` (`errorMessage`, `errorType`).
The record is found by the published event's id in its requestPayload; exactly one must arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws import arns
from ..aws.lookups import destination, log_events
from . import Outcome, brief, check_kind, listen_for_strays, poll, published
from .sqs import drain


@dataclass
class FailureDestinationArgs:
    function: str
    queue: str


@check_kind("lambda_failure_destination", FailureDestinationArgs)
def lambda_failure_destination(ctx, args: FailureDestinationArgs) -> Outcome:
    config = ctx.found(lambda: ctx.client("lambda").get_function_event_invoke_config(FunctionName=args.function))
    current = destination(config, "OnFailure")
    if current == arns.queue(ctx, args.queue):
        return Outcome(True, f"OnFailure destination {current}, {config.get('MaximumRetryAttempts', 2)} retries")
    return Outcome(False, f"{args.function}'s on-failure destination is {current or 'not set'}, expected the queue {args.queue}")


@dataclass
class FailureRecordArgs:
    sample: str
    queue: str
    function: str


def _records_for(ctx, queue: str, event_id: str, wait_s: int = 1) -> list[dict]:
    return [r for r in drain(ctx, queue, wait_s) if (r.get("requestPayload") or {}).get("id") == event_id]


def _record_problems(record: dict, function: str) -> list[str]:
    """What Lambda's failure record must say; empty when it says all of it."""
    problems = []
    context, response = record.get("requestContext") or {}, record.get("responseContext") or {}
    payload = record.get("responsePayload") or {}
    if context.get("condition") != "RetriesExhausted":
        problems.append(f"condition is {context.get('condition')!r}, expected 'RetriesExhausted'")
    if not str(context.get("functionArn", "")).split(":$")[0].endswith(f":function:{function}"):
        problems.append(f"the record is from {context.get('functionArn')!r}, not {function}")
    if response.get("functionError") != "Unhandled":
        problems.append(f"responseContext.functionError is {response.get('functionError')!r}, expected 'Unhandled'")
    if not isinstance(payload, dict) or not payload.get("errorMessage") or not payload.get("errorType"):
        problems.append("responsePayload has no errorMessage and errorType")
    return problems


@check_kind("lambda_failure_record", FailureRecordArgs, needs=("custom_bus", "deliver_lambda", "lambda_runs", "lambda_on_failure"))
@published
def lambda_failure_record(ctx, args: FailureRecordArgs, ids: list[str]) -> Outcome:
    event_id = ids[-1]

    def arrived() -> Outcome:
        found = _records_for(ctx, args.queue, event_id)
        if found:
            return Outcome(True, "")
        return Outcome(False, f"no failure record for event {event_id} ({args.sample}) in queue {args.queue} "
                              f"{ctx.within()} (is the on-failure destination set, and does the event reach {args.function}?)")

    outcome = poll(arrived, ctx.deadline_s, settled=ctx.settled)
    if not outcome.passed:
        return outcome
    # Exactly one: on the sandbox, once delivery is idle one more look is exact; elsewhere listen a while.
    listen_for_strays(ctx, lambda: _records_for(ctx, args.queue, event_id, wait_s=0) and None)
    found = _records_for(ctx, args.queue, event_id, wait_s=0)
    if len(found) != 1:
        return Outcome(False, f"{len(found)} failure records for event {event_id} arrived in queue {args.queue}, expected exactly one")
    problems = _record_problems(found[0], args.function)
    if problems:
        return Outcome(False, "the failure record in " + args.queue + " is not Lambda's: " + "; ".join(problems), final=True)
    error = found[0]["responsePayload"]
    return Outcome(True, f"one failure record for event {event_id} in {args.queue}: RetriesExhausted, "
                         f"{error['errorType']}: {error['errorMessage']}")


@dataclass
class SuccessRecordArgs:
    sample: str
    log_group: str


@check_kind("lambda_success_record", SuccessRecordArgs,
            needs=("custom_bus", "deliver_lambda", "lambda_runs", "lambda_on_success", "deliver_logs"))
@published
def lambda_success_record(ctx, args: SuccessRecordArgs, ids: list[str]) -> Outcome:
    """The success path still works: the function's success record for this event reached the log group."""
    event_id = ids[-1]

    def probe() -> Outcome:
        for item in log_events(ctx, args.log_group, ctx.started_ms):
            try:
                event = json.loads(item["message"])
            except ValueError:
                continue
            detail = event.get("detail") if isinstance(event, dict) else None
            if isinstance(detail, dict) and (detail.get("requestPayload") or {}).get("id") == event_id:
                if event.get("detail-type") != "Lambda Function Invocation Result - Success":
                    return Outcome(False, f"the record for event {event_id} is {event.get('detail-type')}", final=True)
                return Outcome(True, f"event {event['id']} logged for {args.sample}: responsePayload "
                                     f"{brief(detail.get('responsePayload'))}")
        return Outcome(False, f"no success record for event {event_id} ({args.sample}) in {args.log_group} {ctx.within()}")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)
