"""A plan is a list of small instructions; one executor runs them, another only shows them.

Modelled on AWS Chalice's deployer: planners (one per step kind) look at what exists and emit
API calls; values AWS only chooses while the plan runs (a queue's URL, an API's id) are `Output`
variables read from the call's result. The Executor is the only writer of the ledger, and writes
ahead: the intent before each create call, the resource (its Outputs filled in) when the call
returns, and nothing when AWS refuses the call. The DisplayOnlyExecutor prints the same plan with
secrets masked (`--dry-run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..aws.secrets import masked, reveal
from ..ledger import Resource


@dataclass(frozen=True)
class Output:
    """A value not known until a call returns: a dotted key path into that call's result."""

    path: str  # e.g. "QueueUrl", "SubscriptionArn", "id"

    def read(self, result: dict):
        value = result
        for key in self.path.split("."):
            value = value[key]
        return value

    def __repr__(self) -> str:
        return f"<{self.path} of the result>"


@dataclass
class ApiCall:
    service: str
    operation: str  # the boto3 client method, e.g. "put_rule"
    params: dict
    summary: str  # what a person reads: "Create rule OrdersDevRule on bus Orders"
    records: Resource | None = None  # recorded in the ledger as soon as the call returns
    on_result: Callable[[dict], None] | None = field(default=None, repr=False)
    announce: bool = False  # said on a line of its own, not only tallied in its step's line (a change to the whole account)


@dataclass
class Custom:
    """A change that is more than one call (read, modify, write), e.g. removing one policy statement."""

    service: str
    summary: str
    run: Callable[[Callable[[str], Any]], Any] = field(repr=False)  # given a client factory
    records: Resource | None = None


@dataclass
class Record:
    """Recording a resource is an instruction too: e.g. a log group a service creates for us later."""

    resource: Resource
    summary: str = ""


@dataclass
class Note:
    """Something the planner found, e.g. 'bus Orders already exists: used, not created'."""

    summary: str
    kind: str = "exists"  # exists | info | warn


Instruction = ApiCall | Custom | Record | Note


def _known(resource: Resource, module: str) -> Resource:
    """What can be written ahead: the resource without the values its call has not answered yet."""
    return Resource(resource.kind, resource.name, {k: v for k, v in resource.attrs.items() if not isinstance(v, Output)}, module)


def _answered(resource: Resource, result, module: str) -> Resource:
    attrs = {k: (v.read(result) if isinstance(v, Output) else v) for k, v in resource.attrs.items()}
    return Resource(resource.kind, resource.name, attrs, module)


class Executor:
    def __init__(self, ctx):
        self.ctx = ctx

    @property
    def ledger(self):
        return self.ctx.backend.ledger

    def run(self, plan: list[Instruction]) -> list[str]:
        import botocore.exceptions

        done = []
        for instruction in plan:
            if isinstance(instruction, Note):
                self.ctx.ui.step_note(instruction.summary, instruction.kind)
                continue
            module = self.ctx.module_id
            if isinstance(instruction, Record):
                self.ledger.record(_known(instruction.resource, module))
                continue
            records = instruction.records
            if records is not None:
                self.ledger.intend(_known(records, module))  # write-ahead: on disk before the call is made
            try:
                if isinstance(instruction, Custom):
                    result = instruction.run(self.ctx.backend.client)
                else:
                    client = self.ctx.backend.client(instruction.service)
                    result = getattr(client, instruction.operation)(**reveal(instruction.params))
            except botocore.exceptions.ClientError:
                if records is not None:
                    self.ledger.drop_intent(records)  # AWS answered no: nothing was made
                raise
            if records is not None:
                self.ledger.record(_answered(records, result or {}, module))
            if getattr(instruction, "on_result", None) is not None:
                instruction.on_result(result)
            self.ctx.ui.step_note(instruction.summary, "announce" if getattr(instruction, "announce", False) else "done")
            done.append(instruction.summary)
        return done


class DisplayOnlyExecutor:
    """`--dry-run`: show each call and its parameters, secrets masked; call nothing that writes."""

    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, plan: list[Instruction]) -> list[str]:
        for instruction in plan:
            show(self.ctx.ui, instruction)
        return []


def show(ui, instruction: Instruction) -> None:
    """How `--dry-run` (of run and of cleanup) prints one instruction: the one place secrets are masked."""
    if isinstance(instruction, Note):
        ui.step_note(instruction.summary, instruction.kind)
    elif isinstance(instruction, Record):
        ui.step_note(instruction.summary or f"Record {instruction.resource.kind} {instruction.resource.name}", "info")
    elif isinstance(instruction, Custom):
        ui.plan_call(instruction.summary, instruction.service, "(several calls)", {})
    else:
        ui.plan_call(instruction.summary, instruction.service, instruction.operation, masked(instruction.params))
