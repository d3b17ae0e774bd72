"""Messages that fit the moment, in a real pseudo-terminal where it matters: Ctrl-C at a prompt says
how to take it up again, Ctrl-C ends `logs --follow` quietly (exit 130), `workshop hint` answers,
--quiet shows only the outcome, a normal run shows one line per step, and after `sandbox stop`
(which asks first at a terminal) no module claims to be deployed."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.support import clean_env
from workshop import scenario as scenarios

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
SCENARIO = scenarios.load()


def spawn(cli, cwd: Path, *args: str, columns: int = 80) -> pexpect.spawn:
    env = clean_env(cli.state_dir, TERM="xterm", COLUMNS=str(columns), LINES="40")
    child = pexpect.spawn(sys.executable, ["-m", "workshop.cli", *args], env=env, cwd=str(cwd), encoding="utf-8",
                          timeout=90, dimensions=(40, columns))
    child.logfile_read = (cwd / "screen.txt").open("a")
    return child


def ended(child) -> int:
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    return child.exitstatus


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_ctrl_c_at_the_module_picker_says_how_to_take_it_up_again(cli, tmp_path):
    child = spawn(cli, tmp_path, "run")
    try:
        child.expect("Which module")
        child.sendintr()
    finally:
        code = ended(child)
    screen = plain((tmp_path / "screen.txt").read_text())
    assert code == 130
    assert "Stopped at the prompt; `workshop run` asks again." in screen
    assert "cleanup" not in screen and "Traceback" not in screen


def test_ctrl_c_ends_logs_follow_quietly(cli, fresh, tmp_path):
    assert cli("run", "event-bus", "--yes", "--quiet").returncode == 0
    child = spawn(cli, tmp_path, "logs", "/aws/events/orders", "--follow", "--since", "10m")
    try:
        child.expect('"source": "com.aws.orders"')
        time.sleep(0.5)
        child.sendintr()
    finally:
        code = ended(child)
    after = plain((tmp_path / "screen.txt").read_text()).split('"source": "com.aws.orders"', 1)[1]
    assert code == 130
    assert "Error" not in after and "Interrupted" not in after and "cleanup" not in after, after


def test_hint_command_gives_the_next_hint(own_cli):
    sns = next(c for m in SCENARIO.modules if m.id == "sns" for c in m.challenges)
    first = own_cli("hint", "sns")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"{sns.title}: ") and " ".join(sns.hint.split()) in " ".join(first.stdout.split())
    second = own_cli("hint")  # the challenge being worked on
    assert second.returncode == 0 and second.stdout != first.stdout
    assert "`workshop run sns`" in second.stdout
    none = own_cli("hint", "event-bus")
    assert none.returncode == 2 and "has no challenge" in none.stderr and "sns" in none.stderr


def test_quiet_shows_only_the_outcome_and_what_failed(cli, fresh, aws):
    quiet = cli("run", "event-bus", "--yes", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.strip().splitlines() == ["All checks passed (4 checks, 1 module)."]
    aws("events").remove_targets(Rule="OrdersDevRule", EventBusName="Orders", Ids=["orders-log-group"])
    failed = cli("verify", "event-bus", "--quiet")
    lines = failed.stderr.strip().splitlines()
    assert failed.returncode == 1
    assert lines[0].startswith("✗ OrdersDevRule sends Orders events to /aws/events/orders")  # stripped
    assert any(line.strip().startswith("hint:") for line in lines)
    assert not any("✓" in line for line in lines) and lines[-1] == "Failed: event-bus: see the hints above."


def test_a_run_says_one_line_per_step_and_the_explanation_once(cli, fresh):
    module = next(m for m in SCENARIO.modules if m.id == "event-bus")
    result = cli("run", "event-bus", "--yes")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    for step in module.steps:  # its line: a mark, its name, what it took; its calls are not listed one by one
        assert sum(line.split(" ", 1)[-1].startswith(step.name) for line in lines if line[:1] in "✓•·") == 1, step.name
    assert "Create event bus Orders" not in result.stderr  # the call's own summary, tallied in its step's line
    summary = " ".join(module.summary.split())
    assert result.stderr.count(summary) == 1
    assert result.stderr.count("All checks passed") == 1


def test_after_sandbox_stop_no_module_claims_to_be_deployed(own_cli):
    assert own_cli("run", "event-bus", "--yes", "--quiet").returncode == 0
    before = {m["id"]: m for m in own_cli.json("modules")["modules"]}["event-bus"]
    assert before["state"] == "verified" and before["deployed"] is True
    stopped = own_cli.json("sandbox", "stop")
    assert "event-bus" in stopped["not_deployed_now"]
    after = {m["id"]: m for m in own_cli.json("modules")["modules"]}["event-bus"]
    assert after["state"] == "verified, not deployed now" and after["done"] is True and after["deployed"] is False
    assert own_cli.ledger() == []  # what the sandbox held is not claimed any more
    assert own_cli("run", "event-bus", "--yes", "--quiet").returncode == 0
    again = {m["id"]: m for m in own_cli.json("modules")["modules"]}["event-bus"]
    assert again["state"] == "verified" and again["deployed"] is True


def test_sandbox_stop_asks_first_at_a_terminal(own_cli, tmp_path):
    assert own_cli("run", "event-bus", "--yes", "--quiet").returncode == 0
    child = spawn(own_cli, tmp_path, "sandbox", "stop")
    try:
        child.expect("Stop the sandbox\\? The resources of event-bus go with it")
        child.send("n")
    finally:
        code = ended(child)
    assert code == 1 and own_cli.json("sandbox", "status")["running"] is True
    child = spawn(own_cli, tmp_path, "sandbox", "stop", "--yes")
    code = ended(child)
    assert code == 0 and own_cli.json("sandbox", "status", expect=None)["running"] is False
