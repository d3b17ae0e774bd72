"""Check: one EU order followed through the whole Lambda-destinations chain, with each hop's time.

Orders → EUOrdersRule → OrderProcessing (puts "Order Processed") → OrderProcessingRule →
InventoryFunction → on-success destination: the Inventory bus → InventoryDevRule → log group.
The "Order Processed" event's id comes from the execution's output (the PutEvents answer), and the
success record's requestPayload is that event: that is how the hops are joined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ..aws.lookups import log_events
from . import Outcome, brief, check_kind, poll, published
from .stepfunctions import execution_finder


@dataclass
class ChainArgs:
    sample: str
    state_machine: str
    log_group: str


def _stamp(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%H:%M:%S.%f")[:-3]
    return str(value)


@check_kind("lambda_chain", ChainArgs, needs=("custom_bus", "deliver_stepfunctions", "sfn_runs", "sfn_put_events", "deliver_lambda", "lambda_runs", "lambda_on_success", "deliver_logs"))
@published
def lambda_chain(ctx, args: ChainArgs, ids: list[str]) -> Outcome:
    hops: list[tuple[str, str]] = [(f"published {args.sample} to Orders", ids[-1])]
    state: dict = {}

    finder = execution_finder(ctx, args.state_machine)

    def execution() -> Outcome:
        run = finder.find(ids[-1])
        if not run or run["status"] == "RUNNING":
            return Outcome(False, f"no finished execution of {args.state_machine} for event {ids[-1]} (is EUOrdersRule deployed?)")
        if run["status"] != "SUCCEEDED":
            return Outcome(False, f"execution {run['name']} {run['status']}")
        try:
            entries = json.loads(run.get("output") or "{}").get("Entries", [])
            state["processed_id"] = entries[0]["EventId"]
        except (ValueError, KeyError, IndexError, AttributeError):
            return Outcome(False, f"execution {run['name']} did not put an Order Processed event (output {run.get('output')})")
        state["run"] = run
        return Outcome(True, "")

    outcome = poll(execution, ctx.deadline_s, settled=ctx.settled)
    if not outcome.passed:
        return outcome
    run = state["run"]
    hops.append((f"{args.state_machine} execution {run['name']} SUCCEEDED", f"{_stamp(run['startDate'])} → {_stamp(run.get('stopDate'))}"))
    hops.append(("Order Processed event put on Orders", state["processed_id"]))

    def record() -> Outcome:
        for item in log_events(ctx, args.log_group, ctx.started_ms):
            try:
                event = json.loads(item["message"])
            except ValueError:
                continue
            payload = (event.get("detail") or {}).get("requestPayload") or {}
            if isinstance(payload, dict) and payload.get("id") == state["processed_id"]:
                state["record"] = event
                return Outcome(True, "")
        return Outcome(False, f"no InventoryFunction result for event {state['processed_id']} in {args.log_group} "
                              f"{ctx.within()} (check OrderProcessingRule, its Lambda permission, and the on-success destination)")

    outcome = poll(record, ctx.deadline_s, settled=ctx.settled)
    if not outcome.passed:
        outcome.hops = ("The chain so far", hops)
        return outcome
    event = state["record"]
    condition = (event["detail"].get("requestContext") or {}).get("condition", "")
    hops.append((f"InventoryFunction ran: {event['detail-type']} ({condition})", event.get("time", "")))
    hops.append((f"Inventory bus → InventoryDevRule → {args.log_group}", event["id"]))
    chain = (f"Order {ids[-1][:8]}… through the whole chain", hops)
    if event.get("detail-type") != "Lambda Function Invocation Result - Success":
        return Outcome(False, f"InventoryFunction's result was {event.get('detail-type')}", hops=chain)
    # the evidence: the end of the chain, InventoryFunction's result as the Inventory bus logged it
    return Outcome(True, f"{len(hops)} hops; {args.log_group} logged event {event['id']}: "
                         f"responsePayload {brief(event['detail'].get('responsePayload'))}", hops=chain)
