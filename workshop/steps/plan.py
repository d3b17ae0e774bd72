"""A plan is a list of small instructions; one executor runs them, another only shows them.

Modelled on AWS Chalice's deployer: planners (one per step kind) look at what exists and emit
API calls; values AWS only chooses while the plan runs (a queue's URL, an API's id) are `Output`s
read from the call's result: into the call's ledger record, or (`binds`) into a named placeholder
that later instructions of the same plan carry and the executor fills in before running them.
The Executor is the only writer of the ledger, and writes ahead: the intent before each create
call, the resource (its Outputs filled in) when the call returns, and nothing when AWS refuses the
call; cleanup's deletions (`Delete`, `Forget`) run through it too. The DisplayOnlyExecutor prints
the same plan with secrets masked (`--dry-run` of run and of cleanup).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..aws.secrets import masked, reveal
from ..errors import WorkshopError
from ..ledger import Resource


@dataclass(frozen=True)
class Output:
    """A value not known until a call returns: a dotted key path into that call's result."""

    path: str  # e.g. "QueueUrl", "SubscriptionArn", "id"
    # where a backend's answer lacks the key (e.g. no rootResourceId): how to find the value instead
    otherwise: Callable[[dict], Any] | None = field(default=None, compare=False)

    def read(self, result: dict):
        value = result
        for key in self.path.split("."):
            if not isinstance(value, dict) or key not in value:
                if self.otherwise is not None:
                    return self.otherwise(result)
                raise KeyError(self.path)
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
    # reads the answer before anything is recorded, and raises to refuse it (a batch call's failed
    # entries); it never changes the plan or the ledger
    on_result: Callable[[dict], None] | None = field(default=None, repr=False)
    announce: bool = False  # said on a line of its own, not only tallied in its step's line (a change to the whole account)
    binds: dict[str, Output] = field(default_factory=dict)  # placeholder -> where the answer holds its value


@dataclass
class Custom:
    """A change that is more than one call (read, modify, write), e.g. removing one policy statement."""

    service: str
    summary: str
    run: Callable[[Callable[[str], Any]], Any] = field(repr=False)  # given a client factory
    records: Resource | None = None


@dataclass
class Wait:
    """Waiting for the backend to settle (a Lambda function becoming Active): no change, no record."""

    service: str
    summary: str
    until: Callable[[Callable[[str], Any]], Any] = field(repr=False)  # given a client factory; bounded


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


@dataclass
class Delete:
    """Cleanup's instruction for one ledger entry: its calls in order, then the entry is forgotten.
    A call answered with one of `gone_codes` means nothing is left to delete: forgotten too."""

    resource: Resource
    calls: list  # of ApiCall | Custom
    gone_codes: frozenset[str]
    label: str


@dataclass
class Forget:
    """A ledger entry whose resource is not there (or is no longer ours): forgotten, nothing called.
    `intent_only`: an interrupted run's intent that was never made (a created entry is kept)."""

    resource: Resource
    summary: str
    intent_only: bool = False


Instruction = ApiCall | Custom | Wait | Record | Note | Delete | Forget


def fill(value, values: dict[str, str]):
    """A value with the placeholders already answered put in (strings, inside dicts, lists, records)."""
    if not values:
        return value
    if isinstance(value, str):
        for token, real in values.items():
            value = value.replace(token, real)
        return value
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, Resource):
        return Resource(value.kind, fill(value.name, values), fill(value.attrs, values), value.module, value.created_at)
    return value


def _filled(instruction, values: dict[str, str]):
    if not values:
        return instruction
    if isinstance(instruction, ApiCall):
        return replace(instruction, params=fill(instruction.params, values), summary=fill(instruction.summary, values),
                       records=fill(instruction.records, values))
    if isinstance(instruction, Record):
        return replace(instruction, resource=fill(instruction.resource, values), summary=fill(instruction.summary, values))
    if isinstance(instruction, (Custom, Wait, Note)):
        return replace(instruction, summary=fill(instruction.summary, values))
    return instruction


def call(client_of, instruction: ApiCall | Custom):
    """Make one call (a Custom makes its several), secrets revealed only here."""
    if isinstance(instruction, Custom):
        return instruction.run(client_of)
    return getattr(client_of(instruction.service), instruction.operation)(**reveal(instruction.params))


