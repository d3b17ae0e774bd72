"""The sandbox process: start, status, crash detection, stop leaving nothing behind."""

from __future__ import annotations

import json
import os
import signal
import time


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_status_stop(own_cli):
    started = own_cli.json("sandbox", "start")
    assert started["running"] and started["endpoint_url"].startswith("http://127.0.0.1:")
    assert own_cli.json("sandbox", "status") == started
    again = own_cli.json("sandbox", "start")
    assert again["pid"] == started["pid"], "a second start reuses the running sandbox"
    own_cli("sandbox", "stop")
    deadline = time.monotonic() + 10
    while alive(started["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(started["pid"])
    assert own_cli.json("sandbox", "status")["running"] is False


def test_killed_sandbox_is_reported_not_hung_on(own_cli):
    started = own_cli.json("sandbox", "start")
    os.kill(started["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(started["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    result = own_cli("sandbox", "status", "--json", timeout=30)
    assert result.returncode == 3
    status = json.loads(result.stdout)
    assert status["running"] is False and "crashed or was killed" in status["problem"]
    # Any command that needs the sandbox starts a new one and says so.
    run = own_cli("cleanup", "--yes", timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Started the local sandbox" in run.stderr


def test_commands_start_the_sandbox_when_needed(own_cli):
    result = own_cli("cleanup", "--yes")
    assert result.returncode == 0
    assert "Started the local sandbox" in result.stderr
    assert own_cli.json("sandbox", "status")["running"] is True


def test_status_of_a_stopped_sandbox_starts_nothing(own_cli):
    """A read-only command: with the sandbox stopped there is nothing deployed to show, and the
    progress kept is read from the state dir."""
    result = own_cli("status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["backend"] == "sandbox" and status["endpoint_url"] is None and status["resources"] == []
    assert "Started the local sandbox" not in result.stderr
    assert own_cli.json("sandbox", "status")["running"] is False
    said = own_cli("status")
    assert said.returncode == 0 and "not running" in said.stderr and "workshop modules" in said.stderr


def test_a_process_that_exited_and_waits_to_be_collected_is_not_alive():
    """`sandbox stop` waits for the sandbox to be gone: one that exited but is not yet collected by
    its parent (not us: init, once the command that started it has exited) counts as gone."""
    import subprocess

    from workshop.sandbox.control import _alive, _exited

    # The shell starts a child that exits at once, then becomes `sleep`, which never collects it.
    parent = subprocess.Popen(["sh", "-c", "sleep 0 & echo $!; exec sleep 30"], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _exited(child):
            time.sleep(0.01)
        assert alive(child), "the exited child is still there, waiting to be collected"
        assert not _alive(child)
        assert _alive(parent.pid)  # the running shell-become-sleep: alive
    finally:
        parent.kill()
        parent.wait(10)
