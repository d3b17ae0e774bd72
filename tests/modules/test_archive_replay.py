"""The archive-and-replay module on a fresh sandbox: run, verify, wrong patterns, the queue policy, cleanup."""

from __future__ import annotations

import json

import pytest

from tests.support import checks_of, failed_checks

MODULE = "archive-replay"
PATTERN_CHECK = "OrdersReplayRule's pattern matches replayed orders and not the originals"
ORIGINAL_CHECK = "the order as first published did not reach OrdersReplayQueue"
REPLAYED_CHECK = "the replayed order arrived in OrdersReplayQueue carrying replay-name"
POLICY_CHECK = "the OrdersReplayQueue policy lets EventBridge send for OrdersReplayRule"


def test_run_proves_the_archive_and_the_replay(deployed):
    checks = checks_of(deployed, MODULE)
    assert len(checks) == 6 and all(c["passed"] for c in checks.values()), checks
    assert "replay-name OrdersReplay-" in checks[REPLAYED_CHECK]["detail"]


def test_verify_replays_again_under_a_new_name(cli, deployed, aws):
    before = {r["ReplayName"] for r in aws("events").list_replays()["Replays"]}
    report = cli.json("verify", MODULE)
    assert report["passed"] is True
    after = aws("events").list_replays()["Replays"]
    new = [r for r in after if r["ReplayName"] not in before]
    assert len(new) == 1 and new[0]["State"] == "COMPLETED" and new[0]["ReplayName"].startswith("OrdersReplay-")


def test_the_archive_counts_the_orders(deployed, aws):
    archive = aws("events").describe_archive(ArchiveName="OrderEventArchive")
    assert archive["RetentionDays"] == 30 and archive["EventCount"] >= 1 and archive["SizeBytes"] > 0


WRONG = [
    ("too broad", {"source": ["com.aws.orders"]}, {PATTERN_CHECK, ORIGINAL_CHECK}, "office-supplies-us-east should NOT match"),
    ("too narrow", {"replay-name": [{"exists": True}], "source": ["com.aws.other"]}, {PATTERN_CHECK, REPLAYED_CHECK},
     "office-supplies-us-east-replayed should match but does not"),
]


@pytest.mark.parametrize("label,pattern,failing,reason", WRONG, ids=[w[0].replace(" ", "-") for w in WRONG])
def test_a_wrong_pattern_fails_verify_naming_the_checks(cli, deployed, aws, label, pattern, failing, reason):
    events = aws("events")
    original = events.describe_rule(Name="OrdersReplayRule", EventBusName="Orders")["EventPattern"]
    events.put_rule(Name="OrdersReplayRule", EventBusName="Orders", EventPattern=json.dumps(pattern))
    try:
        result = cli("verify", MODULE, "--json")
    finally:
        events.put_rule(Name="OrdersReplayRule", EventBusName="Orders", EventPattern=original)
    failed = failed_checks(result)
    assert set(failed) == failing, failed
    assert reason in failed[PATTERN_CHECK]


def test_without_the_queue_policy_verify_names_it(cli, deployed, aws):
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName="OrdersReplayQueue")["QueueUrl"]
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    try:
        result = cli("verify", MODULE, "--json")
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    assert POLICY_CHECK in failed_checks(result)


def test_cleanup_removes_the_archive_the_rule_and_the_statement(cli, deployed, aws):
    assert cli.json("cleanup", "--yes", timeout=300)["failed"] == []
    assert aws("events").list_archives()["Archives"] == []
    assert [b["Name"] for b in aws("events").list_event_buses()["EventBuses"]] == ["default"]
    assert aws("sqs").list_queues().get("QueueUrls") in (None, [])
    assert cli.json("status")["resources"] == []
