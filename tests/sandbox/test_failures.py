"""Failing targets: PutEvents still succeeds; the RetryPolicy runs on the sandbox clock; then the
dead-letter queue gets the event with AWS's attributes. Retries always end."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import ACCOUNT, REGION, drain, make_bus, make_queue, put, rule_to, unique


class FlakyEndpoint:
    """An HTTP endpoint on 127.0.0.1: each path fails with 503 `failures[path]` times, then answers 200."""

    def __init__(self):
        self.failures: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with endpoint.lock:
                    endpoint.hits[self.path] = endpoint.hits.get(self.path, 0) + 1
                    left = endpoint.failures.get(self.path, 0)
                    endpoint.failures[self.path] = left - 1
                self.send_response(503 if left > 0 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def endpoint():
    flaky = FlakyEndpoint()
    yield flaky
    flaky.server.shutdown()


def api_target(sb, endpoint: FlakyEndpoint, failures: int) -> tuple[str, str]:
    """An API destination whose endpoint fails `failures` times (retryable 503s); returns (arn, path)."""
    events = sb.client("events")
    name = unique("dest")
    path = f"/{name}"
    endpoint.failures[path] = failures
    connection = events.create_connection(Name=unique("conn"), AuthorizationType="BASIC", AuthParameters={
        "BasicAuthParameters": {"Username": "user", "Password": "secret"}})["ConnectionArn"]
    arn = events.create_api_destination(Name=name, ConnectionArn=connection, InvocationEndpoint=endpoint.url + path,
                                        HttpMethod="POST")["ApiDestinationArn"]
    return arn, path


def attributes(message: dict) -> dict:
    return {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}


def failing_rule(sb, endpoint, failures: int, **target_extra):
    bus, _ = make_bus(sb)
    dlq_url, dlq_arn = make_queue(sb)
    target_arn, path = api_target(sb, endpoint, failures)
    rule_arn = rule_to(sb, bus, {"Arn": target_arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/events",
                                 "DeadLetterConfig": {"Arn": dlq_arn}, **target_extra})
    return bus, dlq_url, target_arn, path, rule_arn


def test_retries_follow_the_retry_policy_then_dead_letter(sb, endpoint):
    bus, dlq_url, target_arn, path, rule_arn = failing_rule(
        sb, endpoint, failures=10, RetryPolicy={"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600})
    event_id = put(sb, bus, {"n": 1})  # PutEvents succeeds whatever the target does
    sb.tick(1)  # retries are due on the sandbox clock within seconds
    [message] = drain(sb, dlq_url, 1)
    assert json.loads(message["Body"])["id"] == event_id
    assert attributes(message) == {
        "RULE_ARN": rule_arn, "TARGET_ARN": target_arn, "ERROR_CODE": "ERROR_FROM_TARGET",
        "ERROR_MESSAGE": attributes(message)["ERROR_MESSAGE"], "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "2"}
    assert "503" in attributes(message)["ERROR_MESSAGE"]
    assert endpoint.hits[path] == 3  # the first attempt and two retries


def test_event_age_limit_ends_retries(sb, endpoint):
    bus, dlq_url, _, path, _ = failing_rule(
        sb, endpoint, failures=1000, RetryPolicy={"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60})
    put(sb, bus, {"n": 1})
    sb.tick(5)
    [message] = drain(sb, dlq_url, 1)
    assert attributes(message)["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    # Exponential backoff from 1 s: a minute holds a handful of attempts, not 185.
    assert 3 <= endpoint.hits[path] <= 10


def test_default_retry_policy_ends_after_185_retries(sb, endpoint):
    bus, dlq_url, _, path, _ = failing_rule(sb, endpoint, failures=10_000)
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    assert sb.stats()["stats"]["scheduled"] >= 1  # waiting on the clock, not spinning
    sb.tick(25 * 60)
    [message] = drain(sb, dlq_url, 1)
    assert attributes(message)["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes(message)["RETRY_ATTEMPTS"] == "185"
    assert endpoint.hits[path] == 186
    assert sb.stats()["stats"]["scheduled"] == 0  # nothing left to retry, ever


def test_transient_failure_recovers_on_retry(sb, endpoint):
    bus, dlq_url, _, path, _ = failing_rule(sb, endpoint, failures=2)
    put(sb, bus, {"n": 1})
    sb.tick(1)
    assert endpoint.hits[path] == 3  # two 503s, then delivered
    assert drain(sb, dlq_url, 0, timeout=0.3) == []


def test_missing_target_goes_straight_to_the_dead_letter_queue(sb):
    bus, _ = make_bus(sb)
    dlq_url, dlq_arn = make_queue(sb)
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('gone')}"
    rule_arn = rule_to(sb, bus, {"Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}})
    event_id = put(sb, bus, {"n": 1})
    [message] = drain(sb, dlq_url, 1)
    assert json.loads(message["Body"])["id"] == event_id
    found = attributes(message)
    assert found["ERROR_CODE"] == "NO_RESOURCE" and found["RETRY_ATTEMPTS"] == "0"
    assert found["RULE_ARN"] == rule_arn and found["TARGET_ARN"] == missing
    assert "EXHAUSTED_RETRY_CONDITION" not in found  # no retries were made, none ran out
