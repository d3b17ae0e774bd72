"""How each service says "that does not exist", in one place: lookups turn it into None, and
cleanup counts a deletion that meets it as done."""

from __future__ import annotations

from typing import Callable

NOT_FOUND: dict[str, tuple[str, ...]] = {
    "events": ("ResourceNotFoundException",),
    "logs": ("ResourceNotFoundException",),
    "lambda": ("ResourceNotFoundException",),
    "sqs": ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
    "sns": ("NotFound", "NotFoundException"),
    "iam": ("NoSuchEntity",),
    "apigateway": ("NotFoundException",),
    "stepfunctions": ("StateMachineDoesNotExist", "ResourceNotFound", "ExecutionDoesNotExist"),
}
NOT_FOUND_CODES = frozenset(code for codes in NOT_FOUND.values() for code in codes)


def error_code(exc) -> str:
    """The AWS error code of a botocore ClientError ("" when it has none)."""
    return (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")


def error_message(exc) -> str:
    """The AWS error message of a botocore ClientError ("" when it has none)."""
    return (getattr(exc, "response", None) or {}).get("Error", {}).get("Message") or ""


def is_not_found(exc) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


def found(call: Callable[[], dict]) -> dict | None:
    """The call's answer, or None when AWS says the thing does not exist."""
    import botocore.exceptions

    try:
        return call()
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return None
        raise
