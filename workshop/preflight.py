"""Before a run changes anything: every same-name resource it would have to change but did not make.

Each planner raises ForeignResource where it finds one (see ownership.py). This plans every step of
every module the run will take, without running anything (placeholders stand for what does not
exist yet, as in --dry-run), and stops with one sentence per refusal, so a run never stops halfway
through because of a resource someone else owns. A step that cannot be planned ahead (it reads
something an earlier step creates) is planned again, for real, when its turn comes.
"""

from __future__ import annotations

from . import steps
from .ownership import ForeignResource, ForeignResources


def refuse_foreign(ctx, modules) -> None:
    import botocore.exceptions

    from .errors import WorkshopError

    refused: list[ForeignResource] = []
    dry_run, module_id = ctx.dry_run, ctx.module_id
    ctx.dry_run = True
    try:
        for module in modules:
            ctx.module_id = module.id
            for step in module.steps:
                try:
                    steps.KINDS[step.kind].plan(ctx, step.args)
                except ForeignResource as exc:
                    refused.append(exc)
                except (WorkshopError, botocore.exceptions.ClientError, LookupError):
                    pass  # needs what an earlier step makes: planned for real in its turn
    finally:
        ctx.dry_run, ctx.module_id = dry_run, module_id
    if refused:
        raise ForeignResources(refused)
