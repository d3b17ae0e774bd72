"""The sandbox's HTTP server: werkzeug's threaded server with HTTP/1.1 keep-alive.

werkzeug's development server answers every request with `Connection: close`, so each AWS call
costs a TCP connection, a new server thread and, after the answer, a 10 ms linger that reads
what the client might still send. botocore keeps its connections alive: here one connection and
one thread serve a client's calls in turn. That needs exact framing, which werkzeug's handler
cannot promise (it does not know where a request's body ends), so this handler reads the whole
body first (Content-Length or chunked), and answers with the whole body and its Content-Length.
A request the sandbox answers itself (its data plane: PutEvents, SQS's per-message calls, its
own endpoints) is read straight into the front's Request and answered without a WSGI environ
(building one was a third of such a request's time); for the rest, moto's handler builds the
environ as before (it keeps header spellings moto relies on).
"""

from __future__ import annotations

import email.utils
import io
import socket
import struct
import time

from moto.server import MotoRequestHandler

from .front import Front, status_line

IDLE_TIMEOUT_S = 120.0  # an idle kept-alive connection (and its thread) goes away after this
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}
_NO_BODY = {204, 304}


class KeepAliveHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # A response goes out in one write; with Nagle's algorithm a write after an unacknowledged
    # one waits for the client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        # The idle timeout as the kernel's: with Python's own, every read and write of the socket
        # first polls it and works out a deadline (a fifth of a small request's time). A read that
        # times out now returns what came so far (a request cut short is then closed unanswered:
        # see handle_one_request, parse_request, _body), a write that does raises BlockingIOError.
        self.connection.settimeout(None)
        limit = struct.pack("ll", int(self.timeout), int(self.timeout % 1 * 1_000_000))
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)

    def handle_one_request(self) -> None:
        """http.server's, with every method going straight to run_wsgi (as werkzeug's do_* do)."""
        self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
        if len(self.raw_requestline) > _MAX_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.raw_requestline.endswith(b"\n"):  # closed, or quiet (the idle timeout) mid-line
            self.close_connection = True
            return
        if self.parse_request():
            self.run_wsgi()

    def run_wsgi(self) -> None:
        app = self.server.app
        request = self._direct_request() if hasattr(app, "answer") else None
        if request is not None:
            response = app.answer(request)
            if response is not None:
                self._respond(status_line(response), list(response.headers.items()), response.body)
                return
            environ = self.environ = self.make_environ()
            environ["wsgi.input"] = io.BytesIO(request.body)
            environ["CONTENT_LENGTH"] = str(len(request.body))
            self._respond(*_call(lambda env, start: app.forward(env, request, start), environ))
            return
        environ = self.environ = self.make_environ()
        body = environ["wsgi.input"].read() if environ.get("wsgi.input_terminated") else self._body()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is whole now: its length frames it
        self._respond(*_call(app, environ))

    def _direct_request(self):
        """The front's Request for a plain request (origin-form path without escapes, one of each
        header, a Content-Length body or none); None for anything else (the WSGI path reads it)."""
        headers = self.headers
        if not isinstance(headers, _Headers) or not headers.unique() or "transfer-encoding" in headers._index \
                or not self.path.startswith("/") or "%" in self.path:
            return None
        path, _, query = self.path.partition("?")
        names = dict(headers._index)  # lower-cased; a name with "_" is read as its "-" spelling
        if "_" in "".join(names):
            names = {name.replace("_", "-"): value for name, value in names.items()}
        names.pop("content-length", None)  # as WSGI: CONTENT_LENGTH is not an HTTP_ header
        return Front.request(self.command, path, query, names, self._body())

    def _respond(self, status: str, headers: list[tuple[str, str]], content: bytes) -> None:
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

    def parse_request(self) -> bool:
        """http.server's parse, without the email package for the headers (a tenth of a small
        request's time): a plain `METHOD PATH HTTP/1.x` request line and `Name: value` headers are
        read here; anything else goes to http.server's own parse, which says what is wrong."""
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split(" ")
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0") or not words[0].isalpha():
            return super().parse_request()
        self.requestline, self.command, self.path, self.request_version = line, words[0], words[1], words[2]
        items: list[tuple[str, str]] = []
        readline = self.rfile.readline
        while True:
            raw = readline(_MAX_LINE + 1)
            if len(raw) > _MAX_LINE:
                self.send_error(431, "Line too long")
                return False
            if not raw.endswith(b"\n"):  # the client closed, or went quiet, before the headers' end
                self.close_connection = True
                return False
            if raw in _END_OF_HEADERS:
                break
            name, colon, value = str(raw, "iso-8859-1").partition(":")
            if not colon or not name or name != name.strip() or len(items) >= _MAX_HEADERS:
                self.send_error(400 if len(items) < _MAX_HEADERS else 431, "Bad request headers")
                return False
            items.append((name, value.strip()))
        self.headers = headers = _Headers(items)
        connection = headers.get("Connection", "").lower()
        self.close_connection = words[2] == "HTTP/1.0" and connection != "keep-alive" or connection == "close"
        if headers.get("Expect", "").lower() == "100-continue" and words[2] == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True  # framing unknown: this connection cannot carry another request
            return b""
        body = self.rfile.read(size) if size > 0 else b""
        if body is None or len(body) != size:  # the client went quiet mid-body (or away)
            self.close_connection = True
            raise ConnectionAbortedError("the request's body ended early")
        return body

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, socket.timeout, BlockingIOError):
            pass  # the client went away, or an idle connection timed out (a read or write)

    def log_request(self, code="-", size="-") -> None:
        pass  # werkzeug logs nothing below WARNING here anyway; skip building the line


_MAX_LINE = 65536
_MAX_HEADERS = 100
_END_OF_HEADERS = (b"\r\n", b"\n")


class _Headers:
    """The request's headers as http.server's message object offers them to werkzeug and moto:
    get (any case), items and keys in arrival order, repeated names kept."""

    def __init__(self, items: list[tuple[str, str]]):
        self._items = items
        self._index = {name.lower(): value for name, value in reversed(items)}  # the first of a name wins

    def get(self, name: str, default=None):
        return self._index.get(name.lower(), default)

    def unique(self) -> bool:
        """Whether no header came twice."""
        return len(self._index) == len(self._items)

    def get_all(self, name: str, failobj=None):
        found = [v for k, v in self._items if k.lower() == name.lower()]
        return found or failobj

    def __getitem__(self, name: str):
        return self._index.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self.keys())

    def keys(self) -> list[str]:
        return [k for k, _ in self._items]

    def values(self) -> list[str]:
        return [v for _, v in self._items]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


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
