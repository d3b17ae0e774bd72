"""Commands about the backend as a whole: cleanup, export, doctor.
"""

from __future__ import annotations

import sys
from typing import Literal
import time

import typer

from ..errors import BadInput
from .app import app
from .common import load_scenario, make_context, make_ui, one_writer, open_backend, progress_of, settle_intents


# cleanup / status ---------------------------------------------------------------------------------
@app.command()
def cleanup(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be deleted; delete nothing."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Delete everything workshop created on this backend, and nothing else.

    Resources that existed before workshop ran are never deleted. Safe to run twice.

    \b
    Example:  workshop cleanup --yes
    """
    from .. import cleanup as sweeper

    ui = make_ui(json_out, yes)
    from contextlib import nullcontext

    with nullcontext() if dry_run else one_writer(ui, "cleanup"):
        _cleanup(ui, json_out, dry_run, sweeper)


def _cleanup(ui, json_out: bool, dry_run: bool, sweeper) -> None:
    backend = open_backend(ui)
    if not dry_run:
        settle_intents(backend, ui)
    deletions = sweeper.planned(backend.ledger)
    if not deletions:
        if json_out:
            ui.emit_json({"deleted": [], "failed": [], "dry_run": dry_run})
        else:
            ui.say(f"Nothing to clean up: workshop has created nothing in {backend.describe()}.")
        return
    if not json_out:
        ui.table(f"To delete from {backend.describe()}", ["kind", "name", "module"],
                 [[d.resource.kind, d.resource.name, d.resource.module] for d in deletions], to_stdout=False)
    if not dry_run:
        if not ui.assume_yes:
            if not ui.interactive:
                raise BadInput("Refusing to delete without confirmation: add --yes (or run on a terminal).")
            if not ui.confirm(f"Delete these {len(deletions)} resources?", default=False):
                raise typer.Exit(1)
    done = sweeper.execute(backend, ui, deletions, dry_run=dry_run)
    if not dry_run and not backend.ledger.resources():
        progress_of(backend).clear()
    failed = [d for d in done if d.status == "failed"]
    if json_out:
        ui.emit_json({"dry_run": dry_run, "deleted": [d.as_json() for d in done if d.status in ("deleted", "gone", "planned")],
                      "failed": [d.as_json() for d in failed], "left": [d.as_json() for d in done if d.status == "left"]})
    elif not dry_run:
        kept = [d for d in done if d.status == "left"]
        ui.say(f"Deleted {len(done) - len(failed) - len(kept)} resources." + (f" Left {len(kept)} in place (see above)." if kept else "")
               + (f" [red]{len(failed)} could not be deleted.[/]" if failed else ""))
    raise typer.Exit(1 if failed else 0)


@app.command("export")
def export_cmd(
    output_format: Literal["cloudformation", "cli"] = typer.Option("cloudformation", "--format", help="cloudformation (a JSON template) or cli (AWS CLI commands)."),
):
    """What you built, to take home: a CloudFormation template or AWS CLI commands (secrets as parameters).

    \b
    Example:  workshop export --format cloudformation > workshop.json
    """
    import json as _json

    from .. import export

    if output_format not in ("cloudformation", "cli"):
        raise BadInput(f"Unknown export format '{output_format}': choose cloudformation or cli.")
    ui = make_ui(False)
    backend = open_backend(ui)
    ctx = make_context(backend, ui, load_scenario())
    built = export.collect(ctx)
    if not built.pieces:
        raise BadInput("workshop has built nothing here yet to export: run a module first (`workshop run event-bus`).")
    if output_format == "cloudformation":
        sys.stdout.write(_json.dumps(export.cloudformation(built), indent=2) + "\n")
    else:
        sys.stdout.write(export.cli(built))


@app.command()
def doctor(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")):
    """What the chosen backend can do, found with small probes that clean up after themselves.

    Each row is a capability the workshop's checks need; a check whose backend lacks one is
    reported as unsupported (with this reason) instead of failing. The answer is cached per backend
    in the state dir; running doctor again probes again. On AWS nothing is created: it only checks
    that the services answer with your credentials.

    \b
    Examples:
      workshop doctor
      workshop --endpoint-url http://127.0.0.1:4566 doctor --json
    """
    from .. import capabilities

    ui = make_ui(json_out)
    backend = open_backend(ui)
    ui.say(f"Probing {backend.describe()} (every probe removes what it made)...")
    started = time.monotonic()
    found = capabilities.probe_and_store(backend)
    rows = [found.rows[name] for name in capabilities.NAMES]
    if json_out:
        ui.emit_json(dict(found.as_json(), seconds=round(time.monotonic() - started, 3), endpoint_url=backend.endpoint_url,
                          backend_kind=backend.choice.kind))
        return
    for note in found.notes:
        ui.say(f"[dim]Note: {note}[/]")
    ui.table(f"What {backend.describe()} can do", ["capability", "yes/no", "how we know"],
             [[capabilities.NAMES[r.name], {True: "yes", False: "no", None: "unknown"}[r.supported], r.reason] for r in rows])
    lacking = [r for r in rows if r.supported is not True]
    ui.say(f"Probed in {time.monotonic() - started:.1f}s. " + (
        "Every check of the workshop can run here." if not lacking else
        f"{len(lacking)} capability(ies) missing: the checks that need them are reported as unsupported, not failed."))
