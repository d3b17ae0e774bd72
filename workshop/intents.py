"""Settling open intents: create calls the ledger wrote ahead but never saw answered.

A run interrupted (Ctrl-C, kill -9, a crashed backend, a lost connection) between the intent and
the answer leaves an `intent` entry. The next run, status or cleanup asks the resource's kind to
find it: it exists and is ours (it carries the ownership mark, or where no mark is possible, it is
exactly what the workshop asked for) → recorded as created, so cleanup removes it; it does not →
the intent is forgotten. Nothing is left that neither the ledger nor cleanup knows.
"""

from __future__ import annotations

from dataclasses import replace

from .ledger import Resource
from .steps import resources as kinds


def resolve(backend) -> list[str]:
    """Settle every open intent of this backend's ledger; one sentence per intent, saying how."""
    ledger = backend.ledger
    said = []
    for intent in ledger.open_intents():
        kind = kinds.KINDS.get(intent.kind)
        label = kind.label if kind else intent.kind
        if kind is None or kind.find is None:
            said.append(f"{label} {intent.name}: an interrupted run may have made it; cleanup will try to delete it")
            continue
        found = kind.find(backend, intent)
        if found is None:
            ledger.drop_intent(intent)
            said.append(f"{label} {intent.name} was never made (its run was interrupted): forgotten")
            continue
        also: list[Resource] = found.pop("also", [])
        ledger.record(Resource(intent.kind, intent.name, {**intent.attrs, **found}, intent.module, intent.created_at))
        for extra in also:
            ledger.record(replace(extra, module=intent.module))
        said.append(f"{label} {intent.name} was made by an interrupted run: recorded, and cleanup removes it")
    return said
