"""Reading JSON arguments the way the CLI contract says: inline JSON, @file.json, or - for stdin."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .errors import BadInput

DEFAULT_ENVELOPE = {
    "version": "0",
    "source": "com.aws.orders",
    "detail-type": "Order Notification",
    "account": "123456789012",
    "region": "us-east-1",
    "resources": [],
}

_stdin_used = False


def read_json_arg(value: str, what: str):
    """Parse one PATTERN/EVENT argument; errors are one sentence naming the argument."""
    global _stdin_used
    if value == "-":
        if _stdin_used:
            raise BadInput(f"Only one argument can be read from stdin ('-'); give the {what} inline or as @file.json.")
        _stdin_used = True
        text, where = sys.stdin.read(), "stdin"
    elif value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            text, where = path.read_text(), str(path)
        except OSError as exc:
            raise BadInput(f"Cannot read the {what} file {path}: {exc.strerror}.") from None
    else:
        text, where = value, "the command line"
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadInput(f"The {what} from {where} is not valid JSON: {exc}.") from None


def complete_event(event, *, detail_only: bool = False) -> tuple[dict, list[str]]:
    """Fill the envelope fields AWS requires (TestEventPattern makes users hand-write them; we don't).

    Returns the event and the names of the fields that were filled, so the CLI can say so.
    """
    if not isinstance(event, dict):
        raise BadInput("An event must be a JSON object.")
    if detail_only:
        event = {"detail": event}
    filled = []
    defaults = dict(DEFAULT_ENVELOPE, id=str(uuid.uuid4()),
                    time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    completed = dict(event)
    for key in ("version", "id", "detail-type", "source", "account", "time", "region", "resources"):
        if key not in completed:
            completed[key] = defaults[key]
            filled.append(key)
    return completed, filled
