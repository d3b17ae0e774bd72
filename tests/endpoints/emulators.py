"""Peer emulators for the endpoint tests, each pinned and in its own virtualenv (MiniStack pins a
botocore that conflicts with ours), created once per machine under a cache dir keyed by version,
started on 127.0.0.1 on a free port and stopped by pid.

`python tests/endpoints/emulators.py` creates the virtualenvs (CI runs it on a fresh machine).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

INSTALL_TIMEOUT_S = 900
START_TIMEOUT_S = 90


@dataclass(frozen=True)
class Emulator:
    name: str
    requirement: str  # exactly pinned
    version: str

    @property
    def venv(self) -> Path:
        return cache_dir() / f"{self.name}-{self.version}"

    def command(self, port: int) -> list[str]:
        if self.name == "ministack":
            return [str(self.venv / "bin" / "ministack")]
        return [str(self.venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]

    def environment(self, port: int, state: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WORKSHOP_"))}
        if self.name == "ministack":
            # Its documented settings: the port, the interface (loopback only), a private state dir, no persistence.
            env.update(GATEWAY_PORT=str(port), BIND_HOST="127.0.0.1", STATE_DIR=str(state), PERSIST_STATE="0",
                       LOG_LEVEL="WARNING")
        else:
            env.update(MOTO_PORT=str(port))
        return env


MINISTACK = Emulator("ministack", "ministack==1.5.33", "1.5.33")
MOTO = Emulator("moto", "moto[server]==5.2.5", "5.2.5")
ALL = {e.name: e for e in (MINISTACK, MOTO)}


def cache_dir() -> Path:
    base = os.environ.get("WORKSHOP_EMULATOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "workshop-emulators")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def install(emulator: Emulator) -> Path:
    """The emulator's virtualenv, created once (under a lock, so parallel runs do not race)."""
    ready = emulator.venv / ".installed"
    with open(cache_dir() / f".{emulator.name}-{emulator.version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return emulator.venv
        shutil.rmtree(emulator.venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(emulator.venv)], check=True, timeout=120)
        subprocess.run([str(emulator.venv / "bin" / "python"), "-m", "pip", "install", "-q", emulator.requirement],
                       check=True, timeout=INSTALL_TIMEOUT_S)
        ready.write_text(emulator.requirement + "\n")
    return emulator.venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """One emulator process on 127.0.0.1; `stop()` ends it (and anything it started) by its pid."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._state = Path(tempfile.mkdtemp(prefix=f"workshop-{emulator.name}-"))
        self._log = open(self._state / "server.log", "wb")
        self.process = subprocess.Popen(emulator.command(self.port), env=emulator.environment(self.port, self._state),
                                        stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        end = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.emulator.name} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.emulator.name} did not answer on {self.url} within {START_TIMEOUT_S}s")

    def log_tail(self, chars: int = 2000) -> str:
        self._log.flush()
        return (self._state / "server.log").read_bytes()[-chars:].decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the group is its pid
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self._log.close()
        shutil.rmtree(self._state, ignore_errors=True)


if __name__ == "__main__":
    for emulator in ALL.values():
        print(f"{emulator.requirement}: {install(emulator)}")
