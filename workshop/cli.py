"""The `workshop` command line: parses, picks the backend, calls the runner, renders results.

Exit codes: 0 success; 1 a verification failed; 2 bad input; 3 backend unreachable or
credentials/permissions missing; 130 interrupted. Heavy libraries (boto3, moto, questionary) are
imported only by the commands that need them, so `workshop --help` starts fast.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def _interrupted_while_starting(signum, frame):
    sys.stderr.write("Error: Interrupted.\n")
    if "--json" in sys.argv[1:]:
        sys.stdout.write('{"error": {"type": "Interrupted", "message": "Interrupted."}, "exit_code": 130}\n')
        sys.stdout.flush()
    os._exit(130)


# Ctrl-C while the libraries below load (before main() can catch it): exit 130, no traceback.
# Restored at the end of this module, so importing it elsewhere changes nothing.
_STARTUP_GUARD = (threading.current_thread() is threading.main_thread()
                  and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
if _STARTUP_GUARD:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import List, Optional  # noqa: E402

import typer  # noqa: E402

from . import __version__  # noqa: E402
from .errors import BadInput, WorkshopError  # noqa: E402

HELP = """Run the Amazon EventBridge workshop "Building an Event-driven architecture" end to end.

By default everything runs on an embedded local sandbox: no AWS account, no network.

\b
Examples:
  workshop run --all --yes            run every module on the sandbox and verify it
  workshop run event-bus              one module (and what it requires)
  workshop verify event-bus --json    prove it works; exit 1 names the failing check
  workshop pattern test '{"source":["com.aws.orders"]}' @event.json
  workshop logs /aws/events/orders --follow
  workshop cleanup --yes              delete exactly what workshop created
  workshop --backend aws --profile dev run event-bus
"""

def _module_ids() -> str:
    """The built-in workshop's module ids, read without loading YAML (help must start fast)."""
    import re
    from pathlib import Path

    try:
        text = (Path(__file__).parent / "scenarios.yaml").read_text()
    except OSError:
        return ""
    return ", ".join(re.findall(r"^  - id: ([\w-]+)", text, re.M))


HELP += f"\n\b\nModules, in order: {_module_ids()}\n"

