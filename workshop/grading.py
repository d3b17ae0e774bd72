"""Grade a learner's event pattern against a challenge's events, locally, with explanations.

The events are the challenge's samples wrapped in the envelope EventBridge would deliver, so a
pattern that names `source` or `detail-type` is graded exactly as the bus will route it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import patterns
from .render import failing_reasons


@dataclass
class Case:
    sample: str
    should_match: bool
    matched: bool
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.should_match == self.matched


@dataclass
class Grade:
    valid: bool
    cases: list[Case] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> bool:
        return self.valid and all(c.ok for c in self.cases)

    def problems(self) -> list[str]:
        """What a learner reads: which event was let through or kept out, and by which condition."""
        if not self.valid:
            return [self.error]
        lines = []
        for case in self.cases:
            if case.ok:
                continue
            if case.should_match:
                lines.append(f"{case.sample} should match but does not: {case.why}")
            else:
                lines.append(f"{case.sample} should NOT match but does: nothing in the pattern rules it out ({case.why})")
        return lines


def sample_event(sample, account: str = "123456789012", region: str = "us-east-1") -> dict:
    event = {
        "version": "0", "id": "00000000-0000-0000-0000-000000000000", "detail-type": sample.detail_type,
        "source": sample.source, "account": account, "time": "2026-01-01T00:00:00Z", "region": region,
        "resources": [], "detail": sample.detail,
    }
    if getattr(sample, "replay_name", ""):
        event["replay-name"] = sample.replay_name  # replayed events carry it at the top level
    return event


def grade(challenge, pattern, samples: dict, account: str = "123456789012", region: str = "us-east-1") -> Grade:
    if getattr(challenge, "filter_scope", ""):  # an SNS subscription filter policy, graded by SNS's rules
        from .filter_grading import grade_filter

        return grade_filter(challenge, pattern, samples)
    try:
        matcher = patterns.compile(pattern)
    except patterns.InvalidPatternError as exc:
        return Grade(False, error=str(exc))
    cases = []
    for name, should in [(n, True) for n in challenge.must_match] + [(n, False) for n in challenge.must_not_match]:
        event = sample_event(samples[name], account, region)
        matched = matcher.matches(event)
        why = ""
        if matched != should:
            explanation = patterns.explain(pattern, event)
            why = failing_reasons(explanation) if should else _what_matched(explanation)
        cases.append(Case(name, should, matched, why))
    return Grade(True, cases)


def _what_matched(explanation) -> str:
    held = [f.path for f in explanation.fields if f.matched]
    return "it passes every condition the pattern asks: " + ", ".join(held) if held else "the pattern matches it"
