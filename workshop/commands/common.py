"""What the commands share: building the UI, backend, scenario and context; completion; the state lock.
"""

from __future__ import annotations

import os

import typer

from ..errors import BadInput
from .app import G


# completion ---------------------------------------------------------------------------------------
def complete_modules(incomplete: str) -> list[str]:
    try:
        return [m.id for m in load_scenario().modules if m.id.startswith(incomplete)]
    except Exception:  # completion must never print an error into the shell
        return []


def complete_samples(incomplete: str) -> list[str]:
    try:
        return [name for name in load_scenario().samples if name.startswith(incomplete)]
    except Exception:
        return []


def complete_log_groups(incomplete: str) -> list[str]:
    """The workshop's own log groups (from the scenario), without calling any backend."""
    try:
        import re

        text = open(scenario_path()).read()
        groups = set(re.findall(r"(/aws/events/[A-Za-z0-9_./-]*[A-Za-z0-9_])", text)) | {
            f"/aws/lambda/{name}" for name in re.findall(r"lambda_function:\s*\{?\s*name:\s*([A-Za-z0-9_-]+)", text)}
        return sorted(g for g in groups if g.startswith(incomplete))
    except Exception:
        return []


def scenario_path() -> str:
    from .. import scenario

    return G.scenarios or str(scenario.default_path())


# helpers ------------------------------------------------------------------------------------------
def make_ui(json_mode: bool = False, yes: bool = False, quiet: bool = False):
    from ..ui import UI

    return UI(json_mode=json_mode, assume_yes=yes, quiet=quiet)


def open_backend(ui):
    from ..backend import Backend, choose

    choice = choose(G.backend, G.endpoint_url, G.profile, G.region)
    G.current = Backend(choice, on_sandbox_start=lambda url: ui.say(f"[dim]Started the local sandbox at {url}[/]"),
                        on_note=lambda message: ui.step_note(message, "info"), freeze_clients=True)
    return G.current


def load_scenario():
    from .. import scenario

    return scenario.load(G.scenarios)


def make_context(backend, ui, scenario, dry_run: bool = False):
    from ..context import Context

    deadline = 15.0 if backend.choice.kind == "sandbox" else 90.0

    if os.environ.get("WORKSHOP_VERIFY_TIMEOUT"):
        deadline = float(os.environ["WORKSHOP_VERIFY_TIMEOUT"])
    return Context(backend=backend, ui=ui, scenario=scenario, dry_run=dry_run, deadline_s=deadline)


def progress_of(backend, ui=None):
    from ..progress import Progress

    return Progress(backend.scope, on_problem=(lambda m: ui.step_note(m, "warn")) if ui else None)


def one_writer(ui, command: str):
    """Commands that change what the state dir records hold its lock (see state_lock.py)."""
    from .. import state_lock

    return state_lock.held(command, on_wait=lambda message: ui.step_note(message, "info"))


def settle_intents(backend, ui) -> None:
    """Creates an interrupted run wrote ahead but never saw answered: recorded if they happened."""
    from ..intents import resolve

    for sentence in resolve(backend):
        ui.step_note(sentence, "info")


def confirm_real_aws(backend, ui, what: str) -> None:
    """Real AWS costs money: ask first, unless --yes."""
    if not backend.choice.touches_real_aws or ui.assume_yes:
        return
    if not ui.interactive:
        raise BadInput(f"Refusing to {what} on real AWS without confirmation: add --yes.")
    if not ui.confirm(f"This will {what} in {backend.describe()}, account {backend.account}. Continue?", default=False):
        raise typer.Exit(1)
