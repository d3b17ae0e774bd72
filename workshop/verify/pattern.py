"""Check: the deployed rule's pattern passes its challenge (must-match in, must-not-match out)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..grading import grade
from . import Outcome, check_kind


@dataclass
class PatternGradedArgs:
    rule: str
    challenge: str
    bus: str = "default"


@check_kind("pattern_graded", PatternGradedArgs)
def pattern_graded(ctx, args: PatternGradedArgs) -> Outcome:
    rule = ctx.found(lambda: ctx.client("events").describe_rule(Name=args.rule, EventBusName=args.bus))
    if not rule:
        return Outcome(False, f"there is no rule {args.rule} on bus {args.bus}")
    if not rule.get("EventPattern"):
        return Outcome(False, f"rule {args.rule} has no event pattern")
    challenge = ctx.scenario.challenge(args.challenge)
    result = grade(challenge, json.loads(rule["EventPattern"]), ctx.scenario.samples, ctx.account, ctx.region)
    if result.passed:
        return Outcome(True, f"the pattern of {args.rule} matches {', '.join(challenge.must_match)}"
                             + (f" and not {', '.join(challenge.must_not_match)}" if challenge.must_not_match else ""))
    return Outcome(False, f"the pattern of {args.rule} {rule['EventPattern']}: " + "; ".join(result.problems()))
