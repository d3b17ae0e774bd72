"""MiniStack, pinned, in its own virtualenv, started on 127.0.0.1 on a free port and stopped by pid.

MiniStack pins a botocore that conflicts with ours, so it lives in its own virtualenv (created
once under the user's cache directory, shared with the endpoint tests; `--ministack-venv` points elsewhere). Its settings, read
from its `app.py` (1.5.33): GATEWAY_PORT is the port, BIND_HOST the interface (default 0.0.0.0,
so we set 127.0.0.1), MINISTACK_HOST the host name in the URLs it hands out, PERSIST_STATE and
S3_PERSIST off by default (nothing written), a pid file `ministack-PORT.pid` in TMPDIR (we give
it a temporary directory of its own). Run in the foreground, it serves in that same process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

VERSION = "1.5.33"
READY_TIMEOUT_S = 60.0


def default_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "workshop-emulators" / f"ministack-{VERSION}"  # where the endpoint tests keep it too


def ensure_installed(venv: Path) -> Path:
    """The `ministack` executable of a virtualenv holding exactly ministack==VERSION."""
    executable = venv / "bin" / "ministack"
    python = venv / "bin" / "python"
    if executable.exists() and _installed_version(python) == VERSION:
        return executable
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"installing ministack=={VERSION} into {venv} ...", file=sys.stderr)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"ministack=={VERSION}"], check=True)
    return executable


def _installed_version(python: Path) -> str | None:
    try:
        done = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('ministack'))"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MiniStack:
    """One MiniStack process; use as a context manager."""

    def __init__(self, executable: Path):
        self.executable = executable
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._tmp = tempfile.mkdtemp(prefix="ministack-bench-")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> "MiniStack":
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_", "MINISTACK_"))}
        env.update(GATEWAY_PORT=str(self.port), BIND_HOST="127.0.0.1", MINISTACK_HOST="127.0.0.1",
                   LOG_LEVEL="WARNING", TMPDIR=self._tmp, PERSIST_STATE="0", S3_PERSIST="0",
                   STATE_DIR=os.path.join(self._tmp, "state"), S3_DATA_DIR=os.path.join(self._tmp, "s3"))
        log = open(os.path.join(self._tmp, "ministack.log"), "wb")
        self.proc = subprocess.Popen([str(self.executable)], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"MiniStack exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.endpoint_url + "/_ministack/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"MiniStack did not answer within {READY_TIMEOUT_S:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return Path(self._tmp, "ministack.log").read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self._tmp, ignore_errors=True)
