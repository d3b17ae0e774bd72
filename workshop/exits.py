"""How every run of the CLI ends: an exit code, one sentence on stderr, and under --json one JSON document.

The contract (DESIGN.md): 0 ok; 1 a verification failed; 2 bad input; 3 backend unreachable,
credentials or permissions; 130 interrupted. Usage errors keep click's form (`Usage:` line, `Try
'... --help'` line, then `Error: <sentence>`), so they read like every other click program's.
"""

from __future__ import annotations

import importlib
import sys

from .errors import BadInput, BackendError, WorkshopError

OK, VERIFICATION_FAILED, BAD_INPUT, BACKEND, INTERRUPTED = 0, 1, 2, 3, 130
INTERRUPTED_SENTENCE = "Interrupted: what was created so far is recorded; `workshop cleanup` removes it."


def _classes(name: str) -> tuple[type, ...]:
    """typer >= 0.20 raises its own bundled copy of click's exceptions; older typer raises click's."""
    found = []
    for module in ("typer._click.exceptions", "click.exceptions", "typer.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and cls not in found:
            found.append(cls)
    return tuple(found)


def wants_json(argv: list[str]) -> bool:
    """Every command's --json is a plain flag, so the raw arguments say whether one document is owed."""
    for arg in argv:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


class Outcome:
    """What one failed run prints: its exit code, the JSON error type and the sentence."""

    def __init__(self, code: int, kind: str, message: str, usage: str = ""):
        self.code, self.kind, self.message, self.usage = code, kind, _one_line(message), usage

    def show(self, json_mode: bool) -> int:
        from .ui import UI, documents_emitted

        if self.usage:
            sys.stderr.write(self.usage)
        if self.message:
            UI().error(self.message)
        if json_mode and not documents_emitted():
            UI().emit_json({"error": {"type": self.kind, "message": self.message}, "exit_code": self.code})
        return self.code


def usage_error(command, prog_name: str, message: str) -> Exception:
    """A usage error about the top-level command line, shown like click's own."""
    ctx = command.context_class(command, info_name=prog_name, **(command.context_settings or {}))
    return _classes("UsageError")[0](message, ctx=ctx)


def interrupted() -> Outcome:
    """Ctrl-C: at a prompt, how to take it up again; elsewhere, that what was created is recorded."""
    from .ui import interrupted_at_prompt

    return Outcome(INTERRUPTED, "Interrupted", interrupted_at_prompt() or INTERRUPTED_SENTENCE)


def classify(exc: BaseException, backend=None, command=None, argv: list[str] | None = None) -> Outcome:
    """Any exception that reached the entry point, as an Outcome; nothing is left as "unexpected"."""
    if isinstance(exc, (KeyboardInterrupt, EOFError) + _classes("Abort")):
        return interrupted()  # Ctrl-C, or Ctrl-D at a prompt (typer turns EOFError into Abort)
    if isinstance(exc, _classes("Exit")):
        code = exc.exit_code
        return interrupted() if code == INTERRUPTED else Outcome(code, "Exit", "")
    if isinstance(exc, _classes("NoArgsIsHelpError")):  # bare `workshop` (or `workshop sandbox`): the help
        return Outcome(BAD_INPUT, "UsageError", "", _help_text(exc))
    if isinstance(exc, _classes("UsageError")):
        if getattr(exc, "ctx", None) is None and command is not None:
            exc.ctx = _context_for(command, argv or [])  # click's parser raises some without one
        return Outcome(BAD_INPUT, "UsageError", _sentence(exc.format_message()), _usage_lines(exc))
    if isinstance(exc, _classes("ClickException")):
        return Outcome(exc.exit_code or BAD_INPUT, "UsageError", _sentence(exc.format_message()))
    error = as_workshop_error(exc, backend)
    return Outcome(error.exit_code, type(error).__name__, _with_hint(error))


def as_workshop_error(exc: BaseException, backend=None) -> WorkshopError:
    if isinstance(exc, WorkshopError):
        return exc
    if isinstance(exc, RecursionError):
        return BadInput("The input is nested too deeply to process: flatten it (EventBridge allows far less nesting).")
    if isinstance(exc, UnicodeError):
        return BadInput(f"The input is not valid UTF-8 text ({exc.reason}): save it as UTF-8.")
    if isinstance(exc, MemoryError):
        return BadInput("The input is too large to process.")
    if _raised_by_botocore(exc):
        from .backend import translate_aws_error

        translated = translate_aws_error(exc, backend)
        if translated is not None:
            return translated
    if isinstance(exc, OSError):
        what = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return BackendError(f"A system call failed{what}: {exc.strerror or exc}.")
    return WorkshopError(f"Internal error ({type(exc).__name__}: {exc}); please report it, with --debug for a traceback.")


def _raised_by_botocore(exc: BaseException) -> bool:
    if type(exc).__module__.startswith(("botocore", "urllib3")):
        return True
    tb = exc.__traceback__
    while tb is not None:  # a KeyError deep in botocore's parser means the answer was not AWS's
        if tb.tb_frame.f_globals.get("__name__", "").startswith("botocore"):
            return True
        tb = tb.tb_next
    return False


def _one_line(message: str) -> str:
    """User input can hold newlines or escape codes: shown escaped, the error stays one line."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message).strip())
    return text[:1].upper() + text[1:]


def _with_hint(error: WorkshopError) -> str:
    message = str(error)
    return f"{message} {error.hint}" if error.hint else message


def _sentence(message: str) -> str:
    message = " ".join(str(message).split())
    return message if message.endswith((".", "!", "?")) else message + "."


def _context_for(command, argv: list[str]):
    """The context of the (sub)command the arguments name, so its usage line can be shown."""
    ctx = command.context_class(command, info_name="workshop", **(command.context_settings or {}))
    for arg in argv:
        commands = getattr(ctx.command, "commands", None)
        if not commands or arg.startswith("-"):
            continue
        if arg not in commands:
            break
        sub = commands[arg]
        ctx = sub.context_class(sub, info_name=arg, parent=ctx, **(sub.context_settings or {}))
    return ctx


def _usage_lines(exc) -> str:
    """click's `Usage: ...` and `Try '... --help' for help.` lines, without its own Error line."""
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return ""
    text = ctx.get_usage() + "\n"
    if ctx.command.get_help_option(ctx) is not None:
        text += f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.\n"
    return text + "\n"


def _help_text(exc) -> str:
    ctx = getattr(exc, "ctx", None)
    return (ctx.get_help() if ctx is not None else exc.format_message()).rstrip("\n") + "\n"
