"""The SNS filtering module on a fresh sandbox: run, verify, a wrong policy, the challenge grading, cleanup."""

from __future__ import annotations

import json

import pytest

from tests.support import checks_of, failed_checks, filter_policies

from workshop import scenario
from workshop.grading import grade

MODULE = "sns-filtering"
XL_EU_POLICY = "Orders-XL-EU's filter policy lets only large EU orders through"
XL_EU_DELIVERY = "Orders-XL-EU got exactly the large EU order"


def test_each_queue_gets_exactly_its_own_messages(deployed):
    checks = checks_of(deployed, MODULE)
    assert len(checks) == 8 and all(c["passed"] for c in checks.values()), checks
    assert "received exactly office-supplies-eu-central-500, and not" in checks[XL_EU_DELIVERY]["detail"]


def test_verify_publishes_again_and_passes(cli, deployed):
    assert cli.json("verify", MODULE)["passed"] is True


def test_the_subscriptions_carry_their_policies_and_scopes(deployed, aws):
    assert filter_policies(aws("sns")) == {
        "Orders-EU": ({"location": ["eu-west"]}, "MessageAttributes"),
        "BookOrders": ({"category": ["books"]}, "MessageBody"),
        "Orders-XL": ({"quantity": [{"numeric": [">=", 100]}]}, "MessageAttributes"),
        "Orders-XL-EU": ({"quantity": [{"numeric": [">=", 100]}], "location": [{"prefix": "eu"}]}, "MessageAttributes"),
    }


def test_a_too_broad_policy_fails_verify_naming_the_checks(cli, deployed, aws):
    sns = aws("sns")
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":Orders"))
    sub = next(s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
               if s["Endpoint"].endswith(":Orders-XL-EU"))
    original = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"quantity": [{"numeric": [">=", 100]}]}))
    try:
        result = cli("verify", MODULE, "--json")
    finally:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=original)
    failed = failed_checks(result)
    assert set(failed) == {XL_EU_POLICY, XL_EU_DELIVERY}, failed
    assert "lab-supplies-us-east-150 should NOT match" in failed[XL_EU_POLICY]
    assert "lab-supplies-us-east-150" in failed[XL_EU_DELIVERY]


@pytest.mark.parametrize("challenge_id,policy,passes,reason", [
    ("book-orders", {"category": ["books"]}, True, ""),
    ("book-orders", {"category": ["Books"]}, False, "books-eu-west should match but does not"),
    ("xl-eu-orders", {"quantity": [{"numeric": [">", 100]}], "location": [{"prefix": "eu"}]}, True, ""),
    ("xl-eu-orders", {"location": [{"prefix": "eu"}]}, False, "books-eu-west should NOT match"),
    ("xl-eu-orders", {"quantity": [{"numeric": ["=>", 100]}]}, False, "numeric"),
])
def test_challenges_grade_filter_policies_with_sns_rules(challenge_id, policy, passes, reason):
    loaded = scenario.load()
    result = grade(loaded.challenge(challenge_id), policy, loaded.samples)
    assert result.passed is passes
    assert reason in "; ".join(result.problems())


def test_cleanup_leaves_no_queue_or_subscription(cli, deployed, aws):
    assert cli.json("cleanup", "--yes", timeout=300)["failed"] == []
    assert aws("sqs").list_queues().get("QueueUrls") in (None, [])
    assert aws("sns").list_topics()["Topics"] == []
    assert aws("sns").list_subscriptions()["Subscriptions"] == []
