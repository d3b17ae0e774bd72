"""Challenge mode: the learner writes the pattern, it is graded locally, then deployed.

Like rustlings, the pattern is a file in the working directory (challenges/<module>.json): the
challenge writes a starting point, opens $EDITOR when set, and otherwise watches the file and
regrades it on every save (polling its mtime: one file, a few times a second, needs no library).
Single keys stay reachable while watching: h hint, s solution, k skip, q quit, t type it here.
The inline prompt takes one line of JSON, pre-filled with the last attempt. Extra-credit variants
are graded the same way, retried freely, and recorded; the rule keeps the main pattern.
Without a terminal (or with --yes) the reference solutions are used. A challenge with a
`filter_scope` asks for an SNS subscription filter policy instead, checked and graded by SNS's
rules (`filter_grading`) at every one of these places.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from . import hints, patterns
from .grading import grade

POLL_S = 0.3
KEYS = "keys: h hint · s solution · k skip · q quit · t type it here"


class Stop(Exception):
    """The learner chose quit (or pressed Ctrl-C) at a challenge."""


def title_of(challenge) -> str:
    """The title without an 'Extra credit:' prefix (the UI says extra credit itself)."""
    title = challenge.title
    return title.split(":", 1)[1].strip() if title.lower().startswith("extra credit:") else title


def is_filter(challenge) -> bool:
    """An SNS filter-policy challenge (graded by SNS's rules), not an event-pattern one."""
    return bool(getattr(challenge, "filter_scope", ""))


def noun(challenge) -> str:
    return "filter policy" if is_filter(challenge) else "pattern"


def starter(challenge, scenario) -> str:
    """What a new answer file holds: an empty filter policy, or a pattern on the workshop's source."""
    if is_filter(challenge):
        from .filter_grading import STARTER as FILTER_STARTER

        return FILTER_STARTER
    sources = json.dumps([scenario.events.source] if scenario.events else [])
    return "{\n  \"source\": " + sources + ",\n  \"detail\": {\n  }\n}\n"


def pattern_file(module_id: str, challenge) -> Path:
    if is_filter(challenge):  # a module may ask for several policies: one file each
        name = f"{module_id}-{challenge.id}.json"
    else:
        name = f"{module_id}-extra.json" if challenge.optional else f"{module_id}.json"
    return Path.cwd() / "challenges" / name


def json_problem(text: str, challenge=None) -> str | None:
    """None when the text is a valid pattern (a valid SNS filter policy, for a filter-policy
    challenge), else one sentence: where and what, in plain words."""
    if not text.strip():
        example = '{"location": ["eu-west"]}' if is_filter(challenge) else '{"source": ["com.aws.orders"]}'
        return f"the {noun(challenge)} is empty: write a JSON object such as {example}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}, column {exc.colno}: {_plain(exc.msg)}"
    if is_filter(challenge):
        from .filter_grading import policy_problem

        return policy_problem(data, challenge.filter_scope)
    try:
        patterns.validate(data)
    except patterns.InvalidPatternError as exc:
        return f"not a valid event pattern: {exc}"
    return None


def _plain(message: str) -> str:
    for start, words in (
        ("Expecting ',' delimiter", "a comma is missing, or a closing ] or } (count your brackets)"),
        ("Expecting ':' delimiter", "a colon is missing between a key and its value"),
        ("Expecting value", "a value is missing here (a \"string\", a number, true, false, null, [ or {)"),
        ("Expecting property name", "a key must be a \"string\" in double quotes (or remove the comma before })"),
        ("Extra data", "there is more after the end of the pattern (one JSON object only)"),
        ("Unterminated string", "a string is not closed with a double quote"),
        ("Invalid control character", "a string has a line break or tab in it"),
        ("Invalid \\escape", "a backslash in a string starts an escape JSON does not know"),
    ):
        if message.startswith(start):
            return words
    return message[0].lower() + message[1:]


def deployed_solution(ctx, rule_args, challenge) -> dict | None:
    """The rule's deployed pattern (or the subscription's filter policy) if it already passes the
    challenge, else None."""
    if getattr(challenge, "filter_scope", ""):
        from .steps.sns_filtering import deployed_policy

        policy, scope = deployed_policy(ctx, rule_args)
        passes = policy is not None and scope == challenge.filter_scope
        return policy if passes and grade(challenge, policy, ctx.scenario.samples).passed else None
    rule = ctx.found(lambda: ctx.client("events").describe_rule(Name=rule_args.name, EventBusName=rule_args.bus))
    if not rule or not rule.get("EventPattern"):
        return None
    pattern = json.loads(rule["EventPattern"])
    return pattern if grade(challenge, pattern, ctx.scenario.samples, ctx.account, ctx.region).passed else None


def show_goal(ui, challenge, scenario) -> None:
    samples = scenario.samples
    extra = " [dim](extra credit)[/]" if challenge.optional else ""
    ui.say(f"\n[bold]Challenge: {title_of(challenge)}[/]{extra}")
    ui.say(challenge.goal.strip())
    if is_filter(challenge):
        from .filter_grading import message_rows

        title, rows = message_rows(challenge, samples)
        ui.table(title, ["sample", "", "message"], rows, to_stdout=False)
        return
    rows = [[name, "must match", json.dumps(samples[name].detail)] for name in challenge.must_match]
    rows += [[name, "must NOT match", json.dumps(samples[name].detail)] for name in challenge.must_not_match]
    envelope = f" (source {scenario.events.source}, detail-type {scenario.events.detail_type})" if scenario.events else ""
    ui.table(f"The events{envelope}", ["sample", "", "detail"], rows, to_stdout=False)


def show_grade(ui, result, challenge=None) -> None:
    """The explanation table: each event, what it should do, what it does, and why."""
    if not result.valid:
        ui.say(f"[red]✗[/] {result.error}")
        return
    rows = [[c.sample, "match" if c.should_match else "no match", "match" if c.matched else "no match",
             "ok" if c.ok else ("FAILS: " + c.why)] for c in result.cases]
    graded = "message" if challenge is not None and is_filter(challenge) else "event"
    ui.table("Graded" if result.passed else "Not yet", [graded, "should", "does", "why"], rows, to_stdout=False)


def grade_text(ctx, challenge, text: str):
    """(the pattern, its grade) or (None, a reason): JSON problems in plain words first."""
    problem = json_problem(text, challenge)
    if problem:
        return None, problem
    pattern = json.loads(text)
    return pattern, grade(challenge, pattern, ctx.scenario.samples, ctx.account, ctx.region)


def solve(ctx, challenge) -> tuple[dict, str]:
    """The pattern to deploy and how it was found: 'own', 'reference' (asked for, or skipped), or
    'reference' without a terminal."""
    if not ctx.ui.interactive:
        return challenge.solution, "reference"
    return _work(ctx, challenge, required=True)


def offer_extra_credit(ctx, challenges) -> dict[str, bool]:
    """Each optional challenge the learner wants, graded like the main one: {challenge id: earned}."""
    ui, earned = ctx.ui, {}
    if not ui.interactive:
        return earned
    for challenge in challenges:
        if not ui.confirm(f"Extra credit: {title_of(challenge)}. Try it?", default=False):
            continue
        _, how = _work(ctx, challenge, required=False)
        earned[challenge.id] = how == "own"
        if how == "own":
            ui.say("[green]✓ Extra credit earned.[/] (Graded locally; the rule keeps the pattern the module verifies.)")
    return earned


def _work(ctx, challenge, required: bool) -> tuple[dict, str]:
    ui = ctx.ui
    show_goal(ui, challenge, ctx.scenario)
    path = pattern_file(ctx.module_id, challenge)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(starter(challenge, ctx.scenario))
    hints.remember(ctx.module_id, challenge.id, str(path))
    shown = os.path.relpath(path)
    ui.say(f"Your {noun(challenge)} is in [bold]{shown}[/]: edit it and save; it is graded on every save.")
    try:
        return _loop(ctx, challenge, path, required)
    except (KeyboardInterrupt, Stop):
        ui.say(f"\nStopped at the challenge. Your {noun(challenge)} stays in {shown}; "
               f"`workshop run {ctx.module_id}` takes it up again.")
        sys.stdout.flush()
        sys.exit(130)


def _loop(ctx, challenge, path: Path, required: bool) -> tuple[dict, str]:
    ui = ctx.ui
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        return _with_editor(ctx, challenge, path, editor, required)
    ui.say(f"[dim]{KEYS}[/]")
    last = None
    while True:
        key, text = _watch(path, last, starter(challenge, ctx.scenario))
        if key is None:
            last = text
            pattern, result = _attempt(ctx, challenge, text)
            if pattern is None:
                continue
            if result.passed:
                ui.say("[green]✓ Your filter policy lets through every message it should and none it should not.[/]"
                       if is_filter(challenge) else
                       "[green]✓ Your pattern matches every event it should and none it should not.[/]")
                return pattern, "own"
            ui.say("[dim]Fix it and save: it is graded again. h hint · s solution · k skip · q quit[/]")
            continue
        chosen = _key(ctx, challenge, path, key, required)
        if chosen is not None:
            return chosen


def _attempt(ctx, challenge, text: str):
    """Grade one attempt and show it: the grade table, or why the text is not an answer yet.
    (the answer, its grade), or (None, the reason)."""
    pattern, result = grade_text(ctx, challenge, text)
    if pattern is None:
        ctx.ui.say(f"[red]✗[/] {result}")
    else:
        show_grade(ctx.ui, result, challenge)
    return pattern, result


def _key(ctx, challenge, path: Path, key: str, required: bool) -> tuple[dict, str] | None:
    ui = ctx.ui
    if key == "h":
        ui.say(f"[yellow]Hint:[/] {hints.next_hint(ctx.module_id, challenge, path, ctx.scenario.samples)}")
    elif key == "s":
        ui.say("Reference solution:\n" + json.dumps(challenge.solution, indent=2))
        if ui.confirm("Use it?" if required else "Done with this extra credit?", default=True):
            return challenge.solution, "reference"
    elif key == "k":
        ui.say("Skipped: the reference solution is deployed." if required else "Skipped.")
        return challenge.solution, "skipped"
    elif key == "q":
        raise Stop()
    elif key == "t":
        return _inline(ctx, challenge, path)
    return None


def _inline(ctx, challenge, path: Path) -> tuple[dict, str] | None:
    """One line of JSON at the prompt, pre-filled with the last attempt; also saved to the file."""
    ui = ctx.ui
    last = " ".join(path.read_text().split()) if path.exists() else ""
    while True:
        text = ui.ask_text(f"{noun(challenge).capitalize()} (one line of JSON), or hint, solution, skip, quit:",
                           default=last).strip()
        word = text.lower()
        if word in ("hint", "solution", "skip", "quit", "h", "s", "k", "q"):
            chosen = _key(ctx, challenge, path, word[0], required=not challenge.optional)
            if chosen is not None:
                return chosen
            continue
        last = text
        path.write_text(text + "\n")
        pattern, result = _attempt(ctx, challenge, text)
        if pattern is not None and result.passed:
            return pattern, "own"


def _with_editor(ctx, challenge, path: Path, editor: str, required: bool) -> tuple[dict, str]:
    import shlex
    import subprocess

    ui = ctx.ui
    while True:
        subprocess.call([*shlex.split(editor), str(path)])
        pattern, result = _attempt(ctx, challenge, path.read_text())
        if pattern is not None and result.passed:
            return pattern, "own"
        choice = ui.choose("What next?", [("e", "Edit again"), ("h", "Show a hint"), ("t", "Type it here"),
                                          ("s", "Show the solution"), ("k", "Skip"), ("q", "Quit")])
        if choice != "e":
            chosen = _key(ctx, challenge, path, choice, required)
            if chosen is not None:
                return chosen


def _watch(path: Path, last: str | None, starter_text: str) -> tuple[str | None, str]:
    """Wait for a save that changes the file (returns (None, text)) or a key (returns (key, ''))."""
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)  # single keys, no echo; Ctrl-C still interrupts
    try:
        if last is None:  # the file as it is now is the first attempt, unless it is the starter
            text = path.read_text() if path.exists() else ""
            if text.strip() and text != starter_text:
                return None, text
            last = text
        while True:
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if ready:
                key = os.read(fd, 1).decode(errors="ignore").lower()
                if key and key in "hskqt":
                    return key, ""
                continue
            text = _settled_text(path)
            # Content, not the mtime alone, decides: a save that changes nothing is not graded
            # twice, and an empty file is a save still being written.
            if text.strip() and text != last:
                return None, text
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


