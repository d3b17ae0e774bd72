"""One request through the REST API stand-in (`Call`, with the execution log lines it writes), the
gateway's fixed answers, and the small pure helpers its parts share.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..front import Response
from ..ids import new_id


LOCAL_PREFIX = "/_aws/execute-api/"
USER_REQUEST = re.compile(r"^/restapis/([^/]+)/([^/]+)/_user_request_/?(.*)$", re.S)
HOST = re.compile(r"^([a-z0-9]{1,32})\.execute-api\.([^:]+?)(?::\d+)?$", re.IGNORECASE)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
LAMBDA_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):lambda:path/[^/]+/functions/(.+?)/invocations$")
STATUS_IN_TEMPLATE = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')
MASKED_HEADERS = {"authorization", "x-api-key", "cookie", "proxy-authorization", "x-amz-security-token"}
INTEGRATION_TIMEOUT_S = 29.0  # API Gateway's default integration timeout

EXPLICIT_DENY = {"Message": "User is not authorized to access this resource with an explicit deny"}
IMPLICIT_DENY = {"Message": "User is not authorized to access this resource"}
UNAUTHORIZED = {"message": "Unauthorized"}
MISSING_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_ERROR = {"message": "Internal server error"}


class Stop(Exception):
    """Ends a request early with a gateway response."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


@dataclass
class Call:
    """One request through the stand-in, and the execution log lines it writes."""

    region: str
    api_id: str
    stage: str
    method: str
    path: str  # the resource path part, after the stage
    query: list[tuple[str, str]]
    headers: dict[str, str]  # as sent (case preserved)
    body: bytes
    source_ip: str
    request_id: str = field(default_factory=new_id)
    extended_id: str = field(default_factory=lambda: base64.b64encode(os.urandom(6)).decode().rstrip("=") + "FA=")
    level: str = ""  # "", "ERROR" or "INFO"
    trace: bool = False
    lines: list[tuple[int, str]] = field(default_factory=list)
    stage_variables: dict = field(default_factory=dict)

    def info(self, message: str) -> None:
        if self.level == "INFO":
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def data(self, message: str) -> None:
        if self.level == "INFO" and self.trace:
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def error(self, message: str) -> None:
        if self.level in ("INFO", "ERROR"):
            self.lines.append((int(time.time() * 1000), f"({self.request_id}) {message}"))

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


# -- helpers -------------------------------------------------------------------------------


def match_path(pattern: list[str], wanted: list[str]) -> tuple[tuple, dict] | None:
    """(specificity, path parameters) when the resource path matches; literal beats {param}
    beats {greedy+}."""
    params: dict[str, str] = {}
    score = []
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(wanted) or index != len(pattern) - 1:
                return None
            params[part[1:-2]] = "/".join(wanted[index:])
            score.append(0)
            return tuple(score), params
        if index >= len(wanted):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = urllib.parse.unquote(wanted[index])
            score.append(1)
        elif part == wanted[index]:
            score.append(2)
        else:
            return None
    if len(pattern) != len(wanted):
        return None
    return tuple(score) + (3,), params


def evaluate_policy(policy: dict, method_arn: str) -> str | None:
    """'Deny' if a statement denies execute-api:Invoke on the method, else 'Allow' if one allows it."""
    statements = policy.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if not any(glob_match(str(a).lower(), "execute-api:invoke") for a in actions):
            continue
        if not any(glob_match(str(r), method_arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).capitalize()
        if effect == "Deny":
            return "Deny"
        allowed = allowed or effect == "Allow"
    return "Allow" if allowed else None


def glob_match(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def pick_template(templates: dict, content_type: str | None) -> str | None:
    if not templates:
        return None
    wanted = (content_type or "application/json").split(";")[0].strip().lower()
    for key, value in templates.items():
        if key.lower() == wanted:
            return value
    return templates.get("application/json", next(iter(templates.values())))


def render_template(template: str, body: bytes) -> str:
    """The smallest useful VTL: a literal template, `$input.body` and `$input.json('$')`."""
    text = body.decode("utf-8", "replace")
    return (template.replace("$input.json('$')", text or "{}").replace('$input.json("$")', text or "{}")
            .replace("$input.body", text))


def json_response(status: int, document) -> Response:
    return Response(status, json.dumps(document, separators=(",", ":")).encode(), {"Content-Type": "application/json"})


def title_case(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def mask(value: str, keep: int = 0) -> str:
    """Stars for a credential; `keep` trailing characters shown (API Gateway shows 6 of a principal)."""
    if not value:
        return ""
    if keep and len(value) > keep:
        return "*" * (len(value) - keep) + value[-keep:]
    return "*" * len(value) if not keep else value


def masked_headers(headers: dict) -> dict:
    return {k: (mask(v) if k.lower() in MASKED_HEADERS else v) for k, v in headers.items()}


def java_map(values: dict) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in values.items()) + "}"


def as_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    return text if len(text) <= 1024 * 64 else text[: 1024 * 64] + " [TRUNCATED]"


def request_time() -> str:
    return datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
