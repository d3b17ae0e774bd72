"""The limits EventBridge puts on events and patterns, checked before anything is matched.

- A PutEvents entry may be at most 256 KB, counted as AWS documents ("Calculating PutEvents
  event entry size"): 14 bytes for Time if given, then the UTF-8 bytes of Source, DetailType,
  Detail and each of Resources (entry_size, event_entry_size).
- A pattern may be 2048 characters long (the default "Event pattern size" quota; syntax.py).
- Nesting: AWS documents no depth limit. This engine refuses JSON nested deeper than
  MAX_NESTING_DEPTH levels, far deeper than any real event, so that no walk over a value (ours,
  the json module's, moto's) comes near Python's recursion limit; ~1,000 levels would.
- Non-standard JSON (NaN, Infinity, -Infinity) is refused when text is read (jsonio.py).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

MAX_ENTRY_BYTES = 256 * 1024
MAX_NESTING_DEPTH = 100
_TIME_BYTES = 14


def nesting_depth(value: Any, stop_above: int = MAX_NESTING_DEPTH) -> int:
    """How many objects/arrays deep value goes (a scalar is 0); counting stops past stop_above."""
    if not isinstance(value, (dict, list)):
        return 0
    deepest = 0
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                return deepest
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                pending.append((child, depth + 1))
    return deepest


def too_deep(value: Any) -> bool:
    return nesting_depth(value) > MAX_NESTING_DEPTH


def entry_size(entry: Mapping[str, Any]) -> int:
    """A PutEvents request entry's size as EventBridge counts it; fields of the wrong type
    (left for the caller to refuse) count nothing."""
    size = _TIME_BYTES if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        value = entry.get(name)
        if isinstance(value, str):
            size += _utf8_length(value)
    resources = entry.get("Resources")
    for resource in resources if isinstance(resources, list) else ():
        if isinstance(resource, str):
            size += _utf8_length(resource)
    return size


def _utf8_length(text: str) -> int:
    # ASCII text is as long in bytes as in characters; the check costs far less than encoding.
    return len(text) if text.isascii() else len(text.encode())


def event_entry_size(event: Mapping[str, Any]) -> int:
    """The size of the PutEvents entry an event (envelope and detail) would have been sent as."""
    detail = event.get("detail")
    return entry_size(
        {
            "Time": event.get("time"),
            "Source": event.get("source"),
            "DetailType": event.get("detail-type"),
            "Detail": None if detail is None else json.dumps(detail, separators=(",", ":"), ensure_ascii=False),
            "Resources": event.get("resources") if isinstance(event.get("resources"), list) else None,
        }
    )