def _known(resource: Resource, module: str | None) -> Resource:
    """What can be written ahead: the resource without the values its call has not answered yet
    (its own module and time kept when it has them: an interrupted run's, settled later)."""
    return Resource(resource.kind, resource.name, {k: v for k, v in resource.attrs.items() if not isinstance(v, Output)},
                    resource.module or module or "", resource.created_at)


def _answered(resource: Resource, result, module: str) -> Resource:
    attrs = {k: (v.read(result) if isinstance(v, Output) else v) for k, v in resource.attrs.items()}
    return Resource(resource.kind, resource.name, attrs, module)


class Executor:
    def __init__(self, ctx):
        self.ctx = ctx  # anything with .backend, .ui and .module_id (None outside a module: cleanup)
        self.values: dict[str, str] = {}  # placeholders answered so far in this plan

    @property
    def ledger(self):
        return self.ctx.backend.ledger

    def run(self, plan: list[Instruction]) -> list[str]:
        done = []
        for instruction in plan:
            if self.run_one(instruction) == "done":
                done.append(_filled(instruction, self.values).summary)
        return done

    def run_one(self, instruction: Instruction) -> str:
        """Run one instruction; answers what happened: done | noted | recorded | deleted | gone | forgotten."""
        import botocore.exceptions

        instruction = _filled(instruction, self.values)
        ui, module = self.ctx.ui, self.ctx.module_id
        if isinstance(instruction, Note):
            ui.step_note(instruction.summary, instruction.kind)
            return "noted"
        if isinstance(instruction, Wait):
            instruction.until(self.ctx.backend.client)
            return "waited"
        if isinstance(instruction, Record):
            self.ledger.record(_known(instruction.resource, module))
            return "recorded"
        if isinstance(instruction, Forget):
            (self.ledger.drop_intent if instruction.intent_only else self.ledger.forget)(instruction.resource)
            if instruction.summary:
                ui.step_note(instruction.summary, "exists")
            return "forgotten"
        if isinstance(instruction, Delete):
            return self._delete(instruction)
        records = instruction.records
        if records is not None:
            self.ledger.intend(_known(records, module))  # write-ahead: on disk before the call is made
        try:
            result = call(self.ctx.backend.client, instruction) or {}
            if getattr(instruction, "on_result", None) is not None:
                instruction.on_result(result)
        except (botocore.exceptions.ClientError, WorkshopError):
            if records is not None:
                self.ledger.drop_intent(records)  # AWS answered no: nothing was made
            raise
        for token, output in getattr(instruction, "binds", {}).items():
            self.values[token] = output.read(result)
        if records is not None:
            self.ledger.record(_answered(records, result, module))
        ui.step_note(instruction.summary, "announce" if getattr(instruction, "announce", False) else "done")
        return "done"

    def _delete(self, deletion: Delete) -> str:
        import botocore.exceptions

        try:
            for each in deletion.calls:
                call(self.ctx.backend.client, each)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") not in deletion.gone_codes:
                raise
            self.ledger.forget(deletion.resource)
            self.ctx.ui.step_note(f"{deletion.label} {deletion.resource.name} was already gone", "exists")
            return "gone"
        self.ledger.forget(deletion.resource)
        self.ctx.ui.step_note(deletion.calls[0].summary if deletion.calls else f"Forget {deletion.resource.name}", "done")
        return "deleted"


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
    if isinstance(instruction, Delete):
        for each in instruction.calls:
            show(ui, each)
    elif isinstance(instruction, Forget):
        ui.step_note(instruction.summary, "exists")
    elif isinstance(instruction, Wait):
        ui.step_note(instruction.summary, "info")
    elif isinstance(instruction, Note):
        ui.step_note(instruction.summary, instruction.kind)
    elif isinstance(instruction, Record):
        ui.step_note(instruction.summary or f"Record {instruction.resource.kind} {instruction.resource.name}", "info")
    elif isinstance(instruction, Custom):
        ui.plan_call(instruction.summary, instruction.service, "(several calls)", {})
    else:
        ui.plan_call(instruction.summary, instruction.service, instruction.operation, masked(instruction.params))
