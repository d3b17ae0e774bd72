"""Start, find, talk to and stop the sandbox process (stdlib only, so the CLI stays fast)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import BackendError
from ..paths import DamagedStateFile, read_json, state_dir

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class SandboxNotRunning(BackendError):
    pass


@dataclass
class SandboxInfo:
    running: bool
    endpoint_url: str | None = None
    pid: int | None = None
    started_at: float | None = None
    problem: str | None = None  # set when a record exists but the process is dead or deaf

    def as_json(self) -> dict:
        return {"running": self.running, "endpoint_url": self.endpoint_url, "pid": self.pid}


def _record_path() -> Path:
    return state_dir() / "sandbox.json"


def log_path() -> Path:
    return state_dir() / "sandbox.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (we started it in this process) is dead for our purposes.
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        return waited == 0
    except ChildProcessError:
        # So is another's zombie: a sandbox that exited waits for its parent (init, once the
        # command that started it is gone) to collect it, which may take seconds.
        return not _exited(pid)


def _exited(pid: int) -> bool:
    """Whether the process has exited and only waits to be collected (Linux's /proc says so)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


def request(endpoint_url: str, path: str, body: dict | None = None, timeout: float = 5.0) -> dict:
    """Call one of the sandbox's own /_workshop endpoints; raises SandboxNotRunning if it does not answer."""
    data = json.dumps(body or {}).encode() if body is not None else None
    req = urllib.request.Request(endpoint_url + path, data=data, method="POST" if data is not None else "GET")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise BackendError(f"The sandbox refused {path}: {detail or exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SandboxNotRunning(f"The sandbox at {endpoint_url} does not answer ({exc}).") from None


def status() -> SandboxInfo:
    try:
        record = read_json(_record_path(), shape=dict)
    except DamagedStateFile as exc:
        return SandboxInfo(False, problem=f"{exc}; `workshop sandbox start` keeps it aside and starts a new sandbox")
    if not record:
        return SandboxInfo(False)
    pid, endpoint = record.get("pid"), record.get("endpoint_url")
    info = SandboxInfo(True, endpoint, pid, record.get("started_at"))
    if not pid or not _alive(pid):
        info.running = False
        info.problem = f"the sandbox (pid {pid}) is no longer running: it crashed or was killed"
        return info
    try:
        SandboxControl(endpoint).health(timeout=3.0)
    except SandboxNotRunning:
        info.running = False
        info.problem = f"the sandbox (pid {pid}) is running but does not answer at {endpoint}"
    return info


def start() -> tuple[SandboxInfo, bool]:
    """Start the sandbox unless one answers already; returns (info, started_now).
    One sandbox per state dir: starting happens under the state dir's lock."""
    current = status()
    if current.running:
        return current, False
    from ..state_lock import held

    with held("start the sandbox"):
        return _start()


def _start() -> tuple[SandboxInfo, bool]:
    current = status()  # again, under the lock: another command may have started one meanwhile
    if current.running:
        return current, False
    if current.pid is None and current.problem:
        _record_path().replace(_record_path().with_name("sandbox.json.damaged"))  # kept for a person to read
        sys.stderr.write(f"Note: {current.problem}.\n")
    if current.pid and current.problem and _alive(current.pid):
        _terminate(current.pid)  # alive but deaf: replace it rather than hang on it
    _record_path().unlink(missing_ok=True)
    log = open(log_path(), "ab")
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)  # the sandbox's own clients talk to itself only
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop.sandbox.server", "--state-dir", str(state_dir())],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group: Ctrl-C in the CLI does not kill it
        env=env,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BackendError(f"The sandbox failed to start (exit {process.returncode}); see {log_path()}: {_log_tail()}")
        record = read_json(_record_path(), shape=dict)
        if record and record.get("pid") == process.pid:
            info = status()
            if info.running:
                return info, True
        time.sleep(0.01)  # a file read each time: the sandbox is up about 0.6 s after its start here
    _terminate(process.pid)
    raise BackendError(f"The sandbox did not start within {START_TIMEOUT_S:.0f}s; see {log_path()}.")


def stop() -> SandboxInfo:
    info = status()
    if info.pid and _alive(info.pid):
        _terminate(info.pid)
    _record_path().unlink(missing_ok=True)
    return info


def reset() -> SandboxInfo:
    info = status()
    if not info.running:
        raise SandboxNotRunning("The sandbox is not running: start it with `workshop sandbox start`.")
    SandboxControl(info.endpoint_url).reset()
    return info


def tick(minutes: int) -> dict:
    info, _ = start()
    return SandboxControl(info.endpoint_url).advance(minutes)


def _terminate(pid: int) -> None:
    """SIGTERM the sandbox's process group (it and any Lambda runs), then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _log_tail(lines: int = 5) -> str:
    try:
        text = log_path().read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return "(no log)"
    return " | ".join(text[-lines:])


class SandboxControl:
    """The CLI's one client for the sandbox's own `/_workshop/*` endpoints (a backend that is not the
    sandbox has none of them): typed calls, each bounded by a timeout."""

    def __init__(self, endpoint_url: str):
        self.endpoint_url = endpoint_url

    def health(self, timeout: float = 5.0) -> dict:
        return request(self.endpoint_url, "/_workshop/health", timeout=timeout)

    def now(self):
        from datetime import datetime

        return datetime.fromisoformat(self.health()["clock"])

    def advance(self, minutes: int) -> dict:
        """Move the clock: schedules fire for every minute passed; {"from", "to", "fired"}."""
        return request(self.endpoint_url, "/_workshop/clock/tick", {"minutes": minutes}, timeout=120.0)

    def reset(self) -> dict:
        return request(self.endpoint_url, "/_workshop/reset", {}, timeout=30.0)

    def journal(self, event_id: str) -> dict:
        """What the data plane did with one event: accepted, matched, delivered, failed."""
        return request(self.endpoint_url, "/_workshop/journal", {"event_id": event_id}, timeout=10)

    def wait_idle(self, timeout_s: float, retries: bool = False) -> bool:
        """True once every event accepted so far has been delivered (or has failed for good) and no
        state machine is still running; with `retries`, once no retry is waiting for its time either."""
        body = {"timeout": timeout_s, "retries": retries}
        return bool(request(self.endpoint_url, "/_workshop/wait-idle", body, timeout=timeout_s + 5).get("idle"))

    def untouched(self) -> bool:
        """True when nothing was asked to change since the sandbox started or was reset (reads only);
        False too when it cannot say (a sandbox older than the question)."""
        try:
            return request(self.endpoint_url, "/_workshop/changes", timeout=5).get("changed") is False
        except BackendError:
            return False

    def stats(self) -> dict:
        """The delivery counters, and the last failures."""
        return request(self.endpoint_url, "/_workshop/stats", timeout=10)

    def apis(self) -> list:
        """REST APIs and the local URLs the sandbox serves them at."""
        return request(self.endpoint_url, "/_workshop/apis", timeout=10)

    def faults(self, **settings) -> dict:
        return request(self.endpoint_url, "/_workshop/faults", settings)

