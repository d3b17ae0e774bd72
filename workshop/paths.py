"""Where the tool keeps its state (the ledger, progress, the sandbox's process record), and how
those files are read and written: atomically, and never trusted blindly when read back."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import BackendError, WorkshopError

_override: Path | None = None


class DamagedStateFile(WorkshopError):
    """A state file that is not what workshop wrote (truncated, binary, edited into another shape).
    Never discarded silently: the message names the file and what to do with it."""

    exit_code = 3

    def __init__(self, path: Path, problem: str, advice: str):
        super().__init__(f"{path} is damaged ({problem}): {advice}")
        self.path = path


def set_state_dir(path: str | os.PathLike | None) -> None:
    """Called by the CLI for --state-dir; the environment and XDG default apply otherwise."""
    global _override
    _override = Path(path).expanduser() if path else None


@contextlib.contextmanager
def state_dir_for_now(path: str | os.PathLike):
    """Use another state directory inside the block (selftest's private one), then the previous again."""
    global _override
    previous = _override
    _override = Path(path)
    try:
        yield
    finally:
        _override = previous


def state_dir_path() -> Path:
    """The state directory, without creating it."""
    if _override is not None:
        return _override
    if os.environ.get("WORKSHOP_STATE_DIR"):
        return Path(os.environ["WORKSHOP_STATE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "workshop"


def state_dir() -> Path:
    base = state_dir_path()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise BackendError(f"The state directory {base} is a file, not a directory: remove it, or choose another "
                           "with --state-dir or WORKSHOP_STATE_DIR.") from None
    except OSError as exc:
        raise BackendError(f"Cannot create the state directory {base} ({exc.strerror}): choose another with "
                           "--state-dir or WORKSHOP_STATE_DIR.") from None
    return base


def check_writable() -> Path:
    """Before anything is created: the state dir must be a directory this process can write into,
    or nothing that gets made could be recorded (and cleaned up) later."""
    base = state_dir()
    if not base.is_dir():
        raise BackendError(f"The state directory {base} is not a directory: remove it, or choose another with "
                           "--state-dir or WORKSHOP_STATE_DIR.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".writable.", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BackendError(f"The state directory {base} is not writable ({exc.strerror}): workshop records there "
                           "everything it creates, so it creates nothing until it can; fix its permissions or choose "
                           "another with --state-dir or WORKSHOP_STATE_DIR.") from None
    return base


def write_json_atomic(path: Path, data, *, durable: bool = True) -> None:
    """Write-then-rename, so a reader (or a Ctrl-C) never sees half a file."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True), durable=durable)


def write_text_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Write-then-rename. `durable` also waits until the data is on disk (fsync): for what must
    survive a crash of the machine, not only of the process (e.g. an intent before its call)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_json(path: Path, default=None, *, shape: type | None = None, advice: str = ""):
    """The file's JSON, `default` when there is none; a file that is not JSON (or not of `shape`)
    raises DamagedStateFile naming it, with `advice` saying what to do."""
    advice = advice or f"move it aside (e.g. to {path.name}.damaged) and run the command again"
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return default
    except IsADirectoryError:
        raise DamagedStateFile(path, "a directory where a file belongs", advice) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DamagedStateFile(path, "not text", advice) from None
    except json.JSONDecodeError as exc:
        problem = "empty" if not raw.strip() else f"not valid JSON at line {exc.lineno}, column {exc.colno}"
        raise DamagedStateFile(path, problem, advice) from None
    if shape is not None and not isinstance(data, shape):
        raise DamagedStateFile(path, f"a JSON {type(data).__name__} where a {shape.__name__} belongs", advice)
    return data


@contextmanager
def exclusive(path: Path):
    """Hold an exclusive flock on `path`'s lock file for one short read-modify-write of `path`, so
    two processes changing it at once lose nothing (the kernel releases it if the holder dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def keep_aside(path: Path) -> Path:
    """Move a damaged state file out of the way, keeping it for a person to look at."""
    aside = path.with_name(path.name + ".damaged")
    os.replace(path, aside)
    return aside
