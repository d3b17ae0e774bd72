"""The benchmarks' lean clients (benchmarks/lean_client.py) are the instrument issue 15's figures
rest on: they must send what boto3 sends and read every answer whole, kept-alive or not."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from lean_client import AwsError, LeanClient, SocketClient  # noqa: E402

from tests.support import make_bus, make_queue, rule_to  # noqa: E402


@pytest.mark.parametrize("kind", [SocketClient, LeanClient])
def test_a_lean_client_publishes_and_consumes_through_the_sandbox(sb, kind):
    bus, _ = make_bus(sb)
    url, arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": arn}, {"source": ["bench.clients"]})
    events, sqs = kind(sb.endpoint_url, "events", "us-east-1"), kind(sb.endpoint_url, "sqs", "us-east-1")
    answer = events.call("PutEvents", {"Entries": [{"EventBusName": bus, "Source": "bench.clients",
                                                    "DetailType": "t", "Detail": json.dumps({"n": n})} for n in range(3)]})
    assert answer["FailedEntryCount"] == 0 and len(answer["Entries"]) == 3
    got: list[dict] = []
    deadline = time.monotonic() + 30
    while len(got) < 3 and time.monotonic() < deadline:  # the same connection, call after call
        batch = sqs.call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 5}).get("Messages", [])
        if batch:
            sqs.call("DeleteMessageBatch", {"QueueUrl": url, "Entries": [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]})
        got += batch
    assert sorted(json.loads(m["Body"])["detail"]["n"] for m in got) == [0, 1, 2]
    with pytest.raises(AwsError) as refused:  # an error answer is read whole, and raised
        sqs.call("ReceiveMessage", {"QueueUrl": url + "-missing"})
    assert refused.value.status == 400
    assert sqs.call("GetQueueUrl", {"QueueName": url.rsplit("/", 1)[-1]})["QueueUrl"].endswith(url.rsplit("/", 1)[-1])


def _server(answers: list[bytes]) -> tuple[int, list[bytes], threading.Thread]:
    """A one-connection server on 127.0.0.1 that reads each request (head and Content-Length body)
    and writes the next answer as given; it closes once the answers are used up."""
    listener = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []

    def serve():
        with listener:
            listener.settimeout(10)
            connection, _ = listener.accept()
            with connection:
                connection.settimeout(10)
                data = b""
                for answer in answers:
                    while b"\r\n\r\n" not in data:
                        data += connection.recv(65536)
                    head, _, data = data.partition(b"\r\n\r\n")
                    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                      if line.lower().startswith(b"content-length:")))
                    while len(data) < length:
                        data += connection.recv(65536)
                    requests.append(head + b"\r\n\r\n" + data[:length])
                    data = data[length:]
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], requests, thread


def test_the_socket_client_reads_chunked_and_closing_answers_and_signs_what_it_sends():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-amz-json-1.1\r\n\r\n"
               b"5\r\n{\"a\":\r\n3;x=y\r\n 1}\r\n0\r\nTrailer: t\r\n\r\n")
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"b\": 2}"
    port, requests, thread = _server([chunked, closing])
    client = SocketClient(f"http://127.0.0.1:{port}", "events", "us-east-1")
    assert client.call("ListEventBuses", {"Limit": 1}) == {"a": 1}
    first = client._socket()
    assert client.call("ListEventBuses", {}) == {"b": 2}  # the same connection: the server took both
    assert client._local.socket is first and first.closed  # the closing answer ended it: the next call connects anew
    thread.join(10)
    assert len(requests) == 2
    head, _, body = requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST / HTTP/1.1" and json.loads(body) == {"Limit": 1}
    fields = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    assert fields["x-amz-target"] == "AWSEvents.ListEventBuses" and fields["content-length"] == str(len(body))
    assert fields["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/") and "/us-east-1/events/" in fields["authorization"]


def test_a_socket_client_call_that_times_out_leaves_no_late_answer_for_the_next_call():
    """A timed-out call closes its connection: the next call gets its own answer, not the late one."""
    listener = socket.create_server(("127.0.0.1", 0))
    served = []

    def serve():
        with listener:
            listener.settimeout(10)
            for n in (1, 2):
                connection, _ = listener.accept()
                with connection:
                    connection.settimeout(10)
                    connection.recv(65536)
                    if n == 1:
                        time.sleep(0.6)  # past the client's timeout
                    body = json.dumps({"answer": n}).encode()
                    try:
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                    except OSError:
                        pass  # the client closed the first connection already
                    served.append(n)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = SocketClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "events", "us-east-1", timeout=0.3)
    with pytest.raises(TimeoutError):
        client.call("ListEventBuses", {})
    assert client.call("ListEventBuses", {}) == {"answer": 2}
    thread.join(10)
    assert served == [1, 2]
