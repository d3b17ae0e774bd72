"""The ownership mark: tags saying "the EventBridge workshop made this, for module M".

Ownership is proved, not remembered: a resource whose service takes tags is workshop's only when
it carries the mark (the ledger also records it). A same-name resource without the mark is
foreign: used where the workshop only reads it, never modified or deleted. Children that take no
tags (targets, subscriptions, permissions, policy statements) are owned through their ledger record.

Each service spells tags its own way; `tags_param` writes the mark in that spelling and
`marked` reads any of them back.
"""

from __future__ import annotations

from .errors import WorkshopError

TOOL_KEY, TOOL_VALUE = "workshop:tool", "eventbridge-workshop"
MODULE_KEY = "workshop:module"

# service -> (parameter name on its create call, spelling)
_CREATE_PARAM = {
    "events": ("Tags", "KeyValueList"),
    "sns": ("Tags", "KeyValueList"),
    "iam": ("Tags", "KeyValueList"),
    "stepfunctions": ("tags", "keyvalueList"),
    "logs": ("tags", "map"),
    "sqs": ("tags", "map"),
    "lambda": ("Tags", "map"),
    "apigateway": ("tags", "map"),
}


def mark(module: str) -> dict[str, str]:
    return {TOOL_KEY: TOOL_VALUE, MODULE_KEY: module or "workshop"}


def tags_param(service: str, module: str) -> dict:
    """The create call's extra parameter carrying the mark, e.g. {"Tags": [{"Key": ..., "Value": ...}]}."""
    name, spelling = _CREATE_PARAM[service]
    tags = mark(module)
    if spelling == "map":
        return {name: tags}
    if spelling == "keyvalueList":
        return {name: [{"key": k, "value": v} for k, v in tags.items()]}
    return {name: [{"Key": k, "Value": v} for k, v in tags.items()]}


def as_dict(tags) -> dict[str, str]:
    """Any service's tag spelling (a map, or a list of Key/Value or key/value pairs) as a plain dict."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out = {}
    for item in tags:
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out


def marked(tags) -> bool:
    return as_dict(tags).get(TOOL_KEY) == TOOL_VALUE


def takes_tags(service: str) -> bool:
    return service in _CREATE_PARAM


class ForeignResource(WorkshopError):
    """A same-name resource workshop did not make, which the workshop would have to change."""

    def __init__(self, label: str, why: str, adoptable: bool = True, reason: str = ""):
        choices = ("remove or rename it, or run again with --adopt to let workshop take it over "
                   "(cleanup then puts back what it is now)") if adoptable else \
            f"remove or rename it, then run again (--adopt cannot take it over: {reason})"
        super().__init__(f"{label} exists but workshop did not make it ({why}), and the workshop would have to change it: "
                         f"{choices}.")
        self.sentence = str(self)


class ForeignResources(WorkshopError):
    """Every refusal a run found before changing anything, one sentence each."""

    def __init__(self, refusals: list[ForeignResource]):
        lines = [r.sentence for r in refusals]
        super().__init__(f"workshop changed nothing: {len(lines)} resource(s) with the workshop's names are not workshop's."
                         + "".join(f"\n  - {line}" for line in lines))
        self.refusals = lines
