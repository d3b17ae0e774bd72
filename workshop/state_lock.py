"""One writer per state dir: an advisory lock (fcntl.flock) on `STATE_DIR/lock`.

The kernel drops a flock when the process holding it dies, however it dies (Ctrl-C, kill -9), so a
stale lock can never block anyone. The holder writes who it is into the file; a second command
waits for it with a message naming it, and gives up with one sentence after a bounded wait.
The lock is re-entrant within one process (the run holds it, and starting the sandbox inside the
run takes it again), and per state dir (selftest works in a private one).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from .errors import BackendError
from .paths import check_writable

WAIT_LIMIT_S = float(os.environ.get("WORKSHOP_LOCK_WAIT_S", "600"))
POLL_S = 0.1

_held: dict[str, list] = {}  # state dir -> [fd, depth]


def _describe(holder: dict) -> str:
    if not holder.get("pid"):
        return "another workshop command"
    since = time.time() - float(holder.get("since") or time.time())
    command = f"`workshop {holder['command']}`" if holder.get("command") else "a workshop command"
    return f"{command} (pid {holder['pid']}, started {since:.0f}s ago)"


def holder(directory) -> dict:
    """Who holds the lock of this state dir now, as it wrote itself down ({} when nobody says)."""
    try:
        with open(os.path.join(directory, "lock")) as handle:
            data = json.loads(handle.read() or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@contextmanager
def held(command: str, *, on_wait: Callable[[str], None] | None = None, wait_s: float | None = None) -> Iterator[None]:
    """Hold the state dir's lock for `command` (e.g. "run --all"); waits (bounded) for another holder."""
    directory = str(check_writable())
    if directory in _held:
        _held[directory][1] += 1
        try:
            yield
        finally:
            _held[directory][1] -= 1
        return
    path = os.path.join(directory, "lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, directory, on_wait, WAIT_LIMIT_S if wait_s is None else wait_s)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command, "since": time.time()}).encode(), 0)
        _held[directory] = [fd, 1]
        try:
            yield
        finally:
            del _held[directory]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, directory: str, on_wait, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        who = _describe(holder(directory))
        if time.monotonic() >= deadline:
            raise BackendError(f"{who[0].upper()}{who[1:]} is still working in the state directory {directory}: "
                               "let it finish (or stop it with Ctrl-C), then run this again.")
        if not told:
            message = f"Waiting for {who} to finish: one command at a time changes what {directory} records."
            (on_wait or (lambda m: sys.stderr.write(m + "\n")))(message)
            told = True
        time.sleep(POLL_S)


def is_held_here() -> bool:
    """Does this process hold the lock of the current state dir?"""
    from .paths import state_dir_path

    return str(state_dir_path()) in _held
