"""Lambda invocation processes, started one invocation ahead.

Starting Python for an invocation costs about a tenth of a second here, paid on every invocation:
the authorizer of a REST API alone runs for each request. Once a function has been invoked, the
next process for it (same code, same configuration, same environment) is started in the background
and waits on its spec pipe, so the next invocation only sends its spec. Nothing of an invocation
is shared with the one before (each process still runs exactly one invocation, importing the
handler afresh); a spare started for another configuration is ended, not used. A spare whose
sandbox dies reads end-of-file on its spec pipe and exits.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
SPARE_MAX_AGE_S = 300.0  # an idle spare older than this is ended rather than used


@dataclass
class Process:
    """A started bootstrap waiting for its spec: write it to spec_w, read the outcome on status_r."""
    proc: subprocess.Popen
    spec_w: int
    status_r: int
    log_stream: str
    started_at: float

    def usable(self) -> bool:
        day = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        return (self.proc.poll() is None and time.monotonic() - self.started_at < SPARE_MAX_AGE_S
                and self.log_stream.startswith(day))

    def discard(self) -> None:
        for fd in (self.spec_w, self.status_r):
            try:
                os.close(fd)
            except OSError:
                pass
        kill_group(self.proc)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def new_log_stream() -> str:
    return f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{secrets.token_hex(16)}"


def spawn(code_dir: Path, env: dict[str, str], log_stream: str) -> Process:
    """Start the bootstrap in the function's code directory, in a process group of its own."""
    status_r, status_w = os.pipe()
    spec_r, spec_w = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-B", "-u", str(BOOTSTRAP), str(spec_r), str(status_w)],
            cwd=code_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, pass_fds=(spec_r, status_w), start_new_session=True)
    except BaseException:
        os.close(status_r)
        os.close(spec_w)
        raise
    finally:
        os.close(status_w)
        os.close(spec_r)
    return Process(proc, spec_w, status_r, log_stream, time.monotonic())


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Spares:
    """At most one waiting process per function, for the configuration it was last invoked with."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spares: dict[str, tuple[tuple, Process]] = {}
        self._generation = 0  # moved on by close(): a spare started before it is not kept

    def take(self, function_name: str, key: tuple) -> Process | None:
        with self._lock:
            held = self._spares.pop(function_name, None)
        if held is None:
            return None
        held_key, process = held
        if held_key == key and process.usable():
            return process
        process.discard()
        return None

    def prepare(self, function_name: str, key: tuple, start: Callable[[], Process]) -> None:
        """Start the next process for this function and configuration in the background."""
        with self._lock:
            generation = self._generation

        def run() -> None:
            try:
                process = start()
            except Exception:  # only an optimisation: the next invocation starts its own
                return
            with self._lock:
                current = self._spares.get(function_name)
                if generation != self._generation or (current is not None and current[0] == key):
                    extra = process  # closed meanwhile, or one is waiting already
                else:
                    self._spares[function_name] = (key, process)
                    extra = current[1] if current is not None else None
            if extra is not None:
                extra.discard()

        threading.Thread(target=run, name=f"lambda-spare-{function_name}", daemon=True).start()

    def pid(self, function_name: str) -> int | None:
        """The process waiting for this function's next invocation, if one is."""
        with self._lock:
            held = self._spares.get(function_name)
        return held[1].proc.pid if held is not None else None

    def close(self) -> None:
        """End every waiting process (the sandbox is reset)."""
        with self._lock:
            held, self._spares = list(self._spares.values()), {}
            self._generation += 1
        for _, process in held:
            process.discard()
