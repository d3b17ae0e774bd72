"""Reading JSON arguments the way the CLI contract says: inline JSON, @file.json, or - for stdin."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .errors import BadInput
from .limits import MAX_EVENT_BYTES

# The envelope fields every event has; source and detail-type come from the scenario's default events.
ENVELOPE = {"version": "0", "account": "123456789012", "region": "us-east-1", "resources": []}

_stdin_used = False


def _reject_constant(name: str):
    raise ValueError(f"{name} is not standard JSON (EventBridge refuses it)")


def _read_bytes(value: str, what: str) -> tuple[bytes, str]:
    """The raw argument, never more than the largest event EventBridge accepts (plus one byte)."""
    global _stdin_used
    if value == "-":
        if _stdin_used:
            raise BadInput(f"Only one argument can be read from stdin ('-'); give the {what} inline or as @file.json.")
        _stdin_used = True
        return sys.stdin.buffer.read(MAX_EVENT_BYTES + 1), "stdin"
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            with open(path, "rb") as handle:
                return handle.read(MAX_EVENT_BYTES + 1), str(path)
        except OSError as exc:
            raise BadInput(f"Cannot read the {what} file {path}: {exc.strerror or exc}.") from None
    try:
        return value.encode("utf-8"), "the command line"
    except UnicodeEncodeError:  # undecodable bytes in argv arrive as lone surrogates
        raise BadInput(f"The {what} on the command line is not valid UTF-8 text.") from None


def read_json_arg(value: str, what: str):
    """Parse one PATTERN/EVENT argument; errors are one sentence naming the argument."""
    data, where = _read_bytes(value, what)
    if len(data) > MAX_EVENT_BYTES:
        raise BadInput(f"The {what} from {where} is larger than 256 KB, the most EventBridge accepts for an event.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"The {what} from {where} is not UTF-8 text (byte {exc.start} cannot be decoded): save it as UTF-8.") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise BadInput(f"The {what} from {where} is nested too deeply to be an EventBridge {what}.") from None
    except ValueError as exc:
        raise BadInput(f"The {what} from {where} is not valid JSON: {exc}.") from None


def complete_event(event, *, detail_only: bool = False, source: str = "example.source",
                   detail_type: str = "Example event") -> tuple[dict, list[str]]:
    """Fill the envelope fields AWS requires (TestEventPattern makes users hand-write them; we don't).

    Returns the event and the names of the fields that were filled, so the CLI can say so.
    """
    if not isinstance(event, dict):
        raise BadInput("An event must be a JSON object.")
    if detail_only:
        event = {"detail": event}
    filled = []
    defaults = dict(ENVELOPE, source=source, id=str(uuid.uuid4()), **{"detail-type": detail_type},
                    time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    completed = dict(event)
    for key in ("version", "id", "detail-type", "source", "account", "time", "region", "resources"):
        if key not in completed:
            completed[key] = defaults[key]
            filled.append(key)
    return completed, filled
