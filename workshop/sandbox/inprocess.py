"""Hand the sandbox's own boto3 requests straight to its WSGI front, in process.

Delivery makes several AWS calls per event. Over loopback each one costs a TCP connection, a
server thread and werkzeug's parsing; in process the very same request (same path, headers and
body, same front, same moto API) costs a function call. botocore's documented `before-send`
event lets a handler answer a request instead of sending it.
"""

from __future__ import annotations

import io
import sys
from urllib.parse import unquote_to_bytes, urlsplit

from botocore.awsrequest import AWSResponse


class _Raw(io.BytesIO):
    def stream(self, **kwargs):
        yield self.getvalue()


class InProcessTransport:
    def __init__(self, app):
        self.app = app

    def __call__(self, request, **kwargs) -> AWSResponse:
        url = urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ = {
            "REQUEST_METHOD": request.method,
            # WSGI: the percent-decoded path, its bytes as latin-1
            "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "127.0.0.1",
            "SERVER_PORT": str(url.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": url.netloc,
        }
        for name, value in request.headers.items():
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = {}
        for name, value in answer.get("headers", []):
            headers[name.lower()] = value
        return AWSResponse(request.url, answer.get("status", 500), headers, _Raw(content))
