"""Settling open intents: create calls the ledger wrote ahead but never saw answered.

A run interrupted (Ctrl-C, kill -9, a crashed backend, a lost connection) between the intent and
the answer leaves an `intent` entry. The next run, status or cleanup asks the resource's kind to
find it: it exists and is ours (it carries the ownership mark, or where no mark is possible, it is
exactly what the workshop asked for) → recorded as created, so cleanup removes it; it does not →
the intent is forgotten. Nothing is left that neither the ledger nor cleanup knows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .ledger import Resource
from .steps import resources as kinds
from .steps.plan import Executor, Forget, Record


def resolve(backend) -> list[str]:
    """Settle every open intent of this backend's ledger (through the plan's executor, the ledger's
    only writer); one sentence per intent, saying how."""
    said, plan = [], []
    for intent in backend.ledger.open_intents():
        kind = kinds.KINDS.get(intent.kind)
        label = kind.label if kind else intent.kind
        if kind is None or kind.find is None:
            said.append(f"{label} {intent.name}: an interrupted run may have made it; cleanup will try to delete it")
            continue
        found = kind.find(backend, intent)
        if found is None:
            plan.append(Forget(intent, "", intent_only=True))
            said.append(f"{label} {intent.name} was never made (its run was interrupted): forgotten")
            continue
        also: list[Resource] = found.pop("also", [])
        plan.append(Record(Resource(intent.kind, intent.name, {**intent.attrs, **found}, intent.module, intent.created_at)))
        plan += [Record(replace(extra, module=intent.module)) for extra in also]
        said.append(f"{label} {intent.name} was made by an interrupted run: recorded, and cleanup removes it")
    Executor(_Settling(backend)).run(plan)
    return said


@dataclass
class _Settling:
    backend: object
    ui: object = None
    module_id: None = None
