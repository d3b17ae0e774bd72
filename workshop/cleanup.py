"""`workshop cleanup`: delete exactly what the ledger holds, dependents first; "already gone" is done.

Before deleting a resource whose service takes tags, cleanup checks it still carries workshop's
mark (a same-name resource someone made since is never deleted); a container that holds what
workshop did not make (a bus with someone's rules, a topic with their subscriptions, a role with
their policies) is left in place, said in one line, once everything of workshop's inside is gone.
A resource taken over with --adopt is put back as it was instead of deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ledger import Resource
from .steps import resources as kinds
from .steps.plan import Delete, DisplayOnlyExecutor, Executor, Forget


@dataclass
class Deletion:
    resource: Resource
    status: str = "pending"  # deleted | gone | left | failed | planned
    error: str = ""

    def as_json(self) -> dict:
        r = self.resource
        return {"kind": r.kind, "name": r.name, "module": r.module, "status": self.status, "error": self.error or None}


def planned(ledger) -> list[Deletion]:
    return [Deletion(r) for r in kinds.deletion_order(ledger.resources())]


@dataclass
class _Sweep:
    """What the executor needs to run cleanup's instructions: no module is being run."""

    backend: object
    ui: object
    module_id: None = None


def execute(backend, ui, deletions: list[Deletion], dry_run: bool = False) -> list[Deletion]:
    """Each deletion becomes one instruction (Delete, or Forget when it is gone or no longer ours)
    run by the plan's executor, the ledger's only writer; --dry-run shows the same calls."""
    import botocore.exceptions

    executor = (DisplayOnlyExecutor if dry_run else Executor)(_Sweep(backend, ui))
    for deletion in deletions:
        resource = deletion.resource
        kind = kinds.KINDS.get(resource.kind)
        if kind is None:
            deletion.status, deletion.error = "failed", f"this version does not know how to delete a {resource.kind}"
            ui.step_note(f"{resource.kind} {resource.name}: {deletion.error}", "fail")
            continue
        delete = Delete(resource, kind.delete(resource), kind.gone_codes, kind.label)
        if dry_run:
            executor.run([delete])
            deletion.status = "planned"
            continue
        adopted = bool(resource.attrs.get("adopted"))
        if kind.proves_ownership and not adopted and kind.find(backend, resource) is None:
            deletion.status = "gone"
            executor.run_one(Forget(resource, f"{kind.label} {resource.name} is gone, or no longer carries workshop's mark: left alone"))
            continue
        others = kind.foreign_contents(backend, resource) if kind.foreign_contents and not adopted else []
        if others:
            deletion.status = "left"
            ui.step_note(f"{kind.label[0].upper()}{kind.label[1:]} {resource.name} is left in place: it holds what workshop did not "
                         f"make ({', '.join(others)}); everything of workshop's inside it was removed", "warn")
            continue
        try:
            deletion.status = executor.run_one(delete)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            deletion.status, deletion.error = "failed", f"{error.get('Code', '')}: {error.get('Message', '')}"
            ui.step_note(f"Could not delete {kind.label} {resource.name}: {deletion.error}", "fail")
    return deletions
