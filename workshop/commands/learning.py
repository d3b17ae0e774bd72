"""The learner's commands: modules, run, verify, hint, reset, status.
"""

from __future__ import annotations

import os
import time
from typing import List, Optional

import typer

from ..errors import BadInput, WorkshopError
from .app import MODULE_HELP, G, _module_ids, app
from .common import (complete_modules, confirm_real_aws, load_scenario, make_context, make_ui, one_writer, open_backend,
                     progress_of, settle_intents)


# modules / run / verify ---------------------------------------------------------------------------
@app.command()
def modules(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")):
    """List the workshop's modules and challenges, with their state on the current backend.

    \b
    Example:  workshop modules --json
    """
    from .. import place

    scenario = load_scenario()
    ui = make_ui(json_out)
    view = place.overview(scenario, _sandbox_progress(ui))
    if json_out:
        ui.emit_json(view)
        return
    ui.table(f"Workshop modules: {place.headline(view)}", ["id", "title", "state", "challenges"],
             [[r["id"], r["title"], r["state"], ", ".join(place.challenge_label(c) for c in r["challenges"])]
              for r in view["modules"]])
    first_challenge = next((m.id for m in scenario.modules if m.challenges), None)
    ui.say(f"Next: [bold]{view['next']}[/]" if view["next"] else
           f"Every module is done: `workshop reset {first_challenge}` takes its challenge again (any module id works).")


def _sandbox_progress(ui=None) -> dict:
    """Progress on the sandbox, read without starting it (its account is fixed); {} elsewhere."""
    try:
        from ..backend import choose
        from ..ledger import Scope
        from ..progress import Progress

        choice = choose(G.backend, G.endpoint_url, G.profile, G.region)
        if choice.is_sandbox:
            region = G.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
            return Progress(Scope("sandbox", "123456789012", region)).all()
        if choice.kind == "endpoint":  # its progress is kept under its own scope (account from STS)
            from ..backend import Backend

            return Progress(Backend(choice).scope).all()
    except Exception as exc:  # the list still shows, without states, when the backend cannot say
        from ..paths import DamagedStateFile

        if isinstance(exc, DamagedStateFile) and ui is not None:
            ui.step_note(str(exc), "warn")
        elif not isinstance(exc, WorkshopError) and not type(exc).__module__.startswith("botocore"):
            raise
    return {}


@app.command()
def run(
    module_ids: Optional[List[str]] = typer.Argument(None, metavar="MODULE", autocompletion=complete_modules, help=f"Module ids, in any order: {_module_ids()}."),
    all_modules: bool = typer.Option(False, "--all", help="Run every module in order."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Non-interactive: no prompts, reference solutions for challenges."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan (API calls, secrets masked); change nothing."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
    adopt: bool = typer.Option(False, "--adopt", help="Take over same-name resources workshop did not create (cleanup restores them)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="The minimum: failed checks with their hints, and the outcome."),
):
    """Create a module's resources, publish its events, and verify delivery.

    \b
    Examples:
      workshop run event-bus
      workshop run --all --yes --json
      workshop run step-functions --dry-run
    """
    from ..runner import Runner

    ui = make_ui(json_out, yes, quiet)
    scenario = load_scenario()
    if all_modules:
        wanted = [m.id for m in scenario.modules]
    elif module_ids:
        wanted = list(module_ids)
    elif ui.interactive:
        wanted = [ui.choose("Which module?", [(m.id, f"{m.id}: {m.title}") for m in scenario.modules])]
    else:
        raise BadInput("Name a module to run (see `workshop modules`), or use --all.")
    for module_id in wanted:
        scenario.module(module_id)  # unknown ids fail before anything is created
    from contextlib import nullcontext

    with nullcontext() if dry_run else one_writer(ui, "run " + " ".join(wanted)):
        backend = open_backend(ui)
        account = backend.account  # reach the backend (and know it answers like AWS) before saying anything
        ui.say(f"Backend: {backend.describe()}, account {account}")
        if not dry_run:
            confirm_real_aws(backend, ui, "create workshop resources (billable)")
            settle_intents(backend, ui)
        ctx = make_context(backend, ui, scenario, dry_run)
        ctx.adopt = adopt
        runner = Runner(ctx, None if dry_run else progress_of(backend, ui))
        started = time.monotonic()
        if not dry_run:
            from ..preflight import refuse_foreign

            refuse_foreign(ctx, runner.with_requirements(wanted))  # before changing anything
        results, errors = runner.run_all(runner.with_requirements(wanted), wanted)
    requested = [r for r in results if r.module in wanted]
    passed = all(r.passed for r in requested) and not errors
    code = 0 if passed else max([1] + [e["exit_code"] for e in errors])
    if json_out:
        document = {"passed": passed, "dry_run": dry_run, "seconds": round(time.monotonic() - started, 3),
                    "modules": [dict(r.as_json(), seconds=round(r.seconds, 3), actions=r.actions) for r in requested],
                    "errors": errors}
        if errors:  # the contract's error shape, for the first one; every module's result stays above
            document.update(error={"type": errors[0]["type"], "message": errors[0]["message"]}, exit_code=code)
        ui.emit_json(document)
    elif not dry_run:
        _summary(ui, requested, errors)
        if not errors:  # an error's sentence stays the last line
            from ..place import say_next

            say_next(ui, scenario, runner.progress.all(), wanted, last_published(runner.ctx))
    raise typer.Exit(code)


def last_published(ctx) -> str | None:
    """The id of the last event this command published, for a pasteable `workshop trace`."""
    ids = [i for found in ctx.published.values() for i in found]
    return ids[-1] if ids else None


def _summary(ui, results, errors=()) -> None:
    """Once, at the end: a count per module, and only the failed checks again (each was shown above)."""
    failed_rows = []
    alone = len(results) == 1 and not errors and results[0].status == "passed"  # the last line says it all
    for result in results:
        passed = sum(c.passed for c in result.checks)
        could_not = f" ({len(result.could_not_run)} could not run here)" if result.could_not_run else ""
        if not alone:
            ui.say(f"{result.module}: {passed} of {len(result.checks)} checks passed{could_not}" if result.checks else
                   f"{result.module}: deployed (no checks)")
        failed_rows += [[result.module, c.name, c.detail] for c in result.checks if c.status == "failed"]
    failed_rows += [[e["module"], "(not run)" if e["type"] == "skipped" else "(error)", e["message"]] for e in errors]
    if failed_rows and not ui.quiet:  # under --quiet the failed checks were the only lines shown
        ui.table("Failed checks", ["module", "check", "detail"], failed_rows)
    failed = [r.module for r in results if not r.passed] + [e["module"] for e in errors if e["type"] != "skipped"]
    could_not = sum(len(r.could_not_run) for r in results)
    count = sum(len(r.checks) for r in results)
    if failed:
        ui.result(f"[red]Failed:[/] {', '.join(failed)}: see the hints above.")
        stopped = [e for e in errors if e["type"] != "skipped"]
        if stopped:  # the contract's one sentence, last, where scripts and people look for it
            ui.error(stopped[0]["message"])
    elif could_not:
        ui.result(f"[green]Every check that can run here passed;[/] [yellow]{could_not} could not run on this backend[/] "
                  "(unsupported or unverifiable, see why above; `workshop doctor` shows what it can do).")
    else:
        ui.result(f"[green]All checks passed[/] ({count} checks, {len(results)} module{'s' * (len(results) != 1)}).")


@app.command("verify")
def verify_cmd(
    module_id: str = typer.Argument(..., metavar="MODULE", autocompletion=complete_modules, help=MODULE_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="The minimum: failed checks with their hints, and the outcome."),
):
    """Check a module: what is deployed, and what it does (publishes its events and polls).

    Exit 0 when every check that can run here passes, 1 when one fails (the failing check is named).
    A check this backend cannot support, or that cannot be proved now, is not a pass: it is
    reported as unsupported or unverifiable, with the reason.

    \b
    Example:  workshop verify event-bus --json
    """
    from ..runner import Runner

    ui = make_ui(json_out, yes=True, quiet=quiet)
    scenario = load_scenario()
    module = scenario.module(module_id)
    backend = open_backend(ui)
    ctx = make_context(backend, ui, scenario)
    progress = progress_of(backend, ui)
    runner = Runner(ctx, progress)
    try:
        result = runner.verify(module)
    except Exception as exc:  # an old "verified" must not outlive a verify that could not finish
        runner.record_error(module.id, str(exc) or type(exc).__name__)
        raise
    if json_out:
        ui.emit_json(result.as_json())
    else:
        _summary(ui, [result])
        from ..place import say_next

        say_next(ui, scenario, progress.all(), [module.id], last_published(ctx))
    raise typer.Exit(0 if result.passed else 1)


@app.command()
def hint(module_id: Optional[str] = typer.Argument(None, metavar="MODULE", autocompletion=complete_modules, help="A module with a challenge (default: the one you are on): api-destination, step-functions, sns, ...")):
    """The next hint of the current challenge: its hint, then what your pattern file gets wrong, then the way to the solution.

    \b
    Example:  workshop hint sns
    """
    from .. import hints
    from ..challenge import pattern_file

    scenario = load_scenario()
    module_id, challenge = hints.for_module(scenario, module_id)
    file = pattern_file(module_id, challenge)
    typer.echo(f"{challenge.title}: {hints.next_hint(module_id, challenge, file if file.exists() else None, scenario.samples)}")


@app.command()
def reset(
    module_id: str = typer.Argument(..., metavar="MODULE", autocompletion=complete_modules, help=MODULE_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Also reset the modules that build on it, without asking."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Remove one module's own resources so it (and its challenge) can be taken again.

    Modules that build on it are named and asked about first. Your pattern file is kept as
    challenges/MODULE.json.previous.

    \b
    Example:  workshop reset sns && workshop run sns
    """
    from ..reset import reset as reset_module

    ui = make_ui(json_out, yes)
    scenario = load_scenario()
    scenario.module(module_id)
    backend = open_backend(ui)
    outcome = reset_module(backend, ui, scenario, progress_of(backend), module_id, yes)
    if json_out:
        ui.emit_json(outcome)
    else:
        ui.say(f"Reset {', '.join(outcome['reset'])}: {len(outcome['deleted'])} resources removed."
               + (f" [red]{len(outcome['failed'])} could not be removed.[/]" if outcome["failed"] else ""))
        for path in outcome["pattern_files"]:
            ui.say(f"Your previous pattern is kept in {os.path.relpath(path)}.")
        ui.say(f"Next: [bold]workshop run {module_id}[/]")
    raise typer.Exit(1 if outcome["failed"] else 0)


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")):
    """What workshop created, where, and in which state.

    \b
    Example:  workshop status --json
    """
    from .. import outputs as stack_outputs

    from .. import state_lock
    from ..paths import DamagedStateFile

    ui = make_ui(json_out)
    backend = open_backend(ui)
    if backend.choice.is_sandbox:
        from .. import sandbox

        found = sandbox.status()
        if not found.running:  # a read-only command starts nothing: say what is kept
            return _status_while_stopped(ui, json_out, backend.region, found.problem)
    problems = []
    try:
        with state_lock.held("status", wait_s=0):  # settle interrupted creates, unless a run is busy now
            settle_intents(backend, ui)
    except WorkshopError:
        pass
    try:
        resources = backend.ledger.resources()
    except DamagedStateFile as exc:
        resources, problems = [], problems + [str(exc)]
    try:
        progress = progress_of(backend).all()
    except DamagedStateFile as exc:
        progress, problems = {}, problems + [str(exc)]
    # what a learner needs (ApiUrl first): the outputs of the modules that have run here
    declared = {name: output for module in load_scenario().modules
                if module.outputs and (module.id in progress or any(r.module == module.id for r in resources))
                for name, output in module.outputs.items()}
    outputs = stack_outputs.compute(backend, declared) if declared else {}
    document = {
        "backend": backend.choice.kind, "endpoint_url": backend.endpoint_url, "region": backend.region,
        "account": backend.account, "where": backend.describe(),
        "outputs": outputs,
        "modules": progress,
        "resources": [{"kind": r.kind, "name": r.name, "module": r.module} for r in resources],
    }
    if any(r.is_intent for r in resources):
        document["intents"] = [{"kind": r.kind, "name": r.name, "module": r.module} for r in resources if r.is_intent]
    if problems:
        document["problems"] = problems
    for problem in problems:
        ui.step_note(problem, "warn")
    if json_out:
        ui.emit_json(document)
        return
    ui.say(f"Backend: {backend.describe()}, account {backend.account}")
    if outputs:
        ui.table("Outputs", ["output", "value"], [[k, v] for k, v in outputs.items()])
    if not resources:
        from ..place import next_module

        first = next_module(load_scenario(), progress)
        ui.say(f"workshop has created nothing here yet. Start with `workshop run {first.id if first else '--all'}`.")
        return
    ui.table("Created by workshop", ["kind", "name", "module"],
             [[r.kind, r.name + (" (being created, or interrupted)" if r.is_intent else ""), r.module] for r in resources])


def _status_while_stopped(ui, json_out: bool, region: str, problem: str | None) -> None:
    """The sandbox is not running: nothing is deployed there, and the progress kept is shown as it is."""
    progress = _sandbox_progress(ui)  # read without starting it
    document = {"backend": "sandbox", "endpoint_url": None, "region": region, "account": "123456789012",
                "where": f"the local sandbox (not running, {region})", "outputs": {}, "modules": progress, "resources": []}
    if problem:  # e.g. it crashed, or its record is damaged: `workshop sandbox start` mends it
        document["problems"] = [problem]
        ui.step_note(problem, "warn")
    if json_out:
        ui.emit_json(document)
        return
    ui.say(f"Backend: {document['where']}")
    ui.say("Nothing is deployed while the sandbox is stopped; your progress is kept (`workshop modules` shows it). "
           "`workshop run --all --yes` starts the sandbox and rebuilds everything.")
