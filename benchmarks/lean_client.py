"""Lean AWS JSON-protocol clients for the benchmarks' hot loops (PutEvents, ReceiveMessage,
DeleteMessageBatch): the same requests boto3 sends (JSON body, X-Amz-Target, a real SigV4
signature), over one kept-alive connection per thread, the answer read with json.loads.

boto3 spends about 1 ms of CPU on each call (validation, serialization, event hooks, signing,
response parsing by shape); on a machine of 2 cores the benchmark's own client then used as
much CPU as the server it measures, and took it from both servers alike. LeanClient (on
http.client) costs about a fifth of that; SocketClient about a third of LeanClient's: it writes
each request in one send (http.client writes the head and the body apart, and the server wakes
for each) and reads the answer's head by hand (http.client reads it with the email package).
The less the client costs, the more the figures say about the servers. Whichever is chosen is
used for both servers.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

PROTOCOLS = {"events": ("AWSEvents", "application/x-amz-json-1.1"),
             "sqs": ("AmazonSQS", "application/x-amz-json-1.0")}


class AwsError(Exception):
    def __init__(self, status: int, body: bytes):
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status


class LeanClient:
    """One service's JSON API: `call("PutEvents", {...})` returns the decoded answer."""

    def __init__(self, endpoint_url: str, service: str, region: str, access_key: str = "testing",
                 secret_key: str = "testing", timeout: float = 60.0):
        parts = urlsplit(endpoint_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = parts.netloc
        self.service, self.region, self.access_key = service, region, access_key
        self.target_prefix, self.content_type = PROTOCOLS[service]
        self.secret = secret_key
        self.timeout = timeout
        self._local = threading.local()
        self._keys: dict[str, bytes] = {}

    def call(self, operation: str, params: dict) -> dict:
        body = json.dumps(params).encode()
        status, data = self._exchange(body, self._signed_headers(operation, body))
        if status >= 300:
            raise AwsError(status, data)
        return json.loads(data) if data else {}

    def _exchange(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        """(status, answer's body) of one request, over this thread's kept-alive connection."""
        for attempt in (1, 2):  # a kept-alive connection the server closed: one new connection
            connection = self._connection()
            try:
                connection.request("POST", "/", body, headers)
                answer = connection.getresponse()
                return answer.status, answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return connection

    def _signed_headers(self, operation: str, body: bytes) -> dict:
        """SigV4, as botocore signs a JSON-protocol call (host, x-amz-date, x-amz-target)."""
        now = time.gmtime()
        stamp, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
        target = f"{self.target_prefix}.{operation}"
        payload_hash = hashlib.sha256(body).hexdigest()
        canonical = "\n".join(["POST", "/", "", f"content-type:{self.content_type}", f"host:{self.host_header}",
                               f"x-amz-date:{stamp}", f"x-amz-target:{target}", "",
                               "content-type;host;x-amz-date;x-amz-target", payload_hash])
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return {"Content-Type": self.content_type, "X-Amz-Date": stamp, "X-Amz-Target": target,
                "Authorization": f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                 f"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"}

    def _key(self, day: str) -> bytes:
        key = self._keys.get(day)
        if key is None:
            key = ("AWS4" + self.secret).encode()
            for part in (day, self.region, self.service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._keys[day] = key
        return key


class SocketClient(LeanClient):
    """LeanClient's requests, each written in one send on a socket of this thread; answers framed
    by Content-Length or chunked, a `Connection: close` answer ends the socket."""

    def _exchange(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST / HTTP/1.1\r\nHost: {self.host_header}\r\nAccept-Encoding: identity\r\n{head}"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        for attempt in (1, 2):  # a kept-alive connection the server closed: one new connection
            connection = self._socket()
            try:
                connection.send(request)
                return connection.answer()
            except ConnectionError:
                connection.close()
                if attempt == 2:
                    raise
            except BaseException:  # a timeout or a garbled answer: what follows on it is not ours
                connection.close()
                raise
        raise AssertionError("unreachable")

    def _socket(self) -> "_Connection":
        connection = getattr(self._local, "socket", None)
        if connection is None or connection.closed:
            connection = self._local.socket = _Connection(
                socket.create_connection((self.host, self.port), timeout=self.timeout), self.timeout)
        return connection


class _Connection:
    """One kept-alive socket and what was read past the last answer."""

    def __init__(self, sock: socket.socket, timeout: float):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The bound on a read or write as the kernel's (a read past it raises BlockingIOError):
        # Python's own polls the socket before each one, a tenth of a call's CPU.
        sock.settimeout(None)
        limit = struct.pack("ll", int(timeout), int(timeout % 1 * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
        self.sock = sock
        self.timeout = timeout
        self.buffer = b""
        self.closed = False

    def close(self) -> None:
        self.sock.close()
        self.closed = True

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except BlockingIOError:
            raise TimeoutError(f"the server took no request for {self.timeout:.0f} s") from None

    def answer(self) -> tuple[int, bytes]:
        """(status, body) of the next answer."""
        head = self._through(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:-2]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self._through(b"\r\n").split(b";")[0], 16):
                parts.append(self._take(size + 2)[:-2])
            while self._through(b"\r\n") != b"\r\n":  # trailers, up to the blank line
                pass
            body = b"".join(parts)
        elif "content-length" in fields:
            body = self._take(int(fields["content-length"]))
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            raise ValueError(f"an answer (HTTP {status}) with neither Content-Length nor chunked framing")
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def _through(self, mark: bytes) -> bytes:
        """What was sent up to and including the next `mark`."""
        while (end := self.buffer.find(mark)) < 0:
            self._more()
        return self._take(end + len(mark))

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def _more(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            raise TimeoutError(f"no answer within {self.timeout:.0f} s") from None
        if not chunk:
            raise ConnectionResetError("the server closed the connection before a whole answer")
        self.buffer += chunk
