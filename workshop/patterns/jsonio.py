"""Turning pattern and event input (dict or JSON text) into Python values."""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidEventError, InvalidPatternError


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


def load_pattern(pattern: Any) -> tuple[Any, int]:
    """The pattern as Python values, and its length in characters as AWS would count it."""
    if isinstance(pattern, (str, bytes, bytearray)):
        text = pattern.decode() if isinstance(pattern, (bytes, bytearray)) else pattern
        try:
            value = json.loads(
                text, object_pairs_hook=_merge_duplicates, parse_constant=_reject_constant
            )
        except ValueError as exc:
            raise InvalidPatternError(str(exc)) from None
        return value, len(text)
    try:
        text = json.dumps(pattern, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidPatternError(
            "Match value must be String, number, true, false, or null"
        ) from None
    return pattern, len(text)


def load_event(event: Any) -> dict[str, Any]:
    """The event as a dict; text is parsed as JSON."""
    if isinstance(event, (str, bytes, bytearray)):
        try:
            event = json.loads(event, parse_constant=_reject_constant)
        except ValueError as exc:
            raise InvalidEventError(f"Event is not valid JSON: {exc}") from None
    if not isinstance(event, dict):
        raise InvalidEventError(
            f"Event must be a JSON object, not {type(event).__name__}"
        )
    return event
