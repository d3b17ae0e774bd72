"""What a rule target receives: the event, or the target's `Input` / `InputPath` / `InputTransformer`.

Pure functions, no I/O. `shape()` returns the payload text as EventBridge delivers it;
`validate_target()` is the PutTargets-time check. Behaviour follows the AWS docs page
"Amazon EventBridge input transformation" and LocalStack's AWS-validated snapshots
(tests/aws/services/events/test_events_inputs.py):

- no shaping: the event as minified JSON;
- `Input`: the constant JSON text, untouched;
- `InputPath`: the selected value as JSON (a string comes out quoted: `"baz"`);
- `InputTransformer`: placeholders `<name>` take values from `InputPathsMap` JSONPaths or the
  predefined `aws.events.*` variables. Outside quotes a value goes in as JSON (strings quoted);
  inside a quoted string it goes in as text. A path that matches nothing gives an empty string
  (`"command": ""` unquoted, nothing inside quotes). A template that is a quoted string is
  delivered as that JSON string, quotes included; a JSON template is delivered minified.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["InputShapingError", "JSONPathError", "select", "shape", "validate_target"]

PREDEFINED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event",
    "aws.events.event.json",
    "aws.events.event.ingestion-time",
)
# Whole-event variables are inserted unescaped, so AWS allows them only as JSON values.
_JSON_ONLY = ("aws.events.event", "aws.events.event.json")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


class InputShapingError(ValueError):
    """The target's input configuration is invalid (PutTargets would reject it)."""


class JSONPathError(InputShapingError):
    """A JSONPath is malformed or uses syntax EventBridge does not support."""


# -- public API ----------------------------------------------------------------------------


def shape(target: dict, event: dict, *, rule_name: str, rule_arn: str,
          ingestion_time: str | None = None) -> str:
    """The payload text EventBridge delivers to `target` (a PutTargets Target dict) for `event`.

    `ingestion_time` is the ISO-8601 time EventBridge received the event (default: event["time"]).
    An `InputPath` that selects nothing yields an empty payload ("").
    """
    validate_target(target)
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath") is not None:
        value = _select(event, target["InputPath"])
        return "" if value is _MISSING else _dumps(value)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        return _transform(transformer, event, rule_name, rule_arn, ingestion_time)
    return _dumps(event)


def validate_target(target: dict) -> None:
    """Raise InputShapingError for input settings PutTargets rejects."""
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        # AWS's message: "Only one of Input, InputPath, or InputTransformer must be provided for target X."
        raise InputShapingError(f"Only one of Input, InputPath, or InputTransformer must be provided "
                                f"for target {target.get('Id', '')} (got {', '.join(given)}).")
    if "Input" in given:
        try:
            json.loads(target["Input"])
        except (TypeError, ValueError):
            raise InputShapingError(f"Input for target {target.get('Id', '')} is not a valid JSON text.") from None
    if "InputPath" in given:
        _parse_path(target["InputPath"])
    if "InputTransformer" in given:
        transformer = target["InputTransformer"]
        paths = transformer.get("InputPathsMap") or {}
        for name, path in paths.items():
            if name in PREDEFINED:
                raise InputShapingError(f"InputPathsMap key {name!r} is reserved for a predefined variable.")
            if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
                raise InputShapingError(f"InputPathsMap key {name!r} may only use letters, digits, '_' and '-'.")
            _parse_path(path)
        template = transformer.get("InputTemplate")
        if not isinstance(template, str):
            raise InputShapingError(f"InputTransformer for target {target.get('Id', '')} needs an InputTemplate.")
        _render(template, {name: "" for name in paths} | {name: "" for name in PREDEFINED},
                target_id=target.get("Id", ""))


def select(document: Any, path: str, default: Any = None) -> Any:
    """The value at JSONPath `path` in `document`, or `default` when nothing matches.

    Supports what EventBridge documents: `$`, dot notation (dashes, underscores, slashes
    allowed), bracketed names `['x-y']`, array indices `[0]` and wildcards `*` / `[*]` (which
    yield a list of every match).
    """
    steps = _parse_path(path)
    current = [document]
    wildcard = False
    for kind, key in steps:
        wildcard = wildcard or kind == "*"
        nxt = []
        for node in current:
            if kind == "*":
                if isinstance(node, dict):
                    nxt.extend(node.values())
                elif isinstance(node, list):
                    nxt.extend(node)
            elif kind == "index":
                if isinstance(node, list) and -len(node) <= key < len(node):
                    nxt.append(node[key])
            elif isinstance(node, dict) and key in node:
                nxt.append(node[key])
        current = nxt
    if wildcard:
        return current if current else default
    return current[0] if current else default


