"""Hints, one more each time they are asked for (in the challenge, or `workshop hint [MODULE]`):
the challenge's own hint, then what the learner's current pattern file gets wrong, then the way
to the solution. Which challenge is current, and how many hints it gave, is kept in the state dir."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .paths import read_json, state_dir, write_json_atomic


def _path() -> Path:
    return state_dir() / "challenge.json"


def remember(module_id: str, challenge_id: str, file: str) -> None:
    """A challenge starts (or starts again): its hints start from the first."""
    current = {"module": module_id, "challenge": challenge_id, "hints": 0}
    current["file"] = file
    write_json_atomic(_path(), current)


def current() -> dict:
    return read_json(_path(), {})


def next_hint(module_id: str, challenge, file: Path | None, samples: dict) -> str:
    state = read_json(_path(), {})
    if (state.get("module"), state.get("challenge")) != (module_id, challenge.id):
        state = {"module": module_id, "challenge": challenge.id, "hints": 0, "file": str(file) if file else None}
    state["hints"] = state.get("hints", 0) + 1
    write_json_atomic(_path(), state)
    level = state["hints"]
    if level == 1 and challenge.hint:
        return challenge.hint.strip()
    if level <= 2:
        about = _about_file(challenge, Path(state["file"]) if state.get("file") else None, samples)
        if about:
            return about
    return (f"The reference solution is one key away: press s in the challenge, or run "
            f"`workshop run {module_id}` and press s.")


def _about_file(challenge, file: Path | None, samples: dict) -> str:
    """What the learner's saved pattern gets wrong, by the pattern engine."""
    from .challenge import json_problem
    from .grading import grade

    if file is None or not file.exists():
        return ""
    text = file.read_text()
    problem = json_problem(text, challenge)
    if problem:
        return f"{file.name}: {problem}."
    result = grade(challenge, json.loads(text), samples)
    wrong = result.problems()
    if not wrong:
        return f"{file.name} passes already: save it once more and the challenge takes it."
    return f"In {file.name}: {wrong[0]}."


def for_module(scenario, module_id: str | None) -> tuple[str, object]:
    """(module id, challenge) that `workshop hint [MODULE]` is about: the one being worked on, else
    the module's first challenge, else the workshop's first."""
    from .errors import BadInput

    state = current()
    if module_id is None and state.get("module"):
        module_id = state["module"]
    with_challenges = [m for m in scenario.modules if m.challenges]
    if module_id is None:
        if not with_challenges:
            raise BadInput("This workshop has no challenges.")
        module_id = with_challenges[0].id
    module = scenario.module(module_id)
    if not module.challenges:
        raise BadInput(f"Module {module_id} has no challenge; these do: {', '.join(m.id for m in with_challenges)}.")
    challenge = next((c for c in module.challenges if c.id == state.get("challenge")), module.challenges[0])
    return module_id, challenge


_AWS_COMMAND = re.compile(r"`aws ")


def aws_cli(backend) -> str:
    """The AWS CLI as it must be typed to reach what workshop talks to: the sandbox's endpoint (and
    its any-value credentials), an emulator's endpoint, or the profile and region on AWS."""
    words = ["AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"] if backend.choice.kind == "sandbox" else []
    words.append("aws")
    if backend.choice.kind != "aws" and backend.endpoint_url:
        words.append(f"--endpoint-url {backend.endpoint_url}")
    if backend.choice.profile:
        words.append(f"--profile {backend.choice.profile}")
    words.append(f"--region {backend.region}")
    return " ".join(words)


def pasteable(text: str, backend) -> str:
    """A hint whose commands can be pasted as they are: every `aws ...` reaches this backend, and
    {region} and {account} (in ARNs) are filled in."""
    if not text or backend is None:
        return text
    if "{region}" in text:
        text = text.replace("{region}", backend.region)
    if "{account}" in text:
        text = text.replace("{account}", backend.account)
    return _AWS_COMMAND.sub(lambda _: f"`{aws_cli(backend)} ", text)


def for_check(check, passed: bool, detail: str, ctx) -> str:
    """A failed check's hint, fitted to what failed: a disabled rule is told how to enable it, a
    behaviour check points at the trace of its own event; EVENT_ID becomes that event's id."""
    if passed:
        return ""
    args = check.args
    name, bus = getattr(args, "name", None), getattr(args, "bus", None) or "default"
    disabled = ctx.seen.setdefault("disabled-rules", [])  # found by this verification's earlier checks
    if name and "disabled" in detail:
        disabled.append(name)
        return pasteable(f"Enable it: `aws events enable-rule --name {name} --event-bus-name {bus}`.", ctx.backend)
    hint = pasteable((check.hint or "").strip(), ctx.backend)
    sample = getattr(args, "sample", None)
    ids = ctx.published.get(sample, []) if sample else []
    if ids and disabled:  # the cause is known: the rule delivers nothing while it is disabled
        hint = f"Rule {', '.join(disabled)} is disabled, so it delivers nothing: enable it first (see its hint above)."
    if ids:
        hint = hint.replace("EVENT_ID", ids[-1])
        if "workshop trace" not in hint:
            hint = (hint + " " if hint else "") + f"See where the event went: `workshop trace {ids[-1]}`."
    return hint
