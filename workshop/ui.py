"""Everything a person sees: rich progress and tables on stderr, data on stdout, prompts on a TTY.

`--json` prints exactly one JSON document on stdout; progress still goes to stderr. Prompts appear
only on a terminal; `--yes` or no TTY means non-interactive with the reference solutions.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

_emitted = 0  # JSON documents printed on stdout by this process: --json owes exactly one


def documents_emitted() -> int:
    return _emitted


SYMBOLS = {"done": "[green]✓[/]", "exists": "[cyan]•[/]", "info": "[blue]i[/]", "warn": "[yellow]![/]",
           "fail": "[red]✗[/]", "plan": "[magenta]→[/]"}


def _color_system() -> str | None:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return None
    return "auto"


class UI:
    def __init__(self, *, json_mode: bool = False, assume_yes: bool = False, quiet: bool = False):
        force = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
        self.err = Console(stderr=True, color_system=_color_system(), force_terminal=force or None, highlight=False)
        self.out = Console(color_system=_color_system(), force_terminal=force or None, highlight=False, soft_wrap=True)
        # Tables and trees: wrapped on a terminal; never cut (one long line) when piped or redirected.
        self.out_wide = self._wide(self.out)
        self.err_wide = self._wide(self.err)
        self.json_mode = json_mode
        self.assume_yes = assume_yes
        self.quiet = quiet

    @staticmethod
    def _wide(console: Console) -> Console:
        if console.is_terminal:
            return Console(stderr=console.stderr, color_system=_color_system(), force_terminal=True, highlight=False)
        return Console(stderr=console.stderr, color_system=None, width=100_000, highlight=False)

    @property
    def interactive(self) -> bool:
        return not self.assume_yes and not self.json_mode and sys.stdin.isatty() and sys.stderr.isatty()

    # progress (stderr) -----------------------------------------------------------------------
    def say(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def heading(self, title: str, subtitle: str = "") -> None:
        if self.quiet:
            return
        self.err.rule(f"[bold]{escape(title)}[/]")
        if subtitle:
            self.indented(subtitle, 0)

    def indented(self, text: str, indent: int = 2, style: str = "") -> None:
        """Teaching text at normal intensity, wrapped to the terminal with its indentation kept."""
        if self.quiet:
            return
        from rich.padding import Padding
        from rich.text import Text

        self.err.print(Padding(Text(text.strip(), style=style), (0, 0, 0, indent), expand=False))

    def step(self, name: str, explain: str = "") -> None:
        if self.quiet:
            return
        self.err.print(f"[bold]{escape(name)}[/]")
        if explain:
            self.indented(explain, 2)

    def show_rule(self, pattern, schedule: str | None, targets: list[str]) -> None:
        """The pattern a rule step deployed (highlighted JSON) and where its targets are."""
        if self.quiet:
            return
        from rich.highlighter import JSONHighlighter
        from rich.padding import Padding
        from rich.text import Text

        text = Text("pattern  ", style="bold") if pattern is not None else Text("schedule ", style="bold")
        text.append_text(JSONHighlighter()(json.dumps(pattern)) if pattern is not None else Text(str(schedule)))
        text.append("\ntargets  ", style="bold")
        text.append(", ".join(targets) or "none")
        self.err.print(Padding(text, (0, 0, 0, 4), expand=False))

    def step_note(self, summary: str, kind: str = "done") -> None:
        if not self.quiet:
            self.err.print(f"  {SYMBOLS.get(kind, '•')} {escape(summary)}", markup=True)

    def plan_call(self, summary: str, service: str, operation: str, params: dict) -> None:
        if self.quiet:
            return
        self.err.print(f"  {SYMBOLS['plan']} {escape(summary)}")
        self.err.print(f"    [dim]{service}.{operation}({escape(json.dumps(params, default=str))})[/]", markup=True)

    def check_line(self, name: str, passed: bool, detail: str, hint: str = "") -> None:
        if self.quiet:
            return
        from rich.padding import Padding
        from rich.text import Text

        line = Text.from_markup(f"{SYMBOLS['done' if passed else 'fail']} {escape(name)}")
        if detail:
            line.append(f": {detail}", style="dim" if passed else "")
        self.err.print(Padding(line, (0, 0, 0, 2), expand=False))
        if hint and not passed:
            self.err.print(Padding(Text.from_markup(f"[yellow]hint:[/] {escape(hint)}"), (0, 0, 0, 4), expand=False))

    def tree(self, title: str, hops: list[tuple[str, str]]) -> None:
        """A chain of hops (what happened, when or which id), each hanging off the previous one."""
        if self.quiet:
            return
        from rich.tree import Tree

        root = Tree(f"[bold]{title}[/]")
        node = root
        for what, when in hops:
            node = node.add(f"{escape(what)} [dim]{escape(str(when))}[/]")
        self.err.print(root)

    def error(self, message: str) -> None:
        # One line, whatever the terminal's width: scripts and people grep for it.
        self.err.print(f"[red]Error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)

    # results (stdout) ------------------------------------------------------------------------
    def emit_json(self, document: Any) -> None:
        global _emitted
        _emitted += 1
        sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def table(self, title: str, columns: list[str], rows: list[list[Any]], to_stdout: bool = True) -> None:
        table = Table(title=title, title_justify="left", show_lines=False)
        for index, column in enumerate(columns):
            # The first column names the row: whole. The others wrap (a long ARN folds); none is cut.
            table.add_column(column, no_wrap=index == 0, overflow="fold")
        for row in rows:
            table.add_row(*[str(c) for c in row])
        (self.out_wide if to_stdout else self.err_wide).print(table)

    def value_limit(self, console=None) -> int:
        """How many characters of a JSON value fit: none are cut when the output is not a terminal."""
        console = console or self.out
        return max(60, console.width - 12) if console.is_terminal else 0

    def print_trace(self, document: dict, compact: bool = False, to_stdout: bool = True) -> None:
        from .render import trace_tree

        console = self.out_wide if to_stdout else self.err_wide
        if compact and self.quiet:
            return
        console.print(trace_tree(document, compact=compact, limit=self.value_limit(console)))

    # prompts (TTY only) ----------------------------------------------------------------------
    def confirm(self, question: str, default: bool = False) -> bool:
        if self.assume_yes:
            return True
        if not self.interactive:
            return default
        import questionary

        return bool(questionary.confirm(question, default=default).unsafe_ask())

    def choose(self, question: str, choices: list[tuple[str, str]]) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        return questionary.select(question, choices=options).unsafe_ask()

    def ask_text(self, question: str, *, multiline: bool = False, validate=None, default: str = "") -> str:
        import questionary

        return questionary.text(question, multiline=multiline, validate=validate, default=default).unsafe_ask()
