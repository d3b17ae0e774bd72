"""Grade a learner's SNS subscription filter policy against a challenge's messages, locally.

The messages are the challenge's samples as the module publishes them: the detail as the JSON
body, the `attributes` as typed message attributes. SNS's own rules decide (`sns_filters`), in
the terminal flow too: what the learner types is checked as a filter policy, never as an event
pattern, and the challenge shows the part of each message the policy's scope reads.
"""

from __future__ import annotations

from .grading import Case, Grade
from .sns_filters import Attribute, InvalidFilterPolicyError, matches, validate


def typed_attributes(attributes: dict) -> dict[str, Attribute]:
    from .steps.sns_filtering import message_attributes

    return {name: Attribute(a["DataType"], a["StringValue"]) for name, a in message_attributes(attributes).items()}


STARTER = "{\n  \n}\n"  # a policy names the learner's own keys: nothing to pre-fill


def policy_problem(policy, scope: str) -> str | None:
    """None when SNS would accept the policy, else the reason in SNS's words."""
    try:
        validate(policy, scope)
    except InvalidFilterPolicyError as exc:
        return f"not a valid SNS filter policy (FilterPolicyScope {scope}): {exc}"
    return None


def message_rows(challenge, samples: dict) -> tuple[str, list[list[str]]]:
    """The table of the challenge's messages, as the policy's scope sees them: (title, rows)."""
    import json

    def seen(name: str) -> str:
        sample = samples[name]
        if challenge.filter_scope == "MessageBody":
            return json.dumps(sample.detail)
        return ", ".join(f"{k} ({a.data_type}) {a.value}" for k, a in typed_attributes(sample.attributes).items())

    rows = [[name, "must pass", seen(name)] for name in challenge.must_match]
    rows += [[name, "must NOT pass", seen(name)] for name in challenge.must_not_match]
    part = "body" if challenge.filter_scope == "MessageBody" else "message attributes"
    return f"The messages published to the topic (their {part}, which the policy reads)", rows


def grade_filter(challenge, policy, samples: dict) -> Grade:
    import json

    scope = challenge.filter_scope
    try:
        policy = validate(policy, scope)
    except InvalidFilterPolicyError as exc:
        return Grade(False, error=str(exc))
    cases = []
    for name, should in [(n, True) for n in challenge.must_match] + [(n, False) for n in challenge.must_not_match]:
        sample = samples[name]
        attributes = typed_attributes(sample.attributes)
        passed = matches(policy, scope=scope, attributes=attributes, body=json.dumps(sample.detail))
        why = ""
        if passed != should:
            why = _why(policy, scope, attributes, sample.detail, should)
        cases.append(Case(name, should, passed, why))
    return Grade(True, cases)


def _why(policy: dict, scope: str, attributes: dict, detail: dict, should: bool) -> str:
    """Which keys of the policy the message fails (or, when it should not pass, that none rules it out)."""
    import json

    failing = [key for key, rule in policy.items()
               if not matches({key: rule}, scope=scope, attributes=attributes, body=json.dumps(detail))]
    where = "body" if scope == "MessageBody" else "attributes"
    have = detail if scope == "MessageBody" else {k: a.value for k, a in attributes.items()}
    if should:
        return f"its {where} {json.dumps(have)} fail the policy's {', '.join(failing) or 'conditions'}"
    return f"its {where} {json.dumps(have)} satisfy every key of the policy"
