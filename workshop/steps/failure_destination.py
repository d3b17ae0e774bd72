"""Step kind `lambda_failure_destination`: a Lambda function's on-failure destination, an SQS queue.

When an asynchronous invocation fails and its retries are spent, Lambda sends its invocation
record (the request, the condition, the error) there. The function's own role must be allowed to
send to the queue (prerequisites grants InventoryFunction sqs:SendMessage on InventoryFunctionDLQ).
The change is recorded on its own, so cleanup removes the on-failure destination only, and keeps
the on-success one the Lambda destinations module set.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..aws.arns import queue as queue_arn
from ..aws.lookups import destination
from ..ledger import Resource
from . import resources, step_kind
from .lambda_function import kept_settings, put_invoke_config
from .plan import Custom, Note
from .resources import answer


@dataclass
class FailureDestinationArgs:
    function: str
    queue: str


@step_kind("lambda_failure_destination", FailureDestinationArgs)
def plan(ctx, args: FailureDestinationArgs):
    wanted = queue_arn(ctx, args.queue)
    config = ctx.found(lambda: ctx.client("lambda").get_function_event_invoke_config(FunctionName=args.function))
    current = destination(config, "OnFailure")
    label = f"{args.function}'s on-failure destination"
    if current == wanted:
        return [ctx.existing_note("lambda_failure_destination", args.function, label)]
    if current:
        return [Note(f"{args.function} already sends failures to {current}: left as it is", "warn")]
    destinations = dict((config or {}).get("DestinationConfig") or {})
    destinations["OnFailure"] = {"Destination": wanted}
    # put carries the retry and event-age settings and the on-success destination as they are
    return [put_invoke_config({"FunctionName": args.function, **kept_settings(config), "DestinationConfig": destinations},
                              f"Send {args.function}'s failed invocations to the queue {args.queue}",
                              records=Resource("lambda_failure_destination", args.function, {"function": args.function, "destination": wanted}))]


def _remove(resource: Resource) -> list[Custom]:
    function = resource.attrs["function"]

    def run(client):
        lam = client("lambda")
        config = lam.get_function_event_invoke_config(FunctionName=function)
        destinations = dict(config.get("DestinationConfig") or {})
        if destination(config, "OnFailure"):
            kept = {k: v for k, v in destinations.items() if k != "OnFailure" and v}
            put_invoke_config({"FunctionName": function, **kept_settings(config), "DestinationConfig": kept}, "").run(client)

    return [Custom("lambda", f"Remove {function}'s on-failure destination", run)]


def _find(backend, r: Resource) -> dict | None:
    config = answer(lambda: backend.client("lambda").get_function_event_invoke_config(FunctionName=r.attrs["function"]))
    current = destination(config, "OnFailure")
    return {} if current and current == r.attrs.get("destination") else None


resources.register("lambda_failure_destination", resources.Kind("Lambda on-failure destination", _remove, find=_find,
                                                                         uses=("lambda_function", "sqs_queue"),
                                                                         lane=resources.async_settings_lane))
