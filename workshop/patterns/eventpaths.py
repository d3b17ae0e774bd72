"""Reading an event the way event-ruler flattens it: by dotted field paths.

event-ruler turns an event into "a.b.c" = value pairs, so an event key that holds a dot is
the same field as the nested keys it spells: {"state.status": "x"} and {"state": {"status":
"x"}} both give state.status. Pattern keys are split at dots when a pattern is read (syntax.py);
an event object is split only when it has a dotted key the pattern could reach (expand).
None of these walks recurse on the event's own depth, so any nesting is safe.
"""

from __future__ import annotations

from typing import Any, Iterator

MISSING = object()


def scalars(values: list[Any]) -> Iterator[Any]:
    """The leaf values of an event array, nested arrays flattened, objects skipped."""
    for value in values:
        if type(value) is list:
            yield from _walk(value, scalars=True)
        elif type(value) is not dict:
            yield value


def objects(values: list[Any]) -> list[Any]:
    """The objects of an event array, nested arrays flattened."""
    found = []
    for value in values:
        if type(value) is dict:
            found.append(value)
        elif type(value) is list:
            found.extend(_walk(value, scalars=False))
    return found


def _walk(values: list[Any], scalars: bool) -> Iterator[Any]:
    """Nested arrays, however deep, without recursion: their scalars, or their objects."""
    stack = [iter(values)]
    while stack:
        for value in stack[-1]:
            if type(value) is list:
                stack.append(iter(value))
                break
            if (type(value) is dict) is not scalars:
                yield value
        else:
            stack.pop()


def expand(obj: dict[str, Any]) -> dict[str, Any]:
    """obj with each dotted key split into nested objects, merged with what is already there.

    Two values landing on one field become a list of both, as event-ruler sees two values for
    one path; two objects merge field by field.
    """
    expanded: dict[str, Any] = {}
    for key, value in obj.items():
        if "." in key:
            first, *rest = key.split(".")
            for part in reversed(rest):
                value = {part: value}
            key = first
        expanded[key] = _combine(expanded[key], value) if key in expanded else value
    return expanded


def _combine(earlier: Any, later: Any) -> Any:
    if type(earlier) is dict and type(later) is dict:
        merged = dict(earlier)
        for key, value in later.items():
            merged[key] = _combine(merged[key], value) if key in merged else value
        return merged
    as_list = (lambda v: v if type(v) is list else [v])
    return as_list(earlier) + as_list(later)


def has_dotted_key(obj: dict[str, Any]) -> bool:
    return any("." in key for key in obj)


def values_at(node: Any, path: tuple[str, ...]) -> list[Any]:
    """Everything the event holds at path, looking through arrays of objects."""
    found: list[Any] = []
    pending = [(node, 0)]
    while pending:
        current, depth = pending.pop()
        if depth == len(path):
            found.append(current)
        elif type(current) is dict:
            if has_dotted_key(current):
                current = expand(current)
            if path[depth] in current:
                pending.append((current[path[depth]], depth + 1))
        elif type(current) is list:
            pending.extend((element, depth) for element in reversed(objects(current)))
    return found


def leaf_values(node: Any, path: tuple[str, ...]) -> list[Any]:
    """The scalar values at path: what a leaf condition is tested against."""
    found: list[Any] = []
    for value in values_at(node, path):
        if type(value) is list:
            found.extend(scalars(value))
        elif type(value) is not dict:
            found.append(value)
    return found
