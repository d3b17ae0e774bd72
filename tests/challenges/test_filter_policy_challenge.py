"""The sns-filtering challenges in a real pseudo-terminal: what the learner types is an SNS filter
policy, checked and graded by SNS's rules (not as an event pattern) in the pattern file, at the
inline prompt and in `workshop hint`; the messages are shown as the policy's scope reads them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.challenges.test_learner_tty import finish, screen, spawn
from tests.support import clean_env, filter_policies
from workshop import scenario
from workshop.challenge import json_problem

MODULE = "sns-filtering"
BOOKS_RIGHT = {"category": ["books"]}
XL_EU_RIGHT = {"quantity": [{"numeric": [">=", 100]}], "location": [{"prefix": "eu"}]}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def test_both_policies_through_the_file_and_the_prompt(cli, fresh, tmp_path, aws):
    child = spawn(cli, tmp_path, 120, "run", MODULE)
    books = tmp_path / "challenges" / f"{MODULE}-book-orders.json"
    try:
        child.expect("Challenge: Only book orders reach BookOrders")
        child.expect("their body, which the policy reads")
        child.expect("must NOT pass")
        child.expect(f"Your filter policy is in challenges/{MODULE}-book-orders.json")
        child.expect("h hint")
        assert books.read_text().strip() == "{\n  \n}".strip(), "the starter names no event-pattern field"
        books.write_text(json.dumps({"detail": {"category": ["books"]}}))  # an event pattern's habit
        child.expect("Not yet")
        child.expect("FAILS: its body")
        child.send("h")
        child.expect("Hint: A filter policy names the property")
        books.write_text(json.dumps({"category": [{"numeric": ["=>", 1]}]}))
        child.expect("not a valid SNS filter policy \\(FilterPolicyScope MessageBody\\)")
        books.write_text(json.dumps(BOOKS_RIGHT))
        child.expect("Your filter policy lets through every message it should")

        child.expect("Challenge: Only large EU orders reach Orders-XL-EU")
        child.expect("their message attributes")
        child.expect("\\(Number\\) 500")
        child.expect("t type it here")
        child.send("t")
        child.expect("Filter policy \\(one line of JSON\\), or hint, solution, skip, quit:")
        # Valid as an event pattern, refused by SNS: attribute policies are flat.
        child.send("\x15" + json.dumps({"location": {"prefix": ["eu"]}}) + "\r")
        child.expect("nested keys need")
        child.expect("Filter policy \\(one line")
        child.send("\x15" + json.dumps({"location": [{"prefix": "eu"}]}) + "\r")
        child.expect("Not yet")
        child.send("\x15" + json.dumps(XL_EU_RIGHT) + "\r")
        child.expect("Graded")
        child.expect("All checks passed")
    finally:
        code = finish(child)
    assert code == 0, screen(tmp_path)[-3000:]
    policies = filter_policies(aws("sns"))
    assert policies["BookOrders"] == (BOOKS_RIGHT, "MessageBody")
    assert policies["Orders-XL-EU"] == (XL_EU_RIGHT, "MessageAttributes")
    assert json.loads((tmp_path / "challenges" / f"{MODULE}-xl-eu-orders.json").read_text()) == XL_EU_RIGHT
    module = next(m for m in cli.json("modules")["modules"] if m["id"] == MODULE)
    assert {c["id"]: c["solved"] for c in module["challenges"]} == {"book-orders": "own", "xl-eu-orders": "own"}


@pytest.mark.parametrize("challenge_id,policy,reason", [
    ("xl-eu-orders", {"location": {"prefix": ["eu"]}}, "nested keys need FilterPolicyScope MessageBody"),
    ("xl-eu-orders", {k: ["x"] for k in "abcdef"}, "more than 5 keys"),
    ("book-orders", {"category": [{"anything-but": {"equals-ignore-case": "books"}}]}, "anything-but takes values"),
])
def test_a_policy_is_checked_by_sns_rules_where_an_event_pattern_would_pass(challenge_id, policy, reason):
    challenge = scenario.load().challenge(challenge_id)
    text = json.dumps(policy)
    assert json_problem(text) is None  # as an event pattern, nothing is wrong
    problem = json_problem(text, challenge)
    assert problem.startswith("not a valid SNS filter policy") and reason in problem


def test_hint_reads_the_policy_file_with_sns_rules(tmp_path):
    (tmp_path / "challenges").mkdir()
    (tmp_path / "challenges" / f"{MODULE}-book-orders.json").write_text(json.dumps({"detail": {"category": ["books"]}}))
    env = clean_env(tmp_path / "state")
    (tmp_path / "state").mkdir()

    def hint() -> str:
        result = subprocess.run([sys.executable, "-m", "workshop.cli", "hint", MODULE], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "A filter policy names the property" in hint()
    second = hint()
    assert f"In {MODULE}-book-orders.json: books-eu-west should match but does not" in second
    assert "its body" in second
