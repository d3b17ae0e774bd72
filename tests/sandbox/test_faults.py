"""Faults on demand: /_workshop/faults throttles or fails calls, optionally only named operations."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from workshop.errors import BackendError

from tests.support import drain, make_bus, make_queue, unique


def test_faults_can_target_one_operation(sb):
    events = sb.client("events", retries=1)  # no retries: see every injected failure
    bus, _ = make_bus(sb)
    rule = unique("rule")
    answer = sb.faults(**{"error": 1.0, "operations": ["PutTargets"]})
    assert answer == {"throttle": 0.0, "error": 1.0, "deny": 0.0, "delay": 0.0, "operations": ["PutTargets"]}
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["demo"]}))  # unaffected
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "t", "Arn": make_queue(sb)[1]}])
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_query_protocol_operations_are_named_by_action(sb):
    sns = sb.client("sns", retries=1)
    sb.faults(**{"throttle": 1.0, "operations": ["CreateTopic"]})
    with pytest.raises(ClientError) as caught:
        sns.create_topic(Name=unique("t"))
    assert caught.value.response["Error"]["Code"] == "Throttling"
    sns.list_topics()  # another SNS operation goes through


def test_boto3_retries_recover_from_throttling(sb):
    """At a 30% throttle rate, boto3's standard retries make every call succeed eventually."""
    events = sb.client("events", retries=10)
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    sb.faults(**{"throttle": 0.3})
    rule = unique("rule")
    answers = [events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["demo"]})),
               events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])]
    for n in range(20):
        answers.append(events.put_events(Entries=[{"EventBusName": bus, "Source": "demo", "DetailType": "d",
                                                   "Detail": json.dumps({"n": n})}]))
        assert answers[-1]["FailedEntryCount"] == 0
    retried = sum(a["ResponseMetadata"]["RetryAttempts"] for a in answers)
    assert retried > 0  # throttling did happen, and was absorbed
    sb.faults(**{"throttle": 0.0})
    # Delivery (the sandbox's own calls were throttled too) retries with backoff on the sandbox clock:
    # a tick runs the retries now instead of waiting seconds for them.
    sb.tick(1)
    received = drain(sb, url, 20, timeout=30)
    assert sorted(json.loads(m["Body"])["detail"]["n"] for m in received) == list(range(20))


@pytest.mark.parametrize("body", [{"throttle": 2}, {"error": -0.1}, {"operations": "PutTargets"},
                                  {"throttle": 0.6, "error": 0.6}])
def test_fault_settings_are_validated(sb, body):
    with pytest.raises(BackendError):
        sb.faults(**body)


def test_delay_holds_only_the_named_operation(sb):
    import time

    events = sb.client("events", retries=1)
    bus, _ = make_bus(sb)
    assert sb.faults(**{"delay": 1.5, "operations": ["DescribeEventBus"]})["delay"] == 1.5
    try:
        started = time.monotonic()
        events.list_rules(EventBusName=bus)
        quick = time.monotonic() - started
        started = time.monotonic()
        events.describe_event_bus(Name=bus)
        held = time.monotonic() - started
    finally:
        sb.faults(**{"delay": 0, "operations": []})
    assert held >= 1.5 > quick
    with pytest.raises(BackendError, match="delay must be"):
        sb.faults(**{"delay": 600})  # a held call always ends
