"""The typer application: its help, the global options every command shares, and the command groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import typer

from .. import __version__
from .coercion import defer_typer_adapters

defer_typer_adapters()  # before any command parses its options


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
        text = (Path(__file__).parent.parent / "scenarios.yaml").read_text()
    except OSError:
        return ""
    return ", ".join(re.findall(r"^  - id: ([\w-]+)", text, re.M))


HELP += f"\n\b\nModules, in order: {_module_ids()}\n"
MODULE_HELP = f"A module id: {_module_ids()}."
JSON_HELP = "Print one JSON document."

def _plain_help_names() -> None:
    """typer 0.29 writes Python types (`MODULE <list[str]>`, `--bus <str>`) and `{MODULE}` or
    `[[MODULE]]` in help and usage lines. Show what a learner types instead: `--bus BUS`,
    `--backend [sandbox|aws]`, `MODULE`, `[MODULE]...`."""
    core = typer.core

    def display_type(self, ctx) -> str:
        choices = self.type_descriptor.choices
        if choices:
            return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
        if isinstance(self, core.TyperArgument):
            return ""  # the argument's name says it
        return self.metavar or (self.name or "").upper()

    def usage_name(self) -> str:
        name = self.display_name_raw.strip("[]{}")
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    for kind in (core.TyperArgument, core.TyperOption):
        kind.display_type = display_type
    core.TyperArgument._usage_display_name = usage_name
    core.TyperArgument._rich_display_name = lambda self: self.display_name_raw.strip("[]{}") + ("..." if self.nargs != 1 else "")


_plain_help_names()



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
    backend: Optional[Literal["sandbox", "aws"]] = typer.Option(None, "--backend", help="Where to run (env WORKSHOP_BACKEND; default sandbox)."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", help="Any AWS-compatible endpoint (LocalStack, a moto server); AWS_ENDPOINT_URL is honoured."),
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile, as in the AWS CLI."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: your config, else us-east-1)."),
    state_dir: Optional[str] = typer.Option(None, "--state-dir", help="Where the ledger and sandbox record live (env WORKSHOP_STATE_DIR; default the XDG state dir)."),
    scenarios: Optional[str] = typer.Option(None, "--scenarios", help="Run another scenarios file instead of the built-in workshop."),
    debug: bool = typer.Option(False, "--debug", help="Show a plain traceback on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
):
    from ..paths import set_state_dir

    G.backend, G.endpoint_url, G.profile, G.region, G.scenarios, G.debug = backend, endpoint_url, profile, region, scenarios, debug
    if region is not None:  # every command, before any request (selftest and modules included)
        from ..backend import check_region

        check_region(region, "--region")
    set_state_dir(state_dir)
