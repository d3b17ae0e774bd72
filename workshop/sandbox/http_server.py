"""The sandbox's HTTP server: werkzeug's threaded server with HTTP/1.1 keep-alive.

werkzeug's development server answers every request with `Connection: close`, so each AWS call
costs a TCP connection, a new server thread and, after the answer, a 10 ms linger that reads
what the client might still send. botocore keeps its connections alive: here one connection and
one thread serve a client's calls in turn. That needs exact framing, which werkzeug's handler
cannot promise (it does not know where a request's body ends), so this handler reads the whole
body first (Content-Length or chunked), and answers with the whole body and its Content-Length.
The environ is still built by moto's handler (it keeps header spellings moto relies on).
"""

from __future__ import annotations

import email.utils
import io
import socket
import time

from moto.server import MotoRequestHandler

IDLE_TIMEOUT_S = 120.0  # an idle kept-alive connection (and its thread) goes away after this
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}
_NO_BODY = {204, 304}


class KeepAliveHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # A response goes out in one write; with Nagle's algorithm a write after an unacknowledged
    # one waits for the client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        environ = self.environ = self.make_environ()
        body = environ["wsgi.input"].read() if environ.get("wsgi.input_terminated") else self._body()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is whole now: its length frames it
        status, headers, content = _call(self.server.app, environ)
        code = int(status.split(" ", 1)[0])
        lines = [f"HTTP/1.1 {status}\r\n", f"Date: {_http_date()}\r\n"]
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                lines.append(f"{name}: {value}\r\n")
        if code not in _NO_BODY and not 100 <= code < 200:
            lines.append(f"Content-Length: {len(content)}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        send_body = self.command != "HEAD" and code not in _NO_BODY
        self.wfile.write(head + content if send_body else head)
        self.wfile.flush()

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            self.close_connection = True  # framing unknown: this connection cannot carry another request
            return b""
        return self.rfile.read(size) if size > 0 else b""

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, socket.timeout):
            pass  # the client went away, or an idle connection timed out

    def log_request(self, code="-", size="-") -> None:
        pass  # werkzeug logs nothing below WARNING here anyway; skip building the line


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header, formatted once a second (formatting it was a sixth of a small request's cost)."""
    global _date_cache
    now = int(time.time())
    second, text = _date_cache
    if second != now:
        text = email.utils.formatdate(now, usegmt=True)
        _date_cache = (now, text)
    return text


def _call(app, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the WSGI app: (status line, headers, whole body), including what it wrote with write()."""
    answer: dict = {}
    written: list[bytes] = []

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, list(headers)
        return written.append

    result = app(environ, start_response)
    try:
        for chunk in result:
            written.append(chunk)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer.get("status", "500 Internal Server Error"), answer.get("headers", []), b"".join(written)
