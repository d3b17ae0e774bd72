"""`workshop cleanup`: delete exactly what the ledger holds, dependents first; "already gone" is done.

Before deleting a resource whose service takes tags, cleanup checks it still carries workshop's
mark (a same-name resource someone made since is never deleted); a container that holds what
workshop did not make (a bus with someone's rules, a topic with their subscriptions, a role with
their policies) is left in place, said in one line, once everything of workshop's inside is gone.
A resource taken over with --adopt is put back as it was instead of deleted.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
    run by the plan's executor, the ledger's only writer; --dry-run shows the same calls. The
    deletions of one level (`resources.deletion_levels`: nothing in it needs another) run side by
    side, each lane in order; what they say is shown in the ledger's order once the level is done."""
    if dry_run:
        executor = DisplayOnlyExecutor(_Sweep(backend, ui))
        for deletion in deletions:
            kind = kinds.KINDS.get(deletion.resource.kind)
            if kind is None:
                _unknown(ui, deletion)
                continue
            executor.run([_delete_of(kind, deletion.resource)])
            deletion.status = "planned"
        return deletions
    kept: dict[int, _Kept] = {}  # id(deletion) -> what it said, shown once its level is done
    of = {id(d.resource): d for d in deletions}
    place = {id(d): i for i, d in enumerate(deletions)}
    for level in kinds.deletion_levels([d.resource for d in deletions]):
        lanes = [[of[id(r)] for r in lane] for lane in level]
        try:
            if len(lanes) == 1:
                _lane(backend, ui, kept, lanes[0])
                continue
            with ThreadPoolExecutor(max_workers=min(MAX_SIDE_BY_SIDE, len(lanes)), thread_name_prefix="cleanup") as pool:
                running = [pool.submit(_lane, backend, ui, kept, lane) for lane in lanes]
            for each in running:
                each.result()  # a failure other than AWS's answer (an unreachable backend) stops cleanup
        finally:
            for deletion in sorted((d for lane in lanes for d in lane), key=lambda d: place[id(d)]):
                said = kept.pop(id(deletion), None)  # None: its lane stopped before it
                for args, kwargs in said.notes if said else ():
                    ui.step_note(*args, **kwargs)
    return deletions


MAX_SIDE_BY_SIDE = 8  # calls in flight at once: enough to overlap the backend's work with ours


def _lane(backend, ui, kept: dict, lane: list[Deletion]) -> None:
    """One lane's deletions in order, each with its own executor and its notes kept apart."""
    for deletion in lane:
        notes = kept[id(deletion)] = _Kept(ui)
        _one(Executor(_Sweep(backend, notes)), backend, notes, deletion)


def _one(executor, backend, ui, deletion: Deletion) -> None:
    import botocore.exceptions

    resource = deletion.resource
    kind = kinds.KINDS.get(resource.kind)
    if kind is None:
        _unknown(ui, deletion)
        return
    delete = _delete_of(kind, resource)
    adopted = bool(resource.attrs.get("adopted"))
    if kind.proves_ownership and not adopted and kind.find(backend, resource) is None:
        deletion.status = "gone"
        executor.run_one(Forget(resource, f"{kind.label} {resource.name} is gone, or no longer carries workshop's mark: left alone"))
        return
    others = kind.foreign_contents(backend, resource) if kind.foreign_contents and not adopted else []
    if others:
        deletion.status = "left"
        ui.step_note(f"{kind.label[0].upper()}{kind.label[1:]} {resource.name} is left in place: it holds what workshop did not "
                     f"make ({', '.join(others)}); everything of workshop's inside it was removed", "warn")
        return
    try:
        deletion.status = executor.run_one(delete)
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        deletion.status, deletion.error = "failed", f"{error.get('Code', '')}: {error.get('Message', '')}"
        ui.step_note(f"Could not delete {kind.label} {resource.name}: {deletion.error}", "fail")


def _delete_of(kind, resource) -> Delete:
    return Delete(resource, kind.delete(resource), kind.gone_codes, kind.label)


def _unknown(ui, deletion: Deletion) -> None:
    resource = deletion.resource
    deletion.status, deletion.error = "failed", f"this version does not know how to delete a {resource.kind}"
    ui.step_note(f"{resource.kind} {resource.name}: {deletion.error}", "fail")


class _Kept:
    """The UI as one deletion sees it: its notes are kept, to be shown in the ledger's order, so
    the output reads the same however deletions running side by side interleaved."""

    def __init__(self, ui):
        self._ui, self.notes = ui, []

    def step_note(self, *args, **kwargs) -> None:
        self.notes.append((args, kwargs))

    def __getattr__(self, name):
        return getattr(self._ui, name)
