"""Where the tool keeps its state: the ledger and the sandbox's process record."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

_override: Path | None = None


def set_state_dir(path: str | os.PathLike | None) -> None:
    """Called by the CLI for --state-dir; the environment and XDG default apply otherwise."""
    global _override
    _override = Path(path).expanduser() if path else None


def state_dir() -> Path:
    if _override is not None:
        base = _override
    elif os.environ.get("WORKSHOP_STATE_DIR"):
        base = Path(os.environ["WORKSHOP_STATE_DIR"]).expanduser()
    else:
        xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        base = Path(xdg) / "workshop"
    base.mkdir(parents=True, exist_ok=True)
    return base


def write_json_atomic(path: Path, data) -> None:
    """Write-then-rename, so a reader (or a Ctrl-C) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_json(path: Path, default=None):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default
