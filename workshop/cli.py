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

import typer  # noqa: E402

from .commands import GLOBAL_FLAGS, GLOBAL_OPTIONS, G, app  # noqa: E402


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
    finally:
        spare_last_collections()
    sys.exit(code)


def spare_last_collections() -> None:
    """The process ends now and frees everything anyway: the interpreter's last garbage collections
    need not walk what the command built (botocore's models, the clients): a third of a second of
    CPU after a `run` or a `cleanup` here. Every exit handler still runs, and what is made after
    this is collected as usual."""
    import gc

    gc.freeze()


if _STARTUP_GUARD:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if __name__ == "__main__":
    main()