class _SectionedGroup(typer.core.TyperGroup):
    """Help lists the learner's commands first and authoring tools (rich_help_panel) in their own section."""

    def format_commands(self, ctx, formatter) -> None:
        sections: dict[str, list] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                panel = getattr(command, "rich_help_panel", None) or "Commands"
                sections.setdefault(panel, []).append((name, command))
        if not sections:
            return
        limit = formatter.width - 6 - max(len(name) for rows in sections.values() for name, _ in rows)
        for panel, rows in sorted(sections.items(), key=lambda item: item[0] != "Commands"):
            with formatter.section(panel if panel == "Commands" else f"{panel} commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


app = typer.Typer(cls=_SectionedGroup, help=HELP, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  context_settings={"help_option_names": ["--help", "-h"]}, rich_markup_mode=None)
sandbox_app = typer.Typer(help="Manage the embedded local sandbox (a background process on 127.0.0.1).",
                          no_args_is_help=True)
pattern_app = typer.Typer(help="Test and explain event patterns locally, with EventBridge's exact semantics.",
                          no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(pattern_app, name="pattern")

GLOBAL_OPTIONS = {"--backend", "--endpoint-url", "--profile", "--region", "--state-dir", "--scenarios"}
GLOBAL_FLAGS = {"--debug"}


@dataclass
class Globals:
    backend: Optional[str] = None
    endpoint_url: Optional[str] = None
    profile: Optional[str] = None
    region: Optional[str] = None
    scenarios: Optional[str] = None
    debug: bool = False
    current: object = None  # the backend in use, so errors can say where they happened


G = Globals()


def _version(value: bool):
    if value:
        typer.echo(f"workshop {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    backend: Optional[str] = typer.Option(None, "--backend", metavar="sandbox|aws", autocompletion=lambda: ["sandbox", "aws"], help="sandbox or aws (env WORKSHOP_BACKEND; default sandbox)."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", help="Any AWS-compatible endpoint (LocalStack, a moto server); AWS_ENDPOINT_URL is honoured."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile, as in the AWS CLI."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: your config, else us-east-1)."),
    state_dir: Optional[str] = typer.Option(None, "--state-dir", help="Where the ledger and sandbox record live (env WORKSHOP_STATE_DIR; default the XDG state dir)."),
    scenarios: Optional[str] = typer.Option(None, "--scenarios", help="Run another scenarios file instead of the built-in workshop."),
    debug: bool = typer.Option(False, "--debug", help="Show a plain traceback on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
):
    from .paths import set_state_dir

    G.backend, G.endpoint_url, G.profile, G.region, G.scenarios, G.debug = backend, endpoint_url, profile, region, scenarios, debug
    if region is not None:  # every command, before any request (selftest and modules included)
        from .backend import check_region

        check_region(region, "--region")
    set_state_dir(state_dir)


# completion ---------------------------------------------------------------------------------------
def _complete_modules(incomplete: str) -> list[str]:
    try:
        return [m.id for m in _scenario().modules if m.id.startswith(incomplete)]
    except Exception:  # completion must never print an error into the shell
        return []


def _complete_samples(incomplete: str) -> list[str]:
    try:
        return [name for name in _scenario().samples if name.startswith(incomplete)]
    except Exception:
        return []


def _complete_log_groups(incomplete: str) -> list[str]:
    """The workshop's own log groups (from the scenario), without calling any backend."""
    try:
        import re

        text = open(_scenario_path()).read()
        groups = set(re.findall(r"(/aws/events/[A-Za-z0-9_./-]*[A-Za-z0-9_])", text)) | {
            f"/aws/lambda/{name}" for name in re.findall(r"lambda_function:\s*\{?\s*name:\s*([A-Za-z0-9_-]+)", text)}
        return sorted(g for g in groups if g.startswith(incomplete))
    except Exception:
        return []


def _scenario_path() -> str:
    from . import scenario

    return G.scenarios or str(scenario.default_path())


# helpers ------------------------------------------------------------------------------------------
def _ui(json_mode: bool = False, yes: bool = False):
    from .ui import UI

    return UI(json_mode=json_mode, assume_yes=yes)


def _backend(ui):
    from .backend import Backend, choose

    choice = choose(G.backend, G.endpoint_url, G.profile, G.region)
    G.current = Backend(choice, on_sandbox_start=lambda url: ui.say(f"[dim]Started the local sandbox at {url}[/]"),
                        on_note=lambda message: ui.step_note(message, "info"))
    return G.current


def _scenario():
    from . import scenario

    return scenario.load(G.scenarios)


def _context(backend, ui, scenario, dry_run: bool = False):
    from .context import Context

    deadline = 15.0 if backend.choice.kind == "sandbox" else 90.0

    if os.environ.get("WORKSHOP_VERIFY_TIMEOUT"):
        deadline = float(os.environ["WORKSHOP_VERIFY_TIMEOUT"])
    return Context(backend=backend, ui=ui, scenario=scenario, dry_run=dry_run, deadline_s=deadline)


def _progress(backend, ui=None):
    from .progress import Progress

    return Progress(backend.scope, on_problem=(lambda m: ui.step_note(m, "warn")) if ui else None)


def _one_writer(ui, command: str):
    """Commands that change what the state dir records hold its lock (see state_lock.py)."""
    from . import state_lock

    return state_lock.held(command, on_wait=lambda message: ui.step_note(message, "info"))


def _settle_intents(backend, ui) -> None:
    """Creates an interrupted run wrote ahead but never saw answered: recorded if they happened."""
    from .intents import resolve

    for sentence in resolve(backend):
        ui.step_note(sentence, "info")


def _confirm_real_aws(backend, ui, what: str) -> None:
    """Real AWS costs money: ask first, unless --yes."""
    if not backend.choice.touches_real_aws or ui.assume_yes:
        return
    if not ui.interactive:
        raise BadInput(f"Refusing to {what} on real AWS without confirmation: add --yes.")
    if not ui.confirm(f"This will {what} in {backend.describe()}, account {backend.account}. Continue?", default=False):
        raise typer.Exit(1)


# modules / run / verify ---------------------------------------------------------------------------
@app.command()
def modules(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")):
    """List the workshop's modules and challenges, with their state on the current backend.

    \b
    Example:  workshop modules --json
    """
    from . import place

    scenario = _scenario()
    ui = _ui(json_out)
    view = place.overview(scenario, _sandbox_progress(ui))
    if json_out:
        ui.emit_json(view)
        return
    ui.table(f"Workshop modules: {place.headline(view)}", ["id", "title", "state", "challenges"],
             [[r["id"], r["title"], r["state"], ", ".join(place.challenge_label(c) for c in r["challenges"])]
              for r in view["modules"]])
    ui.say(f"Next: [bold]{view['next']}[/]" if view["next"] else "Every module is done: `workshop reset MODULE` takes one again.")


def _sandbox_progress(ui=None) -> dict:
    """Progress on the sandbox, read without starting it (its account is fixed); {} elsewhere."""
    try:
        from .backend import choose
        from .ledger import Scope
        from .progress import Progress

        choice = choose(G.backend, G.endpoint_url, G.profile, G.region)
        if choice.is_sandbox:
            region = G.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
            return Progress(Scope("sandbox", "123456789012", region)).all()
        if choice.kind == "endpoint":  # its progress is kept under its own scope (account from STS)
            from .backend import Backend

            return Progress(Backend(choice).scope).all()
    except Exception as exc:  # the list still shows, without states, when the backend cannot say
        from .paths import DamagedStateFile

        if isinstance(exc, DamagedStateFile) and ui is not None:
            ui.step_note(str(exc), "warn")
        elif not isinstance(exc, WorkshopError) and not type(exc).__module__.startswith("botocore"):
            raise
    return {}


@app.command()
def run(
    module_ids: Optional[List[str]] = typer.Argument(None, metavar="MODULE", autocompletion=_complete_modules, help="Module ids (see `workshop modules`)."),
    all_modules: bool = typer.Option(False, "--all", help="Run every module in order."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Non-interactive: no prompts, reference solutions for challenges."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan (API calls, secrets masked); change nothing."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
    adopt: bool = typer.Option(False, "--adopt", help="Take over same-name resources workshop did not create (cleanup restores them)."),
):
    """Create a module's resources, publish its events, and verify delivery.

    \b
    Examples:
      workshop run event-bus
      workshop run --all --yes --json
      workshop run step-functions --dry-run
    """
    from .runner import Runner

    ui = _ui(json_out, yes)
    scenario = _scenario()
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

    with nullcontext() if dry_run else _one_writer(ui, "run " + " ".join(wanted)):
        backend = _backend(ui)
        account = backend.account  # reach the backend (and know it answers like AWS) before saying anything
        ui.say(f"Backend: {backend.describe()}, account {account}")
        if not dry_run:
            _confirm_real_aws(backend, ui, "create workshop resources (billable)")
            _settle_intents(backend, ui)
        ctx = _context(backend, ui, scenario, dry_run)
        ctx.adopt = adopt
        runner = Runner(ctx, None if dry_run else _progress(backend, ui))
        started = time.monotonic()
        if not dry_run:
            from .preflight import refuse_foreign

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
            from .place import say_next

            say_next(ui, scenario, runner.progress.all(), wanted)
    raise typer.Exit(code)


def _summary(ui, results, errors=()) -> None:
    """Once, at the end: a count per module, and only the failed checks again (each was shown above)."""
    failed_rows = []
    for result in results:
        passed = sum(c.passed for c in result.checks)
        could_not = f" ({len(result.could_not_run)} could not run here)" if result.could_not_run else ""
        ui.say(f"{result.module}: {passed} of {len(result.checks)} checks passed{could_not}" if result.checks else
               f"{result.module}: deployed (no checks)")
        failed_rows += [[result.module, c.name, c.detail] for c in result.checks if c.status == "failed"]
    failed_rows += [[e["module"], "(not run)" if e["type"] == "skipped" else "(error)", e["message"]] for e in errors]
    if failed_rows:
        ui.table("Failed checks", ["module", "check", "detail"], failed_rows)
    failed = [r.module for r in results if not r.passed] + [e["module"] for e in errors if e["type"] != "skipped"]
    could_not = sum(len(r.could_not_run) for r in results)
    if failed:
        ui.say(f"[red]Failed:[/] {', '.join(failed)}: see the hints above.")
        stopped = [e for e in errors if e["type"] != "skipped"]
        if stopped:  # the contract's one sentence, last, where scripts and people look for it
            ui.error(stopped[0]["message"])
    elif could_not:
        ui.say(f"[green]Every check that can run here passed;[/] [yellow]{could_not} could not run on this backend[/] "
               "(unsupported or unverifiable, see why above; `workshop doctor` shows what it can do).")
    else:
        ui.say("[green]All checks passed.[/]")


@app.command("verify")
def verify_cmd(
    module_id: str = typer.Argument(..., metavar="MODULE", autocompletion=_complete_modules),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Check a module: what is deployed, and what it does (publishes its events and polls).

    Exit 0 when every check that can run here passes, 1 when one fails (the failing check is named).
    A check this backend cannot support, or that cannot be proved now, is not a pass: it is
    reported as unsupported or unverifiable, with the reason.

    \b
    Example:  workshop verify event-bus --json
    """
    from .runner import Runner

    ui = _ui(json_out, yes=True)
    scenario = _scenario()
    module = scenario.module(module_id)
    backend = _backend(ui)
    ctx = _context(backend, ui, scenario)
    progress = _progress(backend, ui)
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
        from .place import say_next

        say_next(ui, scenario, progress.all(), [module.id])
    raise typer.Exit(0 if result.passed else 1)


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
    from . import capabilities

    ui = _ui(json_out)
    backend = _backend(ui)
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


@app.command()
def hint(module_id: Optional[str] = typer.Argument(None, metavar="[MODULE]", autocompletion=_complete_modules, help="A module with a challenge (default: the one you are on).")):
    """The next hint of the current challenge: its hint, then what your pattern file gets wrong, then the way to the solution.

    \b
    Example:  workshop hint sns
    """
    from . import hints
    from .challenge import pattern_file

    scenario = _scenario()
    module_id, challenge = hints.for_module(scenario, module_id)
    file = pattern_file(module_id, challenge)
    typer.echo(f"{challenge.title}: {hints.next_hint(module_id, challenge, file if file.exists() else None, scenario.samples)}")


@app.command()
def reset(
    module_id: str = typer.Argument(..., metavar="MODULE", autocompletion=_complete_modules),
    yes: bool = typer.Option(False, "--yes", "-y", help="Also reset the modules that build on it, without asking."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Remove one module's own resources so it (and its challenge) can be taken again.

    Modules that build on it are named and asked about first. Your pattern file is kept as
    challenges/MODULE.json.previous.

    \b
    Example:  workshop reset sns && workshop run sns
    """
    from .reset import reset as reset_module

    ui = _ui(json_out, yes)
    scenario = _scenario()
    scenario.module(module_id)
    backend = _backend(ui)
    outcome = reset_module(backend, ui, scenario, _progress(backend), module_id, yes)
    if json_out:
        ui.emit_json(outcome)
    else:
        ui.say(f"Reset {', '.join(outcome['reset'])}: {len(outcome['deleted'])} resources removed."
               + (f" [red]{len(outcome['failed'])} could not be removed.[/]" if outcome["failed"] else ""))
        for path in outcome["pattern_files"]:
            ui.say(f"Your previous pattern is kept in {os.path.relpath(path)}.")
        ui.say(f"Next: [bold]workshop run {module_id}[/]")
    raise typer.Exit(1 if outcome["failed"] else 0)


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
    from . import cleanup as sweeper

    ui = _ui(json_out, yes)
    from contextlib import nullcontext

    with nullcontext() if dry_run else _one_writer(ui, "cleanup"):
        _cleanup(ui, json_out, dry_run, sweeper)


def _cleanup(ui, json_out: bool, dry_run: bool, sweeper) -> None:
    backend = _backend(ui)
    if not dry_run:
        _settle_intents(backend, ui)
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
        _progress(backend).clear()
    failed = [d for d in done if d.status == "failed"]
    if json_out:
        ui.emit_json({"dry_run": dry_run, "deleted": [d.as_json() for d in done if d.status in ("deleted", "gone", "planned")],
                      "failed": [d.as_json() for d in failed], "left": [d.as_json() for d in done if d.status == "left"]})
    elif not dry_run:
        kept = [d for d in done if d.status == "left"]
        ui.say(f"Deleted {len(done) - len(failed) - len(kept)} resources." + (f" Left {len(kept)} in place (see above)." if kept else "")
               + (f" [red]{len(failed)} could not be deleted.[/]" if failed else ""))
    raise typer.Exit(1 if failed else 0)


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")):
    """What workshop created, where, and in which state.

    \b
    Example:  workshop status --json
    """
    from . import outputs as stack_outputs

    from . import state_lock
    from .paths import DamagedStateFile

    ui = _ui(json_out)
    backend = _backend(ui)
    problems = []
    try:
        with state_lock.held("status", wait_s=0):  # settle interrupted creates, unless a run is busy now
            _settle_intents(backend, ui)
    except WorkshopError:
        pass
    try:
        resources = backend.ledger.resources()
    except DamagedStateFile as exc:
        resources, problems = [], problems + [str(exc)]
    try:
        progress = _progress(backend).all()
    except DamagedStateFile as exc:
        progress, problems = {}, problems + [str(exc)]
    # what a learner needs (ApiUrl first): the outputs of the modules that have run here
    declared = {name: output for module in _scenario().modules
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
        from .place import next_module

        first = next_module(_scenario(), progress)
        ui.say(f"workshop has created nothing here yet. Start with `workshop run {first.id if first else '--all'}`.")
        return
    ui.table("Created by workshop", ["kind", "name", "module"],
             [[r.kind, r.name + (" (being created, or interrupted)" if r.is_intent else ""), r.module] for r in resources])


@app.command("export")
def export_cmd(
    output_format: str = typer.Option("cloudformation", "--format", help="cloudformation (a JSON template) or cli (AWS CLI commands)."),
):
    """What you built, to take home: a CloudFormation template or AWS CLI commands (secrets as parameters).

    \b
    Example:  workshop export --format cloudformation > workshop.json
    """
    import json as _json

    from . import export

    if output_format not in ("cloudformation", "cli"):
        raise BadInput(f"Unknown export format '{output_format}': choose cloudformation or cli.")
    ui = _ui(False)
    backend = _backend(ui)
    ctx = _context(backend, ui, _scenario())
    built = export.collect(ctx)
    if not built.pieces:
        raise BadInput("workshop has built nothing here yet to export: run a module first (`workshop run event-bus`).")
    if output_format == "cloudformation":
        sys.stdout.write(_json.dumps(export.cloudformation(built), indent=2) + "\n")
    else:
        sys.stdout.write(export.cli(built))


# publish / logs -----------------------------------------------------------------------------------
@app.command()
def publish(
    bus: Optional[str] = typer.Option(None, "--bus", help="Event bus name (default: the sample's, else the scenario's events bus)."),
    source: Optional[str] = typer.Option(None, "--source", help="Event source (default: the sample's or the scenario's)."),
    detail_type: Optional[str] = typer.Option(None, "--detail-type", help="Detail type (default: the sample's or the scenario's)."),
    detail: Optional[str] = typer.Option(None, "--detail", help="The detail: inline JSON, @file.json, or - for stdin."),
    sample: Optional[str] = typer.Option(None, "--sample", autocompletion=_complete_samples, help="A sample event from the workshop (see scenarios)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Publish an event with PutEvents: the workshop's "Event Generator".

    \b
    Examples:
      workshop publish --sample lab-supplies-eu-west
      workshop publish --detail '{"category":"lab-supplies","value":415,"location":"us-east"}'
    """
    import json

    from .inputs import read_json_arg
    from .limits import check_event
    from .steps.plan import Executor
    from .steps.publish import EventRefused, put_events_call

    if (detail is None) == (sample is None):
        raise BadInput("Give exactly one of --detail JSON or --sample NAME.")
    ui = _ui(json_out, yes=True)
    scenario = _scenario()
    if sample is not None:
        if sample not in scenario.samples:
            raise BadInput(f"Unknown sample '{sample}': choose one of {', '.join(sorted(scenario.samples))}.")
        chosen = scenario.samples[sample]
        body, name = chosen.detail, sample
        bus = chosen.bus if bus is None else bus
        source = chosen.source if source is None else source
        detail_type = chosen.detail_type if detail_type is None else detail_type
    else:
        body, name = read_json_arg(detail, "detail"), "event"
        if not isinstance(body, dict):
            raise BadInput("--detail must be a JSON object, as EventBridge requires.")
    # an option given empty stays empty (and is refused below), it never falls back to a default
    defaults = scenario.events
    if defaults is None and None in (bus, source, detail_type):
        raise BadInput("The scenarios file names no default events: give --bus, --source and --detail-type.")
    bus = defaults.bus if bus is None else bus
    source = defaults.source if source is None else source
    detail_type = defaults.detail_type if detail_type is None else detail_type
    check_event(bus=bus, source=source, detail_type=detail_type, detail=json.dumps(body))
    backend = _backend(ui)
    ctx = _context(backend, ui, scenario)
    ui.quiet = json_out
    try:
        Executor(ctx).run([put_events_call(ctx, name, bus=bus, source=source, detail_type=detail_type, detail=body)])
    except EventRefused as exc:
        if exc.code == "ResourceNotFoundException":
            raise BadInput(f"There is no event bus {bus} in {backend.describe()}: run `workshop run event-bus`, or name another with --bus.") from None
        raise BadInput(str(exc)) from None
    event_id = ctx.published[name][-1]
    if json_out:
        ui.emit_json({"event_id": event_id, "bus": bus, "source": source, "detail_type": detail_type, "detail": body})
    else:
        typer.echo(event_id)


@app.command()
def trace(
    event_id: str = typer.Argument(..., metavar="EVENT_ID", help="An event id printed by publish, run or verify."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """The event's journey: every rule on its bus (matched or not, and why), each delivery and its evidence.

    \b
    Example:  workshop trace $(workshop publish --sample lab-supplies-eu-west)
    """
    from .trace import Tracer

    ui = _ui(json_out)
    document = Tracer(_backend(ui)).trace(event_id)
    if json_out:
        ui.emit_json(document)
    else:
        ui.print_trace(document)


def _parse_since(value: str) -> int:
    import re

    match = re.fullmatch(r"(\d+)\s*([smhd])", value.strip())
    if not match:
        raise BadInput(f"--since takes a duration like 30s, 10m, 2h or 1d (got '{value}').")
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds > time.time():  # CloudWatch Logs counts from 1970; before that is no time at all
        raise BadInput(f"--since {value} reaches back before 1970: give a shorter duration, such as 30d.")
    return int((time.time() - seconds) * 1000)


@app.command()
def logs(
    log_group: str = typer.Argument(..., metavar="LOG_GROUP", autocompletion=_complete_log_groups),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events until Ctrl-C."),
    since: str = typer.Option("10m", "--since", help="How far back to start: 30s, 10m, 2h, 1d."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document (not with --follow)."),
):
    """Print what EventBridge delivered to a log group; --follow tails it.

    \b
    Examples:
      workshop logs /aws/events/orders
      workshop logs /aws/events/orders --follow --since 1h
    """
    import json as jsonlib

    import botocore.exceptions

    from .aws.errors import is_not_found

    if follow and json_out:
        raise BadInput("--json prints one document, so it cannot be combined with --follow.")
    if not log_group.strip():
        raise BadInput("Name a log group, such as /aws/events/orders.")
    ui = _ui(json_out)
    start_ms = _parse_since(since)
    backend = _backend(ui)
    client = backend.client("logs")
    seen: set[str] = set()
    collected = []

    def fetch(from_ms: int) -> list[dict]:
        events = []
        try:
            for page in client.get_paginator("filter_log_events").paginate(logGroupName=log_group, startTime=from_ms):
                events.extend(page.get("events", []))
        except botocore.exceptions.ClientError as exc:
            if is_not_found(exc):
                raise BadInput(f"There is no log group {log_group} in {backend.describe()}.") from None
            raise
        return sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))

    def show(events: list[dict]) -> None:
        for event in events:
            key = event.get("eventId") or f"{event.get('logStreamName')}/{event.get('timestamp')}/{event.get('message')}"
            if key in seen:
                continue
            seen.add(key)
            if json_out:
                collected.append(event)
                continue
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event.get("timestamp", 0) / 1000))
            message = event.get("message", "")
            try:
                message = jsonlib.dumps(jsonlib.loads(message), indent=2)
            except ValueError:
                pass
            typer.echo(f"{stamp} {event.get('logStreamName', '')}\n{message}")

    show(fetch(start_ms))
    if json_out:
        ui.emit_json({"log_group": log_group, "events": collected})
        return
    if not follow:
        if not seen:
            ui.say(f"[dim]No events in {log_group} since {since} ago.[/]")
        return
    ui.say(f"[dim]Following {log_group}; Ctrl-C to stop.[/]")
    try:
        while True:
            time.sleep(1.0)
            show(fetch(start_ms))
    except KeyboardInterrupt:  # the documented way to stop: exit 130, nothing else to say
        sys.stdout.flush()
        sys.exit(130)


# pattern --------------------------------------------------------------------------------------------
def _pattern_and_events(pattern_arg: str, event_args: list[str], detail_only: bool, ui):
    from . import patterns
    from .inputs import complete_event, read_json_arg

    pattern = read_json_arg(pattern_arg, "pattern")
    try:
        matcher = patterns.compile(pattern)
    except patterns.InvalidPatternError as exc:
        raise BadInput(f"Invalid pattern: {exc}") from None
    from .render import envelope_notes

    events, filled_any, notes = [], set(), []
    for arg in event_args:
        raw = read_json_arg(arg, "event")
        event, filled = complete_event(raw, detail_only=detail_only)
        filled_any.update(filled)
        events.append(event)
        if not detail_only:
            notes += [n for n in envelope_notes(raw, filled) if n not in notes]
    if filled_any and not detail_only:
        ui.say(f"[dim]Filled envelope fields the event(s) lacked with defaults: {', '.join(sorted(filled_any))}[/]")
    for note in notes:
        ui.say(f"[yellow]Note:[/] {note}")
    return pattern, matcher, events


@pattern_app.command("test")
def pattern_test(
    pattern_arg: str = typer.Argument(..., metavar="PATTERN", help="Inline JSON, @file.json, or - for stdin."),
    event_args: List[str] = typer.Argument(..., metavar="EVENT", help="One or more events (inline JSON, @file.json, -)."),
    detail_only: bool = typer.Option(False, "--detail", help="The events are detail objects only; the envelope is filled."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Does the pattern match every event? Exit 0 all match, 1 one does not, 2 invalid pattern/event.

    \b
    Examples:
      workshop pattern test '{"detail":{"location":[{"prefix":"eu-"}]}}' --detail '{"location":"eu-west"}'
      workshop pattern test @pattern.json @event1.json @event2.json
    """
    ui = _ui(json_out)
    _, matcher, events = _pattern_and_events(pattern_arg, event_args, detail_only, ui)
    results = [matcher.matches(e) for e in events]
    if json_out:
        ui.emit_json({"matched": all(results), "results": [{"event": i, "matched": r} for i, r in enumerate(results, 1)]})
    else:
        for index, result in enumerate(results, 1):
            typer.echo(f"event {index}: {'match' if result else 'no match'}")
    raise typer.Exit(0 if all(results) else 1)


@pattern_app.command("explain")
def pattern_explain(
    pattern_arg: str = typer.Argument(..., metavar="PATTERN"),
    event_arg: str = typer.Argument(..., metavar="EVENT"),
    detail_only: bool = typer.Option(False, "--detail", help="The event is a detail object only; the envelope is filled."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
):
    """Why the pattern matches the event or not, field by field.

    \b
    Example:
      workshop pattern explain '{"detail":{"value":[{"numeric":[">",1000]}]}}' --detail '{"value":300}'
    """
    from . import patterns
    from .render import explanation_rows

    ui = _ui(json_out)
    pattern, _, events = _pattern_and_events(pattern_arg, [event_arg], detail_only, ui)
    explanation = patterns.explain(pattern, events[0])
    rows = explanation_rows(explanation)
    if json_out:
        ui.emit_json({"matched": explanation.matched, "summary": explanation.summary, "fields": rows})
    else:
        if explanation.summary:
            ui.say(explanation.summary)
        ui.table("Match" if explanation.matched else "No match", ["field", "pattern asks", "event has", "result"],
                 [[r["path"], r["expected"], r["actual"], ("ok" if r["matched"] else "FAILS: " + (r.get("reason") or ""))] for r in rows])
    raise typer.Exit(0 if explanation.matched else 1)


# sandbox ------------------------------------------------------------------------------------------
@sandbox_app.command("start")
def sandbox_start(json_out: bool = typer.Option(False, "--json")):
    """Start the sandbox (does nothing if one is running).  Example: workshop sandbox start"""
    from . import sandbox
    from .backend import start_sandbox

    ui = _ui(json_out)
    before = sandbox.status()
    info, started = start_sandbox(on_wait=lambda message: ui.step_note(message, "info"))
    if json_out:
        ui.emit_json(info.as_json())
    else:
        if before.problem:
            ui.say(f"[yellow]Note:[/] {before.problem}; started a new one.")
        ui.say(f"{'Started' if started else 'Already running:'} sandbox at {info.endpoint_url} (pid {info.pid}).")


@sandbox_app.command("stop")
def sandbox_stop(json_out: bool = typer.Option(False, "--json")):
    """Stop the sandbox and everything it started.  Example: workshop sandbox stop"""
    from . import sandbox

    ui = _ui(json_out)
    info = sandbox.stop()
    if json_out:
        ui.emit_json({"running": False, "endpoint_url": None, "pid": None, "stopped_pid": info.pid})
    else:
        ui.say(f"Stopped the sandbox (pid {info.pid}). Its resources are gone; your progress is kept "
               "(`workshop modules`), and `workshop run MODULE` rebuilds what a module needs." if info.pid
               else "The sandbox was not running.")


@sandbox_app.command("status")
def sandbox_status(json_out: bool = typer.Option(False, "--json")):
    """Is the sandbox running, and where?  Example: workshop sandbox status --json"""
    from . import sandbox

    ui = _ui(json_out)
    info = sandbox.status()
    if json_out:
        document = info.as_json()
        if info.problem:
            document["problem"] = info.problem
        ui.emit_json(document)
    elif info.running:
        ui.say(f"Running at {info.endpoint_url} (pid {info.pid}).")
    elif info.problem:
        ui.say(f"[yellow]Not running:[/] {info.problem}. Start a new one with `workshop sandbox start`.")
    else:
        ui.say("Not running. Any command that needs it starts it, or run `workshop sandbox start`.")
    raise typer.Exit(0 if info.running or not info.problem else 3)


@sandbox_app.command("reset")
def sandbox_reset(json_out: bool = typer.Option(False, "--json")):
    """Empty the sandbox: every resource, event and log is gone.  Example: workshop sandbox reset"""
    from . import sandbox
    from .ledger import clear_backend
    from .paths import state_dir

    ui = _ui(json_out)
    with _one_writer(ui, "sandbox reset"):
        info = sandbox.reset()
        clear_backend("sandbox")
        for path in (state_dir() / "progress").glob("sandbox-*.json"):
            path.unlink(missing_ok=True)
    if json_out:
        ui.emit_json(info.as_json())
    else:
        ui.say(f"The sandbox at {info.endpoint_url} is empty again.")


@sandbox_app.command("tick")
def sandbox_tick(
    minutes: int = typer.Option(1, "--minutes", "-m", min=1, max=44640, help="How far to move the clock."),
    json_out: bool = typer.Option(False, "--json"),
):
    """Advance the sandbox clock; schedule rules fire for every minute passed.

    \b
    Example:  workshop sandbox tick --minutes 5
    """
    from . import sandbox

    ui = _ui(json_out)
    result = sandbox.tick(minutes)
    if json_out:
        ui.emit_json(result)
    else:
        ui.say(f"Sandbox clock moved from {result['from']} to {result['to']}; {result['fired']} scheduled event(s) fired.")


# selftest -------------------------------------------------------------------------------------------
@app.command(rich_help_panel="Authoring")
def selftest(
    module_ids: Optional[List[str]] = typer.Argument(None, metavar="MODULE", autocompletion=_complete_modules),
    json_out: bool = typer.Option(False, "--json"),
):
    """Prove the scenario's checks on a fresh, private sandbox: each fails before its step, passes after.

    \b
    Example:  workshop selftest event-bus
    """
    import tempfile

    from . import paths, sandbox
    from .backend import Backend, BackendChoice
    from .runner import Runner

    ui = _ui(json_out, yes=True)
    scenario = _scenario()
    wanted = list(module_ids) if module_ids else [m.id for m in scenario.modules]
    for module_id in wanted:
        scenario.module(module_id)
    with tempfile.TemporaryDirectory(prefix="workshop-selftest-") as private:
        previous = paths._override
        paths.set_state_dir(private)
        try:
            backend = Backend(BackendChoice("sandbox", region=G.region),
                              on_sandbox_start=lambda url: ui.say(f"[dim]Started a private sandbox at {url}[/]"),
                              on_note=lambda message: ui.step_note(message, "info"))
            ctx = _context(backend, ui, scenario)
            runner = Runner(ctx)
            findings = runner.selftest(runner.with_requirements(wanted))
        finally:
            sandbox.stop()
            paths._override = previous
    ok = all(f["ok"] for f in findings)
    if json_out:
        ui.emit_json({"passed": ok, "checks": findings})
    else:
        bad = [f for f in findings if not f["ok"]]
        ui.say(f"{len(findings) - len(bad)} of {len(findings)} checks fail before their step and pass after.")
    raise typer.Exit(0 if ok else 1)


# entry point ----------------------------------------------------------------------------------------
class MissingOptionValue(Exception):
    """A global option ended the command line without its value (`workshop run x --region`)."""


def hoist_globals(argv: list[str]) -> list[str]:
    """Let global options stand anywhere, as in the AWS CLI (`workshop run x --region eu-west-1`)."""
    front, rest, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            elif i + 1 >= len(argv):
                raise MissingOptionValue(f"Option '{arg}' requires an argument.")
            else:
                front.extend(argv[i:i + 2])
                i += 1
        elif arg in GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Every run ends here: an exit code per the contract, one sentence on stderr, and under --json
    one JSON document, whatever went wrong (building the command included: Ctrl-C can land there)."""
    from . import exits

    code, json_mode, command = 0, False, None
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        json_mode = exits.wants_json(argv)
        command = typer.main.get_command(app)
        try:
            argv = hoist_globals(argv)
        except MissingOptionValue as exc:
            raise exits.usage_error(command, "workshop", str(exc)) from None
        result = command.main(args=argv, prog_name="workshop", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == exits.INTERRUPTED:  # typer turns Ctrl-C into Exit(130) itself
            code = exits.interrupted().show(json_mode)
    except SystemExit:
        raise
    except BaseException as exc:  # one sentence, never a traceback (unless --debug)
        if G.debug:
            import traceback

            traceback.print_exception(type(exc), exc, exc.__traceback__)
        try:
            code = exits.classify(exc, G.current, command, argv).show(json_mode)
        except KeyboardInterrupt:
            code = exits.INTERRUPTED
    sys.exit(code)


if _STARTUP_GUARD:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if __name__ == "__main__":
    main()
