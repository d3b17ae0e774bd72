"""The ownership mark: tags saying "the EventBridge workshop made this, for module M".

Ownership is proved, not remembered: a resource whose service takes tags is workshop's only when
it carries the mark (the ledger also records it). A same-name resource without the mark is
foreign: used where the workshop only reads it, never modified or deleted. Children that take no
tags (targets, subscriptions, permissions, policy statements) are owned through their ledger record.

Each service spells tags its own way; `tags_param` writes the mark in that spelling and
`marked` reads any of them back.
"""

from __future__ import annotations

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
