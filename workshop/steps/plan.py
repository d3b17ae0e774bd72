"""A plan is a list of small instructions; one executor runs them, another only shows them.

Modelled on AWS Chalice's deployer: planners (one per step kind) look at what exists and emit
API calls; the Executor makes each call and records the resource in the ledger the moment the
call returns; the DisplayOnlyExecutor prints the same plan with secrets masked (`--dry-run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..aws.secrets import masked, reveal
from ..ledger import Resource


@dataclass
class ApiCall:
    service: str
    operation: str  # the boto3 client method, e.g. "put_rule"
    params: dict
    summary: str  # what a person reads: "Create rule OrdersDevRule on bus Orders"
    records: Resource | None = None  # recorded in the ledger as soon as the call returns
    on_result: Callable[[dict], None] | None = field(default=None, repr=False)


@dataclass
class Custom:
    """A change that is more than one call (read, modify, write), e.g. removing one policy statement."""

    service: str
    summary: str
    run: Callable[[Callable[[str], Any]], Any] = field(repr=False)  # given a client factory
    records: Resource | None = None


@dataclass
class Note:
    """Something the planner found, e.g. 'bus Orders already exists: used, not created'."""

    summary: str
    kind: str = "exists"  # exists | info | warn


Instruction = ApiCall | Custom | Note


class Executor:
    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, plan: list[Instruction]) -> list[str]:
        done = []
        for instruction in plan:
            if isinstance(instruction, Note):
                self.ctx.ui.step_note(instruction.summary, instruction.kind)
                continue
            if isinstance(instruction, Custom):
                result = instruction.run(self.ctx.backend.client)
            else:
                client = self.ctx.backend.client(instruction.service)
                result = getattr(client, instruction.operation)(**reveal(instruction.params))
            if instruction.records is not None:
                resource = instruction.records
                self.ctx.backend.ledger.record(Resource(resource.kind, resource.name, resource.attrs, self.ctx.module_id))
            if getattr(instruction, "on_result", None) is not None:
                instruction.on_result(result)
            self.ctx.ui.step_note(instruction.summary, "done")
            done.append(instruction.summary)
        return done


class DisplayOnlyExecutor:
    """`--dry-run`: show each call and its parameters, secrets masked; call nothing that writes."""

    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, plan: list[Instruction]) -> list[str]:
        for instruction in plan:
            if isinstance(instruction, Note):
                self.ctx.ui.step_note(instruction.summary, instruction.kind)
            elif isinstance(instruction, Custom):
                self.ctx.ui.plan_call(instruction.summary, instruction.service, "(several calls)", {})
            else:
                self.ctx.ui.plan_call(instruction.summary, instruction.service, instruction.operation, masked(instruction.params))
        return []
