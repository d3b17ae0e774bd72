"""Why a pattern matches an event or not, field by field, in words for a learner."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .conditions import is_number
from .jsonio import load_event
from .eventpaths import values_at
from .matcher import Matcher, rule_test
from .rules import Leaf, Path, SubRule

_MAX_SHOWN = 80  # characters of an event value shown before it is cut short


@dataclass
class FieldResult:
    path: str
    expected: str
    actual: str
    matched: bool
    reason: str = ""


@dataclass
class Branch:
    """One combination of `$or` branches, e.g. "$or[1] + detail.$or[0]"."""

    label: str
    matched: bool
    fields: list[FieldResult]
    note: str = ""


@dataclass
class Explanation:
    """fields: the deciding branch (the first that matched, else the closest); branches: every
    combination when the pattern uses `$or`, empty otherwise."""

    matched: bool
    fields: list[FieldResult]
    branches: list[Branch] = field(default_factory=list)
    summary: str = ""


def explain(pattern: Any, event: Any) -> Explanation:
    rules = Matcher(pattern).rules
    event = load_event(event)
    branches = [_branch(rule, event) for rule in rules]
    matched = any(branch.matched for branch in branches)
    deciding = next(
        (b for b in branches if b.matched),
        min(branches, key=lambda b: sum(not f.matched for f in b.fields)),
    )
    return Explanation(
        matched=matched,
        fields=deciding.fields,
        branches=branches if len(branches) > 1 else [],
        summary=_summary(matched, deciding, len(branches)),
    )


def _branch(rule: SubRule, event: dict[str, Any]) -> Branch:
    fields = [_field(path, leaf, event) for path, leaf in rule.fields.items()]
    matched = rule_test(rule)(event)
    note = ""
    if not matched and all(f.matched for f in fields):
        note = (
            "Each field matches on its own, but not within one element of the same array: "
            "EventBridge requires fields inside an array of objects to match in the same element."
        )
    return Branch(rule.label, matched, fields, note)


def _field(path: Path, leaf: Leaf, event: dict[str, Any]) -> FieldResult:
    name = ".".join(path)
    found = values_at(event, path)
    actual = ", ".join(_show(v) for v in found) if found else "(missing)"
    matched = rule_test(SubRule({path: leaf}))(event)
    reason = "" if matched else _reason(name, leaf, found, actual)
    return FieldResult(name, leaf.description, actual, matched, reason)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _reason(name: str, leaf: Leaf, found: list[Any], actual: str) -> str:
    if any(cond.exists is False for cond in leaf.conditions) and found:
        sentence = f"{name} is present ({actual}) but the pattern requires it to be absent."
    elif not found:
        sentence = f"{name} is missing from the event; the pattern expects {leaf.description}."
    else:
        sentence = f"{name} is {actual}, which is not {leaf.description}."
    hint = _hint(leaf, found)
    return f"{sentence} {hint}" if hint else sentence


def _hint(leaf: Leaf, found: list[Any]) -> str:
    """A pointer at the usual mistakes: crossing types, or stopping at an object."""
    values = [v for item in found for v in (item if type(item) is list else [item])]
    if any(type(v) is dict for v in values):
        return (
            "The event has an object there; patterns compare leaf values only, "
            "so nest the pattern to reach inside it."
        )
    kinds = {cond.kind for cond in leaf.conditions}
    if "numeric" in kinds and values and not any(is_number(v) for v in values):
        return "Numeric matching only applies to JSON numbers, not strings."
    literals = {cond.description for cond in leaf.conditions if cond.kind == "equals"}
    for value in values:
        if type(value) is str and value in literals:
            return (
                f'The event has the string "{value}" but the pattern has {value}, '
                "which is not a string; types never match across."
            )
        text = json.dumps(value)
        if type(value) is not str and json.dumps(text) in literals:
            return (
                f'The event has {text}, which is not a string, but the pattern has the '
                f'string "{text}"; types never match across.'
            )
    return ""


def _summary(matched: bool, deciding: Branch, branch_count: int) -> str:
    where = f" (through {deciding.label})" if branch_count > 1 else ""
    if matched:
        return f"The event matches the pattern{where}."
    failed = [f for f in deciding.fields if not f.matched]
    if failed:
        first = failed[0].reason
        more = f" ({len(failed) - 1} more field(s) fail too.)" if len(failed) > 1 else ""
        lead = "No $or branch matches; closest" if branch_count > 1 else "The event does not match"
        return f"{lead}{where}: {first}{more}"
    return f"The event does not match{where}: {deciding.note}"
