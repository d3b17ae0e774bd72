"""The sandbox's HTTP front: our own endpoints and data plane first, moto for everything else.

Every AWS request passes through here, which makes the front the one place that knows when the
control plane changed (so routing caches are exact) and the place to inject faults.
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

log = logging.getLogger("workshop.sandbox.front")

_REGION_IN_AUTH = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    region: str = "us-east-1"
    service: str = ""  # from the SigV4 scope, e.g. "events", "logs", "lambda"
    target: str = ""  # X-Amz-Target, for JSON protocols

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, payload, status: int = 200, content_type: str = "application/json") -> "Response":
        return cls(status, json.dumps(payload).encode(), {"Content-Type": content_type})

    @classmethod
    def aws_json_error(cls, code: str, message: str, status: int = 400) -> "Response":
        # JSON-protocol services (events, logs, states) read the error type from __type.
        return cls(status, json.dumps({"__type": code, "message": message}).encode(),
                   {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})


Handler = Callable[[Request], "Response | None"]


class Front:
    def __init__(self, moto_app, plane):
        from .changes import Watch

        self.moto_app = moto_app
        self.plane = plane
        self.changes = Watch()  # whether anything was asked to change since the start or a reset

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        request = self._read(environ)
        response = self.answer(request)
        if response is not None:
            headers = {"Content-Length": str(len(response.body)), **response.headers}
            start_response(status_line(response), list(headers.items()))
            return [response.body]
        return self.forward(environ, request, start_response)

    def answer(self, request: Request) -> Response | None:
        """Our own answer (sandbox endpoints, data plane, faults), or None: moto's to give. The
        HTTP server calls this first with a Request it read itself, past WSGI, for speed."""
        self.changes.see(request)
        try:
            return self.plane.handle(request)
        except Exception as exc:  # never let our own bug look like a hung AWS call
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            return Response.aws_json_error("InternalFailure", f"sandbox error: {exc}", 500)

    def forward(self, environ, request: Request, start_response) -> Iterable[bytes]:
        """moto's answer to a request we do not answer ourselves."""
        environ["wsgi.input"] = io.BytesIO(request.body)
        environ["CONTENT_LENGTH"] = str(len(request.body))
        status_holder: list[str] = []

        def capture(status, headers, exc_info=None):
            status_holder.append(status)
            return start_response(status, headers, exc_info)

        result = self.moto_app(environ, capture)
        if status_holder and status_holder[0].startswith("2"):
            self.plane.after_moto(request)
        return result

    def ask_moto(self, request: Request) -> Response:
        """moto's own answer to a request, in process and past every interceptor: for a sandbox
        service that adjusts what moto says (never reachable from outside)."""
        from .inprocess import call_wsgi, wsgi_environ

        environ = wsgi_environ(request.method, request.path, request.query, request.headers.get("host", "127.0.0.1"),
                           request.body)
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ[key] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        status, headers, body = call_wsgi(self.moto_app, environ)
        if 200 <= status < 300:
            self.plane.after_moto(request)
        headers.pop("content-length", None)
        return Response(status, body, headers)

    @staticmethod
    def request(method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Request:
        """A Request from its parts (headers with lower-cased names)."""
        request = Request(method, path, query, headers, body, target=headers.get("x-amz-target", ""))
        found = _REGION_IN_AUTH.search(headers.get("authorization", ""))
        if found:
            request.region, request.service = found.group(1), found.group(2)
        return request

    @staticmethod
    def _read(environ) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        return Front.request(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"),
                             environ.get("QUERY_STRING", ""), headers, body)


def status_line(response: Response) -> str:
    return f"{response.status} {_REASONS.get(response.status, 'OK')}"


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}
