"""For the API destination and API Gateway stand-in tests: an HTTP receiver on loopback, unique names, bounded waits."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:8]


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every request and answers from a script."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answered in order; 200 once exhausted
        self.routes: dict[str, tuple[int, dict]] = {}  # path -> (status, JSON body)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                with receiver.lock:
                    receiver.requests.append({"method": self.command, "path": path, "query": query,
                                              "headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body, "at": time.monotonic()})
                    if path in receiver.routes:
                        status, document = receiver.routes[path]
                    else:
                        status = receiver.statuses.pop(0) if receiver.statuses else 200
                        document = {"ok": status < 400}
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def on(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, path: str, count: int, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.on(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.on(path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _wait_until(predicate, timeout: float = 15.0, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


@pytest.fixture
def wait_until():
    return _wait_until
