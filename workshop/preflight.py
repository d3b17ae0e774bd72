"""Before a run changes anything: every same-name resource it would have to change but did not make.

Each planner raises ForeignResource where it finds one (see ownership.py). This plans every step of
every module the run will take, without running anything (placeholders stand for what does not
exist yet, as in --dry-run), and stops with one sentence per refusal, so a run never stops halfway
through because of a resource someone else owns. A step that cannot be planned ahead (it reads
something an earlier step creates) is planned again, for real, when its turn comes.

Planning only reads, so the modules are planned side by side (each with its own view of the
context; the backend's clients are shared, as botocore allows), and refusals are said in the
modules' order.

On a sandbox that has answered reads only since it started (or was reset), nothing exists that
anyone made, so there is nothing to refuse and nothing is planned ahead (sandbox/changes.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from . import steps
from .ownership import ForeignResource, ForeignResources

SIDE_BY_SIDE = 4  # modules planned at once: enough to keep the backend busy while we wait on it


def refuse_foreign(ctx, modules) -> None:
    if not modules or _untouched_sandbox(ctx.backend):
        return
    with ThreadPoolExecutor(max_workers=min(SIDE_BY_SIDE, len(modules)), thread_name_prefix="preflight") as pool:
        refused = [exc for found in pool.map(lambda module: _refusals(ctx, module), modules) for exc in found]
    if refused:
        raise ForeignResources(refused)


def _untouched_sandbox(backend) -> bool:
    control = backend.sandbox_control() if backend is not None else None
    return control is not None and control.untouched()


def _refusals(ctx, module) -> list[ForeignResource]:
    import botocore.exceptions

    from .errors import WorkshopError

    planning = replace(ctx, dry_run=True, module_id=module.id)  # shares what the run has seen so far
    refused: list[ForeignResource] = []
    for step in module.steps:
        try:
            steps.KINDS[step.kind].plan(planning, step.args)
        except ForeignResource as exc:
            refused.append(exc)
        except (WorkshopError, botocore.exceptions.ClientError, LookupError):
            pass  # needs what an earlier step makes: planned for real in its turn
    return refused
