"""The sandbox's HTTP/1.1 framing: one kept-alive connection carries many requests, whatever their
bodies (Content-Length, chunked, none), and a client that asks to close gets a close."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


def _connection(sandbox) -> http.client.HTTPConnection:
    url = urlsplit(sandbox.endpoint_url)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=30)


def _signed(service: str, target: str = "") -> dict:
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    if target:
        headers.update({"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    return headers


def test_one_connection_carries_requests_with_every_kind_of_body(sandbox):
    conn = _connection(sandbox)
    try:
        conn.request("POST", "/", body=json.dumps({"Name": "default"}), headers=_signed("events", "AWSEvents.DescribeEventBus"))
        first = conn.getresponse()
        assert first.status == 200 and json.loads(first.read())["Name"] == "default"
        sock = conn.sock
        assert sock is not None and first.getheader("Connection") != "close"

        # A chunked body: read whole before the next request line, not taken for one.
        chunks = iter([json.dumps({"NamePrefix": "no-such-prefix-"}).encode()])
        conn.request("POST", "/", body=chunks, headers={**_signed("events", "AWSEvents.ListEventBuses"),
                                                          "Transfer-Encoding": "chunked"}, encode_chunked=True)
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["EventBuses"] == []

        conn.request("GET", "/2015-03-31/functions/", headers=_signed("lambda"))  # no body at all
        third = conn.getresponse()
        assert third.status == 200 and "Functions" in json.loads(third.read())
        assert conn.sock is sock  # the same TCP connection served all three
    finally:
        conn.close()


def test_a_client_asking_to_close_gets_its_answer_and_a_close(sandbox):
    conn = _connection(sandbox)
    try:
        conn.request("POST", "/", body=json.dumps({"Name": "default"}),
                     headers={**_signed("events", "AWSEvents.DescribeEventBus"), "Connection": "close"})
        answer = conn.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["Name"] == "default"
        assert answer.getheader("Connection") == "close"
        assert answer.will_close
    finally:
        conn.close()


def _raw(sandbox, data: bytes) -> bytes:
    import socket

    url = urlsplit(sandbox.endpoint_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_an_http_1_0_request_is_answered_and_closed(sandbox):
    body = json.dumps({"Name": "default"}).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in _signed("events", "AWSEvents.DescribeEventBus").items())
    answer = _raw(sandbox, f"POST / HTTP/1.0\r\nHost: x\r\n{head}content-length: {len(body)}\r\n\r\n".encode() + body)
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 200") and b"Connection: close" in rest  # recv saw the end: it closed
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["Name"] == "default"


def test_a_malformed_header_is_refused_with_400_and_the_server_goes_on(sandbox):
    answer = _raw(sandbox, b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
    assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n", 1)[0]
    conn = _connection(sandbox)
    try:
        conn.request("GET", "/2015-03-31/functions/", headers=_signed("lambda"))
        assert conn.getresponse().status == 200
    finally:
        conn.close()


class _QuickTimeoutHandler:
    """The sandbox's handler on one accepted connection, with an idle timeout of 0.3 s and an app
    that answers every request itself (counted), served on a thread of this test."""

    def __init__(self):
        import socket
        import threading

        from workshop.sandbox.front import Response
        from workshop.sandbox.http_server import KeepAliveHandler

        answered = self.answered = []

        class App:
            def answer(self, request):
                answered.append(request.body)
                return Response(200, b"{}", {"Content-Type": "application/json"})

        class Server:
            app = App()

        class Quick(KeepAliveHandler):
            timeout = 0.3

        listener = socket.create_server(("127.0.0.1", 0))
        self.client = socket.create_connection(listener.getsockname(), timeout=10)
        served, _ = listener.accept()
        listener.close()
        self.done = threading.Event()

        def serve():
            try:
                Quick(served, ("127.0.0.1", 0), Server())
            finally:
                served.close()
                self.done.set()

        threading.Thread(target=serve, daemon=True).start()

    def read_all(self) -> bytes:
        chunks = []
        while chunk := self.client.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout():
    import time

    handler = _QuickTimeoutHandler()
    try:
        handler.client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        started = time.monotonic()
        answer = handler.read_all()  # the answer, then the close once the connection idled
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"{}")
        assert handler.done.wait(5) and 0.25 <= time.monotonic() - started < 5
        assert handler.answered == [b"{}"]
    finally:
        handler.client.close()


def test_a_request_that_stops_short_is_not_answered_and_the_connection_closes():
    for cut in (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"only\": 1}",  # mid-body, then quiet
                b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.PutEv",  # mid-header
                b"POST / HTTP/1.1\r\nHost: x\r\n",                              # no blank line yet
                b"POST / HT"):                                                   # mid request line
        handler = _QuickTimeoutHandler()
        try:
            handler.client.sendall(cut)
            assert handler.read_all() == b"", cut  # nothing answered: the server closed
            assert handler.done.wait(5) and handler.answered == [], cut
        finally:
            handler.client.close()


def test_a_content_length_below_zero_is_answered_and_the_connection_closed():
    handler = _QuickTimeoutHandler()
    try:
        handler.client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
        answer = handler.read_all()  # the framing is unknown: one answer, then the close
        assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" in answer
        assert handler.answered == [b""]
    finally:
        handler.client.close()
