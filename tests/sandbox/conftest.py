"""A real sandbox over loopback, shared by every test in this directory.

One sandbox process per session (starting it costs a second or two); tests isolate themselves
with unique resource names, and the helpers below wait with deadlines, never by a single look.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
import uuid
import zipfile

import boto3
import pytest
from botocore.config import Config

from workshop import paths
from workshop.sandbox import control

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("sandbox-state")
    paths.set_state_dir(state)
    info, _ = control.start()
    try:
        yield Sandbox(info.endpoint_url, info.pid)
    finally:
        paths.set_state_dir(state)  # another directory's fixture may have pointed it elsewhere meanwhile
        control.stop()
        paths.set_state_dir(None)


class Sandbox:
    def __init__(self, endpoint_url: str, pid: int):
        self.endpoint_url = endpoint_url
        self.pid = pid
        self._clients: dict[str, object] = {}

    def client(self, service: str, retries: int = 3):
        key = f"{service}/{retries}"
        if key not in self._clients:
            self._clients[key] = boto3.session.Session().client(
                service, region_name=REGION, endpoint_url=self.endpoint_url,
                aws_access_key_id="testing", aws_secret_access_key="testing",
                config=Config(retries={"mode": "standard", "max_attempts": retries}, max_pool_connections=16))
        return self._clients[key]

    def call(self, path: str, body: dict | None = None, timeout: float = 60.0) -> dict:
        return control.request(self.endpoint_url, path, body, timeout=timeout)

    def wait_idle(self, timeout: float = 30.0) -> dict:
        answer = self.call("/_workshop/wait-idle", {"timeout": timeout}, timeout=timeout + 5)
        assert answer["idle"], f"delivery still busy after {timeout}s: {answer}"
        return answer

    def stats(self) -> dict:
        return self.call("/_workshop/stats")

    def tick(self, minutes: int) -> dict:
        return self.call("/_workshop/clock/tick", {"minutes": minutes}, timeout=120)

    def failures_for(self, target_arn: str) -> list[dict]:
        return [f for f in self.stats()["failures"] if f["target"] == target_arn]


@pytest.fixture
def sb(sandbox):
    """The sandbox, with faults switched off again after each test."""
    yield sandbox
    sandbox.call("/_workshop/faults", {"throttle": 0.0, "error": 0.0, "operations": []})


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def poll(fetch, done, timeout: float = 10.0, interval: float = 0.1):
    """Call fetch() until done(result) or the deadline; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if done(result) or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def make_queue(sb: Sandbox, name: str | None = None, allow_events: bool = True) -> tuple[str, str]:
    """A queue; unless told otherwise its policy lets EventBridge send to it (AWS requires that)."""
    sqs = sb.client("sqs")
    url = sqs.create_queue(QueueName=name or unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if allow_events:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(events_may_send(arn))})
    return url, arn


def events_may_send(queue_arn: str, rule_arn: str | None = None) -> dict:
    """The queue policy the console writes for a rule's SQS target."""
    statement = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": queue_arn}
    if rule_arn:
        statement["Condition"] = {"ArnEquals": {"aws:SourceArn": rule_arn}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def drain(sb: Sandbox, url: str, expected: int, timeout: float = 10.0, settle: float = 0.3) -> list[dict]:
    """Receive (and delete) messages until `expected` arrived or the deadline, then a short look for extras."""
    sqs = sb.client("sqs")
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    extra_deadline = None
    while time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(batch)
        if len(got) >= expected:
            extra_deadline = extra_deadline or time.monotonic() + settle
            if time.monotonic() >= extra_deadline:
                break
        if not batch:
            time.sleep(0.05)
    return got


def make_log_group(sb: Sandbox, name: str | None = None, allow_events: bool = True) -> tuple[str, str]:
    logs = sb.client("logs")
    name = name or f"/aws/events/{unique('g')}"
    logs.create_log_group(logGroupName=name)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
    if allow_events:
        ensure_logs_policy(sb)
    return name, arn


def ensure_logs_policy(sb: Sandbox) -> None:
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/events/*:*"}]}
    sb.client("logs").put_resource_policy(policyName="TrustEventsToStoreLogEvent", policyDocument=json.dumps(document))


def log_messages(sb: Sandbox, group: str) -> list[str]:
    logs = sb.client("logs")
    messages: list[str] = []
    kwargs = {"logGroupName": group}
    while True:
        page = logs.filter_log_events(**kwargs)
        messages.extend(e["message"] for e in page.get("events", []))
        if not page.get("nextToken"):
            return messages
        kwargs["nextToken"] = page["nextToken"]


def wait_log_messages(sb: Sandbox, group: str, expected: int, timeout: float = 10.0) -> list[str]:
    return poll(lambda: log_messages(sb, group), lambda m: len(m) >= expected, timeout)


def make_bus(sb: Sandbox, name: str | None = None) -> tuple[str, str]:
    name = name or unique("bus")
    arn = sb.client("events").create_event_bus(Name=name)["EventBusArn"]
    return name, arn


def rule_to(sb: Sandbox, bus: str, target: dict, pattern: dict | None = None, name: str | None = None,
            **rule_kwargs) -> str:
    """A rule on `bus` (default pattern: source demo) with one target; returns the rule ARN."""
    events = sb.client("events")
    name = name or unique("rule")
    if "ScheduleExpression" not in rule_kwargs:
        rule_kwargs["EventPattern"] = json.dumps(pattern or {"source": ["demo"]})
    arn = events.put_rule(Name=name, EventBusName=bus, **rule_kwargs)["RuleArn"]
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "t1", **target}])
    return arn


def put(sb: Sandbox, bus: str, detail: dict, source: str = "demo", detail_type: str = "Demo", **extra) -> str:
    answer = sb.client("events").put_events(Entries=[{
        "EventBusName": bus, "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), **extra}])
    assert answer["FailedEntryCount"] == 0, answer
    return answer["Entries"][0]["EventId"]


def zip_source(source: str, filename: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def post_raw(url: str, body: bytes = b"", headers: dict | None = None, method: str = "POST"):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    return urllib.request.urlopen(request, timeout=30)
