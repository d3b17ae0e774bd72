"""Archives and replays in the sandbox, through the public EventBridge API over loopback."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import botocore.exceptions
import pytest

from tests.support import drain, make_bus, make_queue, poll, put, rule_to, unique

REPLAYED = {"replay-name": [{"exists": True}], "source": ["demo"]}


def clock(sb) -> datetime:
    return sb.control.now()


def archive(sb, bus_arn: str, pattern: dict | None = None, retention: int = 0) -> str:
    name = unique("arch")
    sb.client("events").create_archive(ArchiveName=name, EventSourceArn=bus_arn, RetentionDays=retention,
                                       EventPattern=json.dumps(pattern or {"source": ["demo"]}))
    return name


def replay(sb, name: str, bus_arn: str, filter_arns: list[str] | None = None, minutes: int = 10) -> dict:
    """Start a replay over the last minutes of the sandbox clock; wait until it is no longer active."""
    events = sb.client("events")
    time.sleep(1.1)  # event times have whole seconds and the window excludes its end
    end = clock(sb).replace(microsecond=0)
    replay_name = unique("replay")
    archive_arn = events.describe_archive(ArchiveName=name)["ArchiveArn"]
    started = events.start_replay(ReplayName=replay_name, EventSourceArn=archive_arn,
                                  EventStartTime=end - timedelta(minutes=minutes), EventEndTime=end,
                                  Destination={"Arn": bus_arn, **({"FilterArns": filter_arns} if filter_arns else {})})
    assert started["State"] == "STARTING"
    described = poll(lambda: events.describe_replay(ReplayName=replay_name),
                     lambda d: d["State"] not in ("STARTING", "RUNNING"), timeout=15)
    return described


def test_archive_keeps_matching_events_and_counts_them(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn, {"source": ["demo"]})
    put(sb, bus, {"n": 1})
    put(sb, bus, {"n": 2})
    put(sb, bus, {"n": 3}, source="other")  # not the archive's pattern
    sb.wait_idle()
    described = sb.client("events").describe_archive(ArchiveName=name)
    assert described["EventCount"] == 2
    assert described["SizeBytes"] > 2 * len('{"n": 1}')
    listed = {a["ArchiveName"]: a for a in sb.client("events").list_archives(NamePrefix=name)["Archives"]}
    assert listed[name]["EventCount"] == 2


def test_the_managed_archive_rule_never_fails_delivery(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    rules = sb.client("events").list_rules(EventBusName=bus)["Rules"]
    assert [r["Name"] for r in rules] == [f"Events-Archive-{name}"]  # as AWS adds it
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    target = sb.client("events").list_targets_by_rule(Rule=f"Events-Archive-{name}", EventBusName=bus)["Targets"][0]["Arn"]
    assert sb.failures_for(target) == []


def test_retention_drops_events_older_than_its_days(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn, retention=1)
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    events = sb.client("events")
    assert events.describe_archive(ArchiveName=name)["EventCount"] == 1
    sb.tick(2 * 24 * 60)
    assert events.describe_archive(ArchiveName=name)["EventCount"] == 0


def test_replay_goes_to_the_named_rules_only_with_replay_name(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    url1, arn1 = make_queue(sb)
    url2, arn2 = make_queue(sb)
    rule1 = rule_to(sb, bus, {"Arn": arn1}, REPLAYED)
    rule_to(sb, bus, {"Arn": arn2}, REPLAYED)
    original = put(sb, bus, {"n": 1})
    sb.wait_idle()
    assert drain(sb, url1, 0, timeout=0.5) == [] and drain(sb, url2, 0, timeout=0.5) == []  # originals lack replay-name

    described = replay(sb, name, bus_arn, filter_arns=[rule1])
    assert described["State"] == "COMPLETED"
    assert described["ReplayEndTime"] >= described["ReplayStartTime"]
    assert "EventLastReplayedTime" in described
    got = [json.loads(m["Body"]) for m in drain(sb, url1, 1)]
    assert [e["id"] for e in got] == [original]
    assert got[0]["replay-name"] == described["ReplayName"] and got[0]["detail"] == {"n": 1}
    assert drain(sb, url2, 0, timeout=0.5) == []


def test_replay_without_filter_reaches_every_rule_but_never_the_archive(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    url1, arn1 = make_queue(sb)
    url2, arn2 = make_queue(sb)
    rule_to(sb, bus, {"Arn": arn1}, REPLAYED)
    rule_to(sb, bus, {"Arn": arn2}, {"source": ["demo"]})
    put(sb, bus, {"n": 7})
    sb.wait_idle()
    assert len(drain(sb, url2, 1)) == 1  # the original
    assert replay(sb, name, bus_arn)["State"] == "COMPLETED"
    assert len(drain(sb, url1, 1)) == 1
    assert len(drain(sb, url2, 1)) == 1  # the replayed copy
    sb.wait_idle()
    assert sb.client("events").describe_archive(ArchiveName=name)["EventCount"] == 1  # not archived again


def test_replay_window_excludes_older_events(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    url, arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": arn}, REPLAYED)
    put(sb, bus, {"old": True})
    sb.wait_idle()
    sb.tick(30)
    recent = put(sb, bus, {"old": False})
    sb.wait_idle()
    assert replay(sb, name, bus_arn, minutes=10)["State"] == "COMPLETED"
    assert [json.loads(m["Body"])["id"] for m in drain(sb, url, 1)] == [recent]


@pytest.mark.parametrize("change,code", [
    (lambda a: {**a, "EventSourceArn": a["EventSourceArn"] + "-missing"}, "ValidationException"),
    (lambda a: {**a, "Destination": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}}, "ValidationException"),
    (lambda a: {**a, "EventStartTime": a["EventEndTime"] + timedelta(minutes=1)}, "ValidationException"),
])
def test_start_replay_refuses_what_aws_refuses(sb, change, code):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    end = clock(sb).replace(microsecond=0)
    args = {"ReplayName": unique("replay"), "EventSourceArn": sb.client("events").describe_archive(ArchiveName=name)["ArchiveArn"],
            "EventStartTime": end - timedelta(minutes=5), "EventEndTime": end, "Destination": {"Arn": bus_arn}}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sb.client("events").start_replay(**change(args))
    assert caught.value.response["Error"]["Code"] == code


def test_replay_names_are_unique_and_listed(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    described = replay(sb, name, bus_arn)
    events = sb.client("events")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        events.start_replay(ReplayName=described["ReplayName"], EventSourceArn=described["EventSourceArn"],
                            EventStartTime=described["EventStartTime"], EventEndTime=described["EventEndTime"],
                            Destination={"Arn": bus_arn})
    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    listed = events.list_replays(NamePrefix=described["ReplayName"])["Replays"]
    assert [r["ReplayName"] for r in listed] == [described["ReplayName"]] and listed[0]["State"] == "COMPLETED"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        events.cancel_replay(ReplayName=described["ReplayName"])
    assert caught.value.response["Error"]["Code"] == "IllegalStatusException"


def test_deleting_an_archive_forgets_its_events(sb):
    bus, bus_arn = make_bus(sb)
    name = archive(sb, bus_arn)
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    events = sb.client("events")
    events.delete_archive(ArchiveName=name)
    assert events.list_rules(EventBusName=bus)["Rules"] == []  # the managed rule goes with it
    events.create_archive(ArchiveName=name, EventSourceArn=bus_arn, EventPattern=json.dumps({"source": ["demo"]}))
    assert events.describe_archive(ArchiveName=name)["EventCount"] == 0
