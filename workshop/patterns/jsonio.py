"""Turning pattern and event input (dict or JSON text) into Python values."""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidEventError, InvalidPatternError
from .limits import MAX_ENTRY_BYTES, MAX_NESTING_DEPTH, event_entry_size, too_deep


def _merge_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # event-ruler reads a pattern as a stream of paths, so a repeated key adds its paths to
    # the earlier ones and a repeated leaf path keeps the last value (aws/event-ruler#22).
    merged: dict[str, Any] = {}
    for key, value in pairs:
        earlier = merged.get(key)
        if isinstance(earlier, dict) and isinstance(value, dict):
            merged[key] = _merge_duplicates([*earlier.items(), *value.items()])
        else:
            merged[key] = value
    return merged


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


class TooDeep(ValueError):
    """JSON nested deeper than MAX_NESTING_DEPTH."""

    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_NESTING_DEPTH} levels deep")


# json.loads with options builds a new decoder each call (half the cost of a small event's parse).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(text: str | bytes | bytearray, **hooks: Any) -> Any:
    """JSON text as Python values, refusing NaN/Infinity and nesting past the limit.

    Raises ValueError, TooDeep for nesting (its message completes "The event is ..."); never
    RecursionError, however deep the text goes.
    """
    try:
        if hooks or not isinstance(text, str) or text.startswith("\ufeff"):
            value = json.loads(text, parse_constant=_reject_constant, **hooks)  # bytes, a BOM, hooks
        else:
            value = _DECODER.decode(text)
    except RecursionError:
        raise TooDeep() from None
    if _may_be_too_deep(text) and too_deep(value):
        raise TooDeep()
    return value


def _may_be_too_deep(text: str | bytes | bytearray) -> bool:
    """Whether the text has enough brackets to nest past the limit (counting is far cheaper than
    walking the parsed value, and every object or array opens with one)."""
    if isinstance(text, str):
        return text.count("{") + text.count("[") > MAX_NESTING_DEPTH
    return text.count(b"{") + text.count(b"[") > MAX_NESTING_DEPTH


def load_pattern(pattern: Any) -> tuple[Any, int]:
    """The pattern as Python values, and its length in characters as AWS would count it."""
    if isinstance(pattern, (str, bytes, bytearray)):
        text = pattern.decode() if isinstance(pattern, (bytes, bytearray)) else pattern
        try:
            value = loads(text, object_pairs_hook=_merge_duplicates)
        except TooDeep as exc:
            raise InvalidPatternError(f"Event pattern is {exc}") from None
        except ValueError as exc:
            raise InvalidPatternError(str(exc)) from None
        return value, len(text)
    if too_deep(pattern):
        raise InvalidPatternError(f"Event pattern is {TooDeep()}")
    try:
        text = json.dumps(pattern, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidPatternError(
            "Match value must be String, number, true, false, or null"
        ) from None
    return pattern, len(text)


def load_event(event: Any) -> dict[str, Any]:
    """The event as a dict, within EventBridge's limits; text is parsed as JSON."""
    if isinstance(event, (str, bytes, bytearray)):
        try:
            event = loads(event)
        except TooDeep as exc:
            raise InvalidEventError(f"Event is {exc}") from None
        except ValueError as exc:
            raise InvalidEventError(f"Event is not valid JSON: {exc}") from None
    elif too_deep(event):
        raise InvalidEventError(f"Event is {TooDeep()}")
    if not isinstance(event, dict):
        raise InvalidEventError(
            f"Event must be a JSON object, not {type(event).__name__}"
        )
    size = event_entry_size(event)
    if size > MAX_ENTRY_BYTES:
        raise InvalidEventError(
            f"Event is too large: as a PutEvents entry it is {size} bytes; "
            f"the limit is {MAX_ENTRY_BYTES} (256 KB)"
        )
    return event