_seen: dict[Path, tuple[tuple[int, int], str]] = {}


def _settled_text(path: Path) -> str:
    """The file's text, read again only when its mtime or size moved (one stat per poll)."""
    stamp = _stamp(path)
    known = _seen.get(path)
    if known and known[0] == stamp:
        return known[1]
    time.sleep(0.05)  # let the writer finish
    text = path.read_text() if path.exists() else ""
    if _stamp(path) == stamp:  # unchanged while read: safe to remember; else read again next poll
        _seen[path] = (stamp, text)
    return text


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


# what the runner asks ----------------------------------------------------------------------------
HIDDEN = {"(hidden)": ["the challenge's solution"]}  # what --dry-run shows when the learner keeps it secret


def pattern_for_step(ctx, rule_args, challenge, progress) -> dict | None:
    """The pattern a challenge's rule deploys: one already deployed that passes (said so, and
    why), the learner's (file or prompt), or the reference solution without a terminal."""
    ui = ctx.ui
    kept = deployed_solution(ctx, rule_args, challenge)
    if kept is not None:
        how = ((progress.all() if progress else {}).get(ctx.module_id, {}).get("challenges", {})
               .get(challenge.id, {}).get("how"))
        whose = "your pattern" if how == "own" else "a pattern that passes" if kept != challenge.solution else \
            "the reference solution (deployed by --yes, or without a terminal)"
        ui.step_note(f"{getattr(rule_args, 'name', None) or rule_args.queue} already has {whose}: kept, so the challenge is not asked again", "info")
        if how != "own":
            ui.say(f"    [dim]To take it yourself: workshop reset {ctx.module_id}[/]")
        return kept
    if ctx.dry_run:
        if ui.interactive and not ui.confirm("The plan below shows this challenge's solution. Show it?", default=False):
            return HIDDEN
        return None
    pattern, how = solve(ctx, challenge)
    record(progress, ctx.module_id, challenge.id, how)
    return pattern


def record(progress, module_id: str, challenge_id: str, how: str) -> None:
    if progress is None:
        return
    challenges = dict(progress.all().get(module_id, {}).get("challenges", {}))
    challenges[challenge_id] = {"how": how, "at": time.time()}
    progress.mark(module_id, challenges=challenges)


def extra_credit(ctx, challenges, progress) -> None:
    for challenge_id, earned in offer_extra_credit(ctx, challenges).items():
        if earned or not (progress and progress.all().get(ctx.module_id, {}).get("challenges", {}).get(challenge_id)):
            record(progress, ctx.module_id, challenge_id, "own" if earned else "skipped")
