"""The learner's side, in a real pseudo-terminal at 80 and 120 columns: the sns challenge taken
through its pattern file (a wrong pattern, the grading, a hint, a JSON slip, the fix, deploy and
verify), reset and taken again at the prompt, quitting, the --dry-run warning, progress, completion."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect
import pytest

from tests.support import clean_env
from workshop import scenario as scenarios

MODULE_IDS = [m.id for m in scenarios.load().modules]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

WRONG = '{"source": ["com.aws.orders"], "detail": {"location": ["us-west", "us-east"]}}'
BROKEN = '{"source": ["com.aws.orders"], "detail": {"location": ["us-west", "us-east"]'
RIGHT = {"source": ["com.aws.orders"], "detail": {"location": ["us-west", "us-east"], "category": ["lab-supplies"]}}


def spawn(cli, cwd: Path, columns: int, *args: str) -> pexpect.spawn:
    env = clean_env(cli.state_dir, TERM="xterm", COLUMNS=str(columns), LINES="40")
    for name in ("EDITOR", "VISUAL"):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "workshop.cli", *args], env=env, cwd=str(cwd), encoding="utf-8",
                          timeout=90, dimensions=(40, columns))
    child.logfile_read = (cwd / "screen.txt").open("a")
    return child


def finish(child) -> int:
    """The exit status once the child ends; a child left waiting (a failed expect) is stopped."""
    if sys.exc_info()[0] is not None:
        child.close(force=True)
        return -1
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    return child.exitstatus


def screen(cwd: Path) -> str:
    return (cwd / "screen.txt").read_text()


@pytest.mark.parametrize("columns", [80, 120])
def test_sns_challenge_through_the_pattern_file(cli, fresh, tmp_path, aws, columns):
    child = spawn(cli, tmp_path, columns, "run", "sns")
    pattern = tmp_path / "challenges" / "sns.json"
    try:
        child.expect("Challenge: Only US lab-supplies orders reach the Orders topic")
        child.expect("Your pattern is in challenges/sns.json")
        child.expect("h hint · s solution · k skip · q quit")
        assert pattern.exists(), "the challenge writes its pattern file"
        pattern.write_text(WRONG)
        child.expect("Not yet")
        child.expect("office-supplies-us-west-signed")  # the sample name whole, even at 80 columns
        child.expect("FAILS: it passes")
        child.send("h")
        child.expect("Hint: Two conditions under \"detail\"")
        pattern.write_text(BROKEN)
        child.expect("line 1, column 77: a comma is missing, or a closing")
        pattern.write_text(json.dumps(RIGHT))
        child.expect("Graded")
        child.expect("matches every event it should and none it should not")
        child.expect("pattern ")  # the rule step shows what it deployed
        child.expect("Extra credit: US by prefix, and no signature. Try it?")
        child.send("n")
        child.expect("All checks passed")
        child.expect("Next: workshop run scheduling")
    finally:
        code = finish(child)
    assert code == 0, screen(tmp_path)[-3000:]
    deployed = json.loads(aws("events").describe_rule(Name="USLabSupplyRule", EventBusName="Orders")["EventPattern"])
    assert deployed == RIGHT
    text = screen(tmp_path)
    assert "Extra credit: Extra credit" not in text
    assert text.count("Challenge: Only US lab-supplies") == 1
    view = cli.json("modules")
    sns = next(m for m in view["modules"] if m["id"] == "sns")
    assert sns["state"] == "verified" and sns["challenges"][0]["solved"] == "own"
    # what sns required was deployed, not verified: the next module of the workshop is still the first
    assert [m["state"] for m in view["modules"][:2]] == ["deployed", "deployed"]
    assert view["next"] == "workshop run prerequisites"
    assert view["done"] == 1 and view["total"] == len(view["modules"])


def test_reset_then_the_challenge_again_at_the_prompt(cli, fresh, tmp_path, aws):
    assert cli("run", "sns", "--yes").returncode == 0
    again = cli("run", "sns", "--yes")
    assert "already has the reference solution" in again.stderr and "workshop reset sns" in again.stderr
    (tmp_path / "challenges").mkdir()
    (tmp_path / "challenges" / "sns.json").write_text(json.dumps(RIGHT))
    env = clean_env(cli.state_dir)
    import subprocess

    reset = subprocess.run([sys.executable, "-m", "workshop.cli", "reset", "sns", "--yes", "--json"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=120)
    assert reset.returncode == 0, reset.stderr
    outcome = json.loads(reset.stdout)
    assert outcome["reset"] == ["sns"]
    assert {"rule", "target"} <= {d["kind"] for d in outcome["deleted"]}
    assert (tmp_path / "challenges" / "sns.json.previous").exists() and not (tmp_path / "challenges" / "sns.json").exists()
    assert aws("events").list_rules(EventBusName="Orders", NamePrefix="USLabSupplyRule")["Rules"] == []
    assert aws("events").describe_rule(Name="OrdersDevRule", EventBusName="Orders")  # event-bus is untouched

    child = spawn(cli, tmp_path, 80, "run", "sns")
    try:
        child.expect("Challenge: Only US lab-supplies")
        child.expect("t type it here")
        child.send("t")
        child.expect("Pattern \\(one line of JSON\\), or hint, solution, skip, quit:")
        child.send("\x15")  # clear the pre-filled last attempt (the starter)
        child.send('{"source": ["com.aws.orders"], "detail": {"location": ["us-east"] "x": 1}}\r')
        child.expect("line 1, column 67: a comma is missing")
        child.expect("Pattern \\(one line")
        child.send("\x15" + json.dumps(RIGHT) + "\r")
        child.expect("Graded")
        child.expect("Try it\\?")
        child.send("n")
        child.expect("All checks passed")
    finally:
        code = finish(child)
    assert code == 0, screen(tmp_path)[-3000:]
    assert json.loads((tmp_path / "challenges" / "sns.json").read_text()) == RIGHT  # typed attempts are saved


def test_reset_asks_before_touching_modules_that_build_on_it(cli, fresh, aws):
    assert cli("run", "sns", "--yes").returncode == 0
    result = cli("reset", "event-bus")
    assert result.returncode == 2
    assert "sns builds on event-bus" in result.stderr.lower() and "--yes" in result.stderr
    assert cli.json("modules")["modules"][1]["state"] == "deployed"  # nothing was touched
    assert aws("events").describe_rule(Name="USLabSupplyRule", EventBusName="Orders")["Name"] == "USLabSupplyRule"


def test_quit_at_the_challenge_says_how_to_resume(cli, fresh, tmp_path):
    child = spawn(cli, tmp_path, 80, "run", "sns")
    try:
        child.expect("q quit")
        child.send("q")
        child.expect("Stopped at the challenge")
        child.expect("takes it up again")
    finally:
        code = finish(child)
    assert code == 130
    assert "workshop cleanup" not in screen(tmp_path).split("Stopped at the challenge")[1]


def test_dry_run_on_a_terminal_warns_before_showing_a_solution(cli, fresh, tmp_path):
    assert cli("run", "prerequisites", "event-bus", "--yes").returncode == 0
    child = spawn(cli, tmp_path, 80, "run", "sns", "--dry-run")
    try:
        child.expect("The plan below shows this challenge's solution. Show it?")
        child.send("n")
        child.expect("put_rule")
    finally:
        code = finish(child)
    assert code == 0
    plan = screen(tmp_path).split("this challenge's solution")[-1]
    flat = "".join(plan.split())  # the call wraps at 80 columns
    call = flat[flat.index("events.put_rule("):flat.index("events.put_targets(")]
    assert "(hidden)" in call and "category" not in call, call


def test_completion_of_module_ids_and_samples(cli):
    import subprocess

    def complete(words: str, index: int) -> list[str]:
        env = clean_env(cli.state_dir, _WORKSHOP_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(index))
        result = subprocess.run([sys.executable, "-m", "workshop.cli"], env=env, capture_output=True, text=True, timeout=60)
        return result.stdout.split()

    assert complete("workshop run s", 2) == [m for m in MODULE_IDS if m.startswith("s")]
    assert "lambda-destinations" in complete("workshop verify l", 2)
    assert complete("workshop reset ev", 2) == ["event-bus"]
    assert "office-supplies-us-west-signed" in complete("workshop publish --sample office", 3)
    assert "/aws/events/orders" in complete("workshop logs /aws/", 2)
    assert complete("workshop --backend ", 2) == ["sandbox", "aws"]