def _select(document: Any, path: str) -> Any:
    return select(document, path, _MISSING)


# -- JSONPath ------------------------------------------------------------------------------

_PATH_TOKEN = re.compile(
    r"""\.(?P<dot>[^.\[\]]+)            # .name (names may hold - _ / and more)
      | \[(?P<index>-?\d+)\]            # [0]
      | \[(?P<star>\*)\]                # [*]
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]   # ['name']
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]   # ["name"]
    """, re.VERBOSE)


def _parse_path(path: Any) -> list[tuple[str, Any]]:
    if not isinstance(path, str) or not path.startswith("$"):
        raise JSONPathError(f"JSONPath {path!r} must start with '$'.")
    steps: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(path):
        m = _PATH_TOKEN.match(path, pos)
        if not m:
            raise JSONPathError(f"JSONPath {path!r} is not supported at position {pos} "
                                "(use $.a.b, $.a['x-y'], $.a[0] or $.a[*]).")
        if m.group("dot") is not None:
            name = m.group("dot")
            steps.append(("*", None) if name == "*" else ("key", name))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        elif m.group("star") is not None:
            steps.append(("*", None))
        else:
            quoted = m.group("sq") if m.group("sq") is not None else m.group("dq")
            steps.append(("key", re.sub(r"\\(.)", r"\1", quoted)))
        pos = m.end()
    return steps


# -- InputTransformer ----------------------------------------------------------------------


def _transform(transformer: dict, event: dict, rule_name: str, rule_arn: str,
               ingestion_time: str | None) -> str:
    values: dict[str, Any] = {}
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        value = _select(event, path)
        values[name] = "" if value is _MISSING else value  # AWS: a path that matches nothing -> ""
    # aws.events.event is the event without detail, with AWS's own key names (AWS-validated snapshot).
    summary_keys = (("id", "id"), ("account", "account"), ("detailType", "detail-type"), ("time", "time"),
                    ("source", "source"), ("region", "region"), ("resources", "resources"),
                    ("version", "version"))
    values.update({
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time if ingestion_time is not None else event.get("time", ""),
        "aws.events.event": {k: event[src] for k, src in summary_keys if src in event},
        "aws.events.event.json": event,
    })
    return _render(transformer["InputTemplate"], values)


def _render(template: str, values: dict[str, Any], target_id: str = "") -> str:
    """Substitute placeholders according to where each sits, then check and minify the JSON."""
    out: list[str] = []
    in_string = False
    pos = 0
    while pos < len(template):
        ch = template[pos]
        if ch == "<":
            m = _PLACEHOLDER.match(template, pos)
            if m:
                name = m.group(1)
                if name not in values:
                    # AWS's message at PutTargets time.
                    raise InputShapingError(f"InputTemplate for target {target_id} contains invalid "
                                            f"placeholder {name}.")
                if in_string and name in _JSON_ONLY:
                    raise InputShapingError(f"<{name}> can only be used as a JSON value, not inside a "
                                            "quoted string.")
                out.append(_as_text(values[name]) if in_string else _dumps(values[name]))
                pos = m.end()
                continue
        if in_string and ch == "\\" and pos + 1 < len(template):
            out.append(template[pos:pos + 2])  # keep escapes such as \" inside strings as written
            pos += 2
            continue
        if ch == '"':
            in_string = not in_string
        out.append(ch)
        pos += 1
    rendered = "".join(out)
    try:
        parsed = json.loads(rendered)
    except ValueError as exc:
        raise InputShapingError(
            f"InputTemplate is not valid JSON once its placeholders are filled in ({exc.msg}); a text "
            f"template must be one quoted string, e.g. \"\\\"<name> is in <state>\\\"\".") from None
    return _dumps(parsed)


def _as_text(value: Any) -> str:
    """A value inserted inside a JSON string: its text, escaped so the result stays valid JSON."""
    text = value if isinstance(value, str) else _dumps(value)
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _dumps(value: Any) -> str:
    # EventBridge delivers minified JSON and leaves non-ASCII characters as they are.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
