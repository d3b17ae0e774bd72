"""Challenge mode: the learner writes the pattern, it is graded locally, then deployed.

On a terminal: the goal and the events are shown; the pattern is typed as multi-line JSON and
validated as it is typed; each wrong case is explained by the pattern engine; a hint and then the
reference solution are offered on request. Extra-credit variants are offered after the main one
and graded locally (the rule keeps the main pattern, which the module's checks expect).
Without a terminal (or with --yes) the reference solutions are used.
"""

from __future__ import annotations

import json

from . import patterns
from .grading import grade


def _validate(text: str):
    """questionary validator: True, or the reason the text is not (yet) a valid pattern."""
    try:
        patterns.validate(text)
    except patterns.InvalidPatternError as exc:
        return str(exc)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    return True


def _validator(challenge):
    """The text validator for this challenge's answer: an event pattern, or an SNS filter policy."""
    if not getattr(challenge, "filter_scope", ""):
        return _validate
    from .sns_filters import InvalidFilterPolicyError, validate

    def check(text: str):
        try:
            validate(text, challenge.filter_scope)
        except InvalidFilterPolicyError as exc:
            return str(exc)
        return True

    return check


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


def _what(challenge) -> str:
    return "filter policy" if getattr(challenge, "filter_scope", "") else "event pattern"


def show_goal(ui, challenge, samples) -> None:
    ui.say(f"\n[bold]Challenge: {challenge.title}[/]" + (" [dim](extra credit)[/]" if challenge.optional else ""))
    ui.say(challenge.goal.strip())
    def shown(name: str) -> str:
        sample = samples[name]
        if getattr(challenge, "filter_scope", "") == "MessageAttributes":
            return "attributes " + json.dumps(sample.attributes)
        return json.dumps(sample.detail) + (f"  (replay-name: {sample.replay_name})" if getattr(sample, "replay_name", "") else "")

    rows = [[name, "must match", shown(name)] for name in challenge.must_match]
    rows += [[name, "must NOT match", shown(name)] for name in challenge.must_not_match]
    title = ("SNS messages published to the Orders topic" if getattr(challenge, "filter_scope", "")
             else "Events (source com.aws.orders, detail-type Order Notification)")
    ui.table(title, ["sample", "", "message" if getattr(challenge, "filter_scope", "") else "detail"], rows, to_stdout=False)


def solve(ctx, challenge) -> dict:
    """The pattern to deploy: the learner's (once it passes) or the reference solution."""
    ui = ctx.ui
    if not ui.interactive:
        return challenge.solution
    samples = ctx.scenario.samples
    show_goal(ui, challenge, samples)
    hinted = False
    while True:
        text = ui.ask_text(f"Your {_what(challenge)} (JSON; finish with Esc then Enter):", multiline=True,
                           validate=_validator(challenge))
        result = grade(challenge, json.loads(text), samples)
        if result.passed:
            ui.say("[green]✓ Your pattern matches every event it should and none it should not.[/]")
            return json.loads(text)
        ui.say("[red]✗ Not yet:[/]")
        for problem in result.problems():
            ui.say(f"  • {problem}")
        options = [("retry", "Try again")]
        options.append(("solution", "Show the reference solution") if hinted else ("hint", "Show a hint"))
        choice = ui.choose("What next?", options)
        if choice == "hint":
            hinted = True
            ui.say(f"[yellow]Hint:[/] {challenge.hint or 'Look at which field differs between the events.'}")
        elif choice == "solution":
            ui.say("Reference solution:\n" + json.dumps(challenge.solution, indent=2))
            if ui.confirm("Deploy the reference solution?", default=True):
                return challenge.solution


def offer_extra_credit(ctx, challenges) -> None:
    ui = ctx.ui
    if not ui.interactive:
        return
    for challenge in challenges:
        if not ui.confirm(f"Try the extra credit: {challenge.title}?", default=False):
            continue
        show_goal(ui, challenge, ctx.scenario.samples)
        text = ui.ask_text(f"Your {_what(challenge)} (JSON; finish with Esc then Enter):", multiline=True,
                           validate=_validator(challenge))
        result = grade(challenge, json.loads(text), ctx.scenario.samples)
        if result.passed:
            ui.say("[green]✓ Extra credit earned.[/] (Graded locally; the rule keeps the pattern the module verifies.)")
        else:
            for problem in result.problems():
                ui.say(f"  • {problem}")
            ui.say("Reference solution:\n" + json.dumps(challenge.solution, indent=2))
