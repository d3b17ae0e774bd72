"""Authoring commands (their own help section): selftest.
"""

from __future__ import annotations

from typing import List, Optional

import typer

from .app import JSON_HELP, MODULE_HELP, G, app
from .common import complete_modules, load_scenario, make_context, make_ui


# selftest -------------------------------------------------------------------------------------------
@app.command(rich_help_panel="Authoring")
def selftest(
    module_ids: Optional[List[str]] = typer.Argument(None, metavar="MODULE", autocompletion=complete_modules, help="Module ids (default: every module).  " + MODULE_HELP),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Prove the scenario's checks on a fresh, private sandbox: each fails before its step, passes after.

    \b
    Example:  workshop selftest event-bus
    """
    import tempfile

    from .. import paths, sandbox
    from ..backend import Backend, BackendChoice
    from ..runner import Runner

    ui = make_ui(json_out, yes=True)
    scenario = load_scenario()
    wanted = list(module_ids) if module_ids else [m.id for m in scenario.modules]
    for module_id in wanted:
        scenario.module(module_id)
    with tempfile.TemporaryDirectory(prefix="workshop-selftest-") as private, paths.state_dir_for_now(private):
        try:
            backend = Backend(BackendChoice("sandbox", region=G.region),
                              on_sandbox_start=lambda url: ui.say(f"[dim]Started a private sandbox at {url}[/]"),
                              on_note=lambda message: ui.step_note(message, "info"))
            ctx = make_context(backend, ui, scenario)
            runner = Runner(ctx)
            result = runner.selftest(runner.with_requirements(wanted))
        finally:
            sandbox.stop()
    if json_out:
        ui.emit_json(result.as_json())
    else:
        ui.say(result.summary())
    raise typer.Exit(0 if result.passed else 1)
