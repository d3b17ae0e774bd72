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
