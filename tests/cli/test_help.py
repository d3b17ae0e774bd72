"""Every command's --help reads as a learner types: no Python types (`<list[str]>`), no doubled
brackets (`[[MODULE]...]...`), no `{MODULE}`; module ids listed; --backend a choice."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from workshop import scenario
from workshop.commands import app

MODULES = [m.id for m in scenario.load().modules]


def _paths(command, path=()):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _paths(sub, path + (name,))


COMMANDS = list(_paths(typer.main.get_command(app)))
PYTHON_TYPE = re.compile(r"<(str|int|float|bool|list\[[^>]*\]|[a-z]+\[[^>]*\])>")


def _help(*path: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}, prog_name="workshop")
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_walked():
    names = {" ".join(p) for p in COMMANDS}
    assert {"run", "verify", "hint", "reset", "trace", "sandbox stop", "pattern test", "selftest", "export"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "workshop")
def test_help_shows_no_python_types_or_doubled_brackets(path):
    text = _help(*path)
    assert not PYTHON_TYPE.search(text), PYTHON_TYPE.search(text).group(0)
    usage = text.splitlines()[0]
    assert usage.startswith("Usage: workshop")
    assert "[[" not in usage and "]]" not in usage and "]...]" not in usage, usage
    assert not re.search(r"\{[A-Z_]+\}", usage), usage


def test_usage_lines_read_as_typed():
    assert _help("run").splitlines()[0] == "Usage: workshop run [OPTIONS] [MODULE]..."
    assert _help("verify").splitlines()[0] == "Usage: workshop verify [OPTIONS] MODULE"
    assert _help("hint").splitlines()[0] == "Usage: workshop hint [OPTIONS] [MODULE]"
    assert _help("pattern", "test").splitlines()[0] == "Usage: workshop pattern test [OPTIONS] PATTERN EVENT..."


def _unwrapped(text: str) -> str:
    return " ".join(re.sub(r"(\w-)\n\s*", r"\1", text).split())  # click wraps after a hyphen: event-/bus


def test_module_ids_are_listed_in_help():
    top = _unwrapped(_help())
    assert all(module in top for module in MODULES)
    for command in ("run", "verify", "reset", "selftest"):
        text = _unwrapped(_help(command))
        assert all(module in text for module in MODULES), command


def test_backend_and_export_format_are_choices():
    assert "--backend [sandbox|aws]" in _help()
    assert "--format [cloudformation|cli]" in _help("export")
    bad = CliRunner().invoke(app, ["--backend", "azure", "status"], prog_name="workshop")
    assert bad.exit_code == 2 and "'azure' is not one of 'sandbox', 'aws'" in bad.output


_OPTIONS_WITHOUT_VALUES = """
import atexit, sys
atexit.register(lambda: print("pydantic" in sys.modules))
from workshop import cli
cli.main(sys.argv[1:])
"""


def test_options_left_out_cost_no_validation_library_and_given_ones_are_still_checked(tmp_path):
    """typer's value checks load pydantic; a command whose options have no values never needs it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKSHOP_"))}
    env.update(WORKSHOP_STATE_DIR=str(tmp_path), NO_COLOR="1")

    def run(*args):
        return subprocess.run([sys.executable, "-c", _OPTIONS_WITHOUT_VALUES, *args], capture_output=True, text=True,
                              timeout=60, env=env)

    listed = run("modules", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1] == "False"
    refused = run("sandbox", "tick", "--minutes", "abc")
    assert refused.returncode == 2
    assert "Invalid value for '--minutes' / '-m': Input should be a valid integer" in refused.stderr
    assert refused.stdout.splitlines()[-1] == "True"
