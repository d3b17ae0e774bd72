"""The sandbox answers PutEvents itself, validated as AWS does, and TestEventPattern with our engine."""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest


def test_more_than_ten_entries_is_a_validation_error(fresh, aws):
    entry = {"Source": "s", "DetailType": "t", "Detail": "{}"}
    with pytest.raises(botocore.exceptions.ClientError) as error:
        aws("events").put_events(Entries=[entry] * 11)
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_entry_errors_are_per_entry(fresh, aws):
    result = aws("events").put_events(Entries=[
        {"Source": "s", "DetailType": "t", "Detail": "{}"},
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "s", "DetailType": "t", "Detail": "[1]"},
        {"Source": "s", "DetailType": "t", "Detail": "{}", "EventBusName": "NoSuchBus"},
    ])
    assert result["FailedEntryCount"] == 3
    first, missing, malformed, no_bus = result["Entries"]
    assert "EventId" in first
    assert missing["ErrorCode"] == "InvalidArgument" and "Source is a required argument" in missing["ErrorMessage"]
    assert malformed["ErrorCode"] == "MalformedDetail"
    assert no_bus["ErrorCode"] == "ResourceNotFoundException"


def test_oversized_request_is_rejected(fresh, aws):
    big = json.dumps({"x": "a" * 200_000})
    with pytest.raises(botocore.exceptions.ClientError) as error:
        aws("events").put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": big}] * 2)
    assert "over the limit" in error.value.response["Error"]["Message"]


def test_put_rule_rejects_an_invalid_pattern(fresh, aws):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        aws("events").put_rule(Name="bad", EventPattern=json.dumps({"source": "com.aws.orders"}))
    assert error.value.response["Error"]["Code"] == "InvalidEventPatternException"


def test_test_event_pattern_uses_the_engine(fresh, aws):
    event = {"id": "1", "account": "123456789012", "source": "com.aws.orders", "time": "2026-11-26T00:00:00Z",
             "region": "us-east-1", "detail-type": "Order Notification", "resources": [],
             "detail": {"location": "eu-west", "value": 3000}}
    client = aws("events")
    eu = {"detail": {"location": [{"prefix": "eu-"}], "value": [{"numeric": [">", 1000]}]}}
    assert client.test_event_pattern(EventPattern=json.dumps(eu), Event=json.dumps(event))["Result"] is True
    event["detail"]["value"] = 300
    assert client.test_event_pattern(EventPattern=json.dumps(eu), Event=json.dumps(event))["Result"] is False


def test_publish_and_logs_commands(cli, fresh):
    cli.json("run", "event-bus", "--yes")
    published = cli.json("publish", "--detail", '{"category":"x","value":1,"location":"eu-west"}')
    assert published["bus"] == "Orders" and published["event_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = cli.json("logs", "/aws/events/orders", "--since", "5m")["events"]
        if any(json.loads(e["message"])["id"] == published["event_id"] for e in events):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the published event never showed in `workshop logs`")
    missing = cli("logs", "/aws/events/nope")
    assert missing.returncode == 2 and "no log group" in missing.stderr


def test_publish_requires_detail_or_sample(cli, sandbox):
    result = cli("publish")
    assert result.returncode == 2 and "exactly one of --detail" in result.stderr
    bad = cli("publish", "--detail", "{not json")
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr


def test_logs_follow_prints_new_events_until_interrupted(cli, fresh):
    import os
    import select
    import signal
    import subprocess
    import sys

    from tests.support import clean_env, default_sigint

    cli.json("run", "event-bus", "--yes")
    follower = subprocess.Popen([sys.executable, "-m", "workshop.cli", "logs", "/aws/events/orders", "--follow", "--since", "10m"],
                                env=clean_env(cli.state_dir), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
                                preexec_fn=default_sigint)
    seen = ""

    def read_until(text: str, seconds: float) -> bool:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and text not in seen:
            ready, _, _ = select.select([follower.stdout], [], [], 0.5)
            if ready:  # raw reads: a buffered readline would hide what select cannot see
                seen += os.read(follower.stdout.fileno(), 65536).decode(errors="replace")
        return text in seen

    try:
        assert read_until('"source": "com.aws.orders"', 60), "the follower never printed the run's event"
        published = cli.json("publish", "--detail", '{"category":"followed","value":7,"location":"eu-west"}')
        assert read_until(published["event_id"], 30), "the followed log never showed the new event"
    finally:
        follower.send_signal(signal.SIGINT)
        follower.communicate(timeout=30)
    assert follower.returncode == 130


def test_aws_endpoint_url_is_honoured(cli, fresh, sandbox):
    from tests.support import clean_env

    result = cli("status", "--json", env=clean_env(cli.state_dir, AWS_ENDPOINT_URL=sandbox.endpoint_url))
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["backend"] == "endpoint" and status["endpoint_url"] == sandbox.endpoint_url
