"""A secret value (the Basic-auth password) that masks itself everywhere it could be shown."""

from __future__ import annotations

from typing import Any


class Secret(str):
    """A string that never shows itself: repr/str-formatting in plans, logs and tracebacks mask it."""

    def __repr__(self) -> str:
        return "'****'"

    def reveal(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return "****"

    def __format__(self, spec: str) -> str:
        return "****"


def reveal(value: Any) -> Any:
    """Unmask secrets just before the boto3 call."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def masked(value: Any) -> Any:
    if isinstance(value, Secret):
        return "****"
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value
