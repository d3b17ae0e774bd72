"""Faults on demand (`POST /_workshop/faults`): throttle, fail or deny (AccessDenied) a fraction
of AWS calls, or hold each one for a few seconds (a slow or hanging service), all of them or only
the named operations (in every protocol: JSON, query, REST-JSON, REST-XML), so retry, permission
and interrupt handling can be exercised on the sandbox."""

from __future__ import annotations

import json
import random
import threading
import time
from xml.sax.saxutils import escape as xml_escape
from .front import Request, Response
from .operations import operation_name, protocol
from .service import Service


MAX_DELAY_S = 60.0  # a held call always ends: a test must never hang on the sandbox


class Faults(Service):
    priority = 100

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.throttle, self.error, self.deny, self.delay, self.operations = 0.0, 0.0, 0.0, 0.0, frozenset()

    reset = clear

    def routes(self) -> dict:
        return {"/faults": self.configure}

    def describe(self) -> dict:
        with self._lock:
            return {"throttle": self.throttle, "error": self.error, "deny": self.deny, "delay": self.delay,
                    "operations": sorted(self.operations)}

    def configure(self, body: dict) -> Response:
        updates = {}
        for key in ("throttle", "error", "deny"):
            if key in body:
                try:
                    value = float(body[key])
                except (TypeError, ValueError):
                    value = -1.0
                if not 0 <= value <= 1:
                    return Response.of_json({"message": f"{key} must be a fraction between 0 and 1"}, 400)
                updates[key] = value
        if "delay" in body:
            try:
                delay = float(body["delay"])
            except (TypeError, ValueError):
                delay = -1.0
            if not 0 <= delay <= MAX_DELAY_S:
                return Response.of_json({"message": f"delay must be a number of seconds between 0 and {MAX_DELAY_S:.0f}"}, 400)
            updates["delay"] = delay
        if "operations" in body:
            operations = body["operations"] or []
            if not isinstance(operations, list) or not all(isinstance(o, str) and o for o in operations):
                return Response.of_json({"message": "operations must be a list of operation names, e.g. [\"PutTargets\"]"}, 400)
            updates["operations"] = frozenset(operations)
        if sum(updates.get(k, getattr(self, k)) for k in ("throttle", "error", "deny")) > 1:
            return Response.of_json({"message": "throttle + error + deny must not exceed 1"}, 400)
        with self._lock:
            for key, value in updates.items():
                setattr(self, key, value)
        return Response.of_json(self.describe())

    def active(self) -> bool:
        """Whether any fault is on (read without the lock: a change lands on the next call)."""
        return bool(self.throttle or self.error or self.deny or self.delay)

    def check(self, request: Request) -> Response | None:
        """The injected failure for this request, or None to let it through."""
        with self._lock:
            throttle, error, deny, delay, operations = self.throttle, self.error, self.deny, self.delay, self.operations
        if not throttle and not error and not deny and not delay:
            return None
        if operations and operation_name(request) not in operations:
            return None
        if delay:
            time.sleep(delay)
        roll = random.random()
        if roll < throttle:
            return _error(request, "throttle")
        if roll < throttle + error:
            return _error(request, "error")
        if roll < throttle + error + deny:
            return _error(request, "deny")
        return None


# (code, status) per protocol family, so each SDK recognises the failure as retryable.
_CODES = {
    "json": {"throttle": ("ThrottlingException", 400), "error": ("InternalFailure", 500), "deny": ("AccessDeniedException", 400)},
    "query": {"throttle": ("Throttling", 400), "error": ("InternalFailure", 500), "deny": ("AccessDenied", 403)},
    "rest": {"throttle": ("TooManyRequestsException", 429), "error": ("ServiceException", 500), "deny": ("AccessDeniedException", 403)},
}
_MESSAGES = {"throttle": "Rate exceeded (injected by the sandbox)", "error": "Injected failure (sandbox fault injection)",
             "deny": "User is not authorized to perform this action (injected by the sandbox)"}


def _error(request: Request, kind: str) -> Response:
    family = {"json": "json", "rest-json": "rest", "rest-xml": "rest"}.get(protocol(request), "query")
    code, status = _CODES[family][kind]
    return aws_error(request, code, _MESSAGES[kind], status)


def aws_error(request: Request, code: str, message: str, status: int) -> Response:
    """An error in the shape the request's protocol uses, so the SDK reads its code and message."""
    kind = protocol(request)
    if kind in ("rest-xml", "query"):
        message = xml_escape(message)
    if kind == "json":
        return Response.aws_json_error(code, message, status)
    if kind == "rest-json":
        return Response(status, json.dumps({"Type": "Service", "message": message}).encode(),
                        {"Content-Type": "application/json", "x-amzn-ErrorType": code})
    if kind == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>sandbox</RequestId></Error>"
        return Response(status, body.encode(), {"Content-Type": "application/xml"})
    body = (f"<ErrorResponse><Error><Type>{'Sender' if status < 500 else 'Receiver'}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>sandbox</RequestId></ErrorResponse>")
    return Response(status, body.encode(), {"Content-Type": "text/xml"})
