"""`workshop reset MODULE`: remove one module's own resources so it (and its challenge) can be taken
again. Modules that build on it lose their footing, so they are named and asked about first; the
learner's pattern file is kept beside (challenges/<module>.json.previous), not deleted."""

from __future__ import annotations

from pathlib import Path

from . import cleanup as sweeper
from .errors import BadInput


def dependents(scenario, module_id: str) -> list[str]:
    """Modules that require this one, directly or through another, in the workshop's order."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for module in scenario.modules:
            if module.id not in found and (module_id in module.requires or found & set(module.requires)):
                found.add(module.id)
                changed = True
    return [m.id for m in scenario.modules if m.id in found]


def reset(backend, ui, scenario, progress, module_id: str, yes: bool) -> dict:
    scenario.module(module_id)  # an unknown id is bad input before anything is touched
    owned = {r.module for r in backend.ledger.resources()}
    building = [m for m in dependents(scenario, module_id) if m in owned]
    chosen = [module_id]
    if building:
        listed = ", ".join(building)
        if not yes:
            if not ui.interactive:
                raise BadInput(f"{listed} build{'s' if len(building) == 1 else ''} on {module_id} and would be reset "
                               f"too: add --yes (or run on a terminal to be asked).")
            if not ui.confirm(f"{listed} build{'s' if len(building) == 1 else ''} on {module_id}; "
                              "reset them too?", default=False):
                raise BadInput(f"Nothing was reset: {module_id} cannot go while {listed} build on it.")
        chosen += building
    deletions = [d for d in sweeper.planned(backend.ledger) if d.resource.module in chosen]
    done = sweeper.execute(backend, ui, deletions)
    failed = [d for d in done if d.status == "failed"]
    kept = []
    for reset_id in chosen:
        if progress is not None:
            progress.mark(reset_id, deployed=False, verified=False, challenges={})
        module = scenario.module(reset_id)
        if module.challenges:
            kept += _set_aside(reset_id)
    return {"reset": chosen, "deleted": [d.as_json() for d in done if d.status in ("deleted", "gone")],
            "failed": [d.as_json() for d in failed], "pattern_files": kept}


def _set_aside(module_id: str) -> list[str]:
    """The learner's pattern files of this module, renamed so the challenge starts afresh."""
    moved = []
    for path in (Path.cwd() / "challenges").glob(f"{module_id}*.json"):
        target = path.with_suffix(".json.previous")
        path.replace(target)
        moved.append(str(target))
    return moved
