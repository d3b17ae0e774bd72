"""`workshop sandbox start|stop|status|reset|tick`.
"""

from __future__ import annotations

import typer

from .app import JSON_HELP, sandbox_app
from .common import make_ui, one_writer


# sandbox ------------------------------------------------------------------------------------------
@sandbox_app.command("start")
def sandbox_start(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)):
    """Start the sandbox (does nothing if one is running).  Example: workshop sandbox start"""
    from .. import sandbox
    from ..backend import start_sandbox

    ui = make_ui(json_out)
    before = sandbox.status()
    info, started = start_sandbox(on_wait=lambda message: ui.step_note(message, "info"))
    if json_out:
        ui.emit_json(info.as_json())
    else:
        if before.problem:
            ui.say(f"[yellow]Note:[/] {before.problem}; started a new one.")
        ui.say(f"{'Started' if started else 'Already running:'} sandbox at {info.endpoint_url} (pid {info.pid}).")


@sandbox_app.command("stop")
def sandbox_stop(json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
                 yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask first, even at a terminal.")):
    """Stop the sandbox and everything it started: its resources go, your progress stays.

    At a terminal it asks first when modules are deployed on it. Afterwards `workshop modules`
    shows them as verified but not deployed now.

    \b
    Example:  workshop sandbox stop --yes
    """
    from .. import sandbox
    from ..ledger import clear_backend
    from ..progress import sandbox_progress

    ui = make_ui(json_out, yes)
    deployed = _deployed_on_sandbox(sandbox_progress())
    if deployed and ui.interactive and sandbox.status().running:
        if not ui.confirm(f"Stop the sandbox? The resources of {', '.join(deployed)} go with it "
                          "(your progress is kept).", default=False):
            ui.say("The sandbox is still running.")
            raise typer.Exit(1)
    info = sandbox.stop()
    clear_backend("sandbox")  # what it held is gone: the ledger and progress say so
    for progress in sandbox_progress():
        progress.forget_deployments()
    if json_out:
        ui.emit_json({"running": False, "endpoint_url": None, "pid": None, "stopped_pid": info.pid,
                      "not_deployed_now": deployed})
    else:
        ui.say(f"Stopped the sandbox (pid {info.pid}). Its resources are gone; your progress is kept "
               "(`workshop modules` shows it, not deployed now), and `workshop run --all --yes` rebuilds everything."
               if info.pid else "The sandbox was not running.")


def _deployed_on_sandbox(progresses) -> list[str]:
    from ..paths import DamagedStateFile

    deployed = set()
    for progress in progresses:
        try:
            deployed |= {m for m, e in progress.all().items() if e.get("deployed") and not e.get("gone")}
        except DamagedStateFile:
            continue
    return sorted(deployed)


@sandbox_app.command("status")
def sandbox_status(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)):
    """Is the sandbox running, and where?  Example: workshop sandbox status --json"""
    from .. import sandbox

    ui = make_ui(json_out)
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
def sandbox_reset(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)):
    """Empty the sandbox: every resource, event and log is gone.  Example: workshop sandbox reset"""
    from .. import sandbox
    from ..ledger import clear_backend
    from ..paths import state_dir

    ui = make_ui(json_out)
    with one_writer(ui, "sandbox reset"):
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
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Advance the sandbox clock; schedule rules fire for every minute passed.

    \b
    Example:  workshop sandbox tick --minutes 5
    """
    from .. import sandbox

    ui = make_ui(json_out)
    result = sandbox.tick(minutes)
    if json_out:
        ui.emit_json(result)
    else:
        ui.say(f"Sandbox clock moved from {result['from']} to {result['to']}; {result['fired']} scheduled event(s) fired.")
