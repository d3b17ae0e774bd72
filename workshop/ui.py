"""Everything a person sees: rich progress and tables on stderr, data on stdout, prompts on a TTY.

`--json` prints exactly one JSON document on stdout; progress still goes to stderr. Prompts appear
only on a terminal; `--yes` or no TTY means non-interactive with the reference solutions.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from typing import Any

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

_emitted = 0  # JSON documents printed on stdout by this process: --json owes exactly one


def documents_emitted() -> int:
    return _emitted


SYMBOLS = {"done": "[green]✓[/]", "exists": "[cyan]•[/]", "info": "[blue]i[/]", "warn": "[yellow]![/]",
           "fail": "[red]✗[/]", "plan": "[magenta]→[/]", "announce": "[green]✓[/]"}


def _color_system() -> str | None:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return None
    return "auto"


class UI:
    def __init__(self, *, json_mode: bool = False, assume_yes: bool = False, quiet: bool = False):
        force = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
        self.err = Console(stderr=True, color_system=_color_system(), force_terminal=force or None, highlight=False)
        if not self.err.is_terminal:  # piped or redirected: one line per item, never wrapped or cut
            self.err = Console(stderr=True, color_system=_color_system(), highlight=False, width=100_000)
        self.out = Console(color_system=_color_system(), force_terminal=force or None, highlight=False, soft_wrap=True)
        # Tables and trees: wrapped on a terminal; never cut (one long line) when piped or redirected.
        self.out_wide = self._wide(self.out)
        self.err_wide = self._wide(self.err)
        self.json_mode = json_mode
        self.assume_yes = assume_yes
        self.quiet = quiet
        self.steps_in_full = False  # --dry-run shows every call of a step; a real run one line per step
        self._step: dict | None = None  # the step being run: its name, explanation and tally of actions

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
            self._flush_step()
            self.err.print(message)

    def result(self, message: str) -> None:
        """What --quiet still prints: the outcome."""
        self._flush_step()
        self.err.print(message)

    @contextmanager
    def loud(self):
        """A challenge taken at a terminal talks to the learner even under --quiet: its goal and grading are the point."""
        quiet, self.quiet = self.quiet, self.quiet and not self.interactive
        try:
            yield
        finally:
            self.quiet = quiet

    def wrapped(self, text: str, *, indent: int = 0, mark: str = "", hang: int | None = None, style: str = "",
                console: Console | None = None) -> None:
        """One item: on a terminal wrapped to its width with its indentation kept (continuation lines
        hang under the text, not the mark); when not a terminal, one line, never cut."""
        console = console or self.err
        mark_text = Text.from_markup(f"{mark} ") if mark else Text()
        lead = indent + len(mark_text.plain)
        width = console.width if console.is_terminal else 0
        lines = textwrap.wrap(text, width=width, initial_indent=" " * lead, break_on_hyphens=False,
                              subsequent_indent=" " * (lead if hang is None else indent + hang)) if width > lead + 10 else []
        lines = lines or [" " * lead + " ".join(text.split())]
        out = Text(" " * indent)
        out.append_text(mark_text)
        out.append(lines[0][lead:], style=style)
        for line in lines[1:]:
            out.append("\n")
            out.append(line, style=style)
        console.print(out, soft_wrap=True, highlight=False)

    def heading(self, title: str, subtitle: str = "") -> None:
        if self.quiet:
            return
        self._flush_step()
        if self.err.is_terminal:
            self.err.rule(f"[bold]{escape(title)}[/]")
        else:
            self.err.print(f"── {escape(title)} " + "─" * max(3, 76 - len(title)))
        if subtitle:
            self.indented(subtitle, 0)

    def indented(self, text: str, indent: int = 2, style: str = "") -> None:
        """Teaching text at normal intensity, wrapped with its indentation (list items hang)."""
        if self.quiet:
            return
        self._flush_step()
        for marker, body in paragraphs(text):
            self.wrapped(body, indent=indent, mark=escape(marker), style=style)

    def step(self, name: str, explain: str = "") -> None:
        """A step starts: it is said in one line when it ends (end_step), its actions tallied."""
        self._flush_step()
        self._step = {"name": name, "explain": explain, "done": 0, "exists": 0, "said": False}

    def _flush_step(self) -> None:
        """Something else must be said inside the step (a note, a prompt): its name goes first."""
        step = self._step
        if step and not step["said"]:
            step["said"] = True
            if not self.quiet:
                self.wrapped(step["name"], mark="[bold]·[/]", style="bold")

    def end_step(self, explain: bool = True) -> None:
        step, self._step = self._step, None
        if step is None or self.quiet:
            return
        tally = [f"{step['done']} done" if step["done"] else "", f"{step['exists']} already in place" if step["exists"] else ""]
        if not step["said"]:  # the one line: mark, name, what it took
            said = ", ".join(t for t in tally if t) if step["done"] and step["exists"] else \
                ("already in place" if step["exists"] else "")
            self.wrapped(step["name"] + (f" ({said})" if said else ""), mark=SYMBOLS["exists" if step["exists"] and not step["done"] else "done"])
        if explain and step["explain"]:
            self.indented(step["explain"], 4)

    def show_rule(self, pattern, schedule: str | None, targets: list[str]) -> None:
        """The pattern a rule step deployed (highlighted JSON) and where its targets are."""
        if self.quiet:
            return
        from rich.highlighter import JSONHighlighter
        from rich.padding import Padding

        what = Text("pattern  ", style="bold") if pattern is not None else Text("schedule ", style="bold")
        what.append_text(JSONHighlighter()(json.dumps(pattern)) if pattern is not None else Text(str(schedule)))
        where = Text("targets  ", style="bold")
        where.append(", ".join(targets) or "none")
        for line in (what, where):
            self.err.print(Padding(line, (0, 0, 0, 4), expand=False))

    def step_note(self, summary: str, kind: str = "done") -> None:
        if self._step is not None and kind in ("done", "exists") and not self.steps_in_full:
            self._step[kind] += 1  # said once, in the step's line
            return
        if not self.quiet:
            self._flush_step()
            self.wrapped(summary, indent=2, mark=SYMBOLS.get(kind, "•"))

    def plan_call(self, summary: str, service: str, operation: str, params: dict) -> None:
        if self.quiet:
            return
        self._flush_step()
        self.err.print(f"  {SYMBOLS['plan']} {escape(summary)}")
        self.err.print(f"    [dim]{service}.{operation}({escape(json.dumps(params, default=str))})[/]", markup=True,
                       soft_wrap=not self.err.is_terminal)

    def check_line(self, name: str, passed: bool, detail: str, hint: str = "", status: str = "") -> None:
        could_not_run = status in ("unsupported", "unverifiable")  # say why, with no hint to fix it
        if self.quiet and (passed or could_not_run):  # --quiet: only what failed, with its hint
            return
        self._flush_step()
        mark = SYMBOLS["warn"] if could_not_run else SYMBOLS["done" if passed else "fail"]
        text = name + (f" {status}" if could_not_run else "") + (f": {detail}" if detail else "")
        self.wrapped(text, indent=2, mark=mark)
        if hint and not passed and not could_not_run:
            self.wrapped(f"hint: {hint}", indent=4, hang=6, style="yellow")

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
        self._flush_step()  # the step it happened in, named first
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

        return bool(_ask(questionary.confirm(question, default=default)))

    def choose(self, question: str, choices: list[tuple[str, str]]) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        return _ask(questionary.select(question, choices=options))

    def ask_text(self, question: str, *, multiline: bool = False, validate=None, default: str = "") -> str:
        import questionary

        return questionary.text(question, multiline=multiline, validate=validate, default=default).unsafe_ask()


def paragraphs(text: str) -> list[tuple[str, str]]:
    """Teaching text as items (marker, body): paragraphs and list items ("1.", "-") reflowed, so
    the hard line breaks of the scenario file never leave ragged lines on a narrower terminal."""
    items: list[list[str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fresh = True
        for line in block.splitlines():
            item = re.match(r"\s*(\d+\.|[-*•])\s+(.*)", line)
            if item:
                items.append([item.group(1), item.group(2).strip()])
            elif fresh or not items:
                items.append(["", line.strip()])
            else:
                items[-1][1] += " " + line.strip()
            fresh = False
    return [(marker, body) for marker, body in items if body]


_at_prompt: list[str] = []  # set when Ctrl-C lands at a prompt (typer turns the exception into Exit(130))


def interrupted_at_prompt() -> str:
    return _at_prompt[-1] if _at_prompt else ""


class PromptInterrupted(KeyboardInterrupt):
    """Ctrl-C (or Ctrl-D) at a prompt: exit 130 with how to take it up again, not talk of cleanup."""

    def __init__(self):
        import shlex

        super().__init__()
        self.sentence = f"Stopped at the prompt; `workshop {shlex.join(sys.argv[1:])}` asks again."
        _at_prompt.append(self.sentence)


def _ask(question):
    """Ask; Ctrl-D ends the prompt as Ctrl-C does (questionary's select and confirm ignore it, and
    its text prompt raises EOFError, which the CLI also reports as interrupted, exit 130)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    bindings = KeyBindings()

    @bindings.add("c-d", eager=True)
    def _end_of_input(event):
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings
    try:
        return question.unsafe_ask()
    except (KeyboardInterrupt, EOFError):
        raise PromptInterrupted() from None
