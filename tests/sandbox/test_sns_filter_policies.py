"""SNS subscription filter policies in the sandbox, through the public SNS and SQS APIs.

The sandbox fans out through moto but decides filter policies with `workshop.sns_filters` (the
engine that grades the challenges): each case publishes one message to a topic with one filtered
subscription and checks the delivery against SNS's documented rules. The cases marked
`moto-differs` are where moto 5.2.5's own matcher departs from SNS (the sandbox replaces it).
"""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from workshop.sns_filters import Attribute, matches

from tests.support import drain, make_queue, unique

S, N, A = "String", "Number", "String.Array"

CASES = [
    # (scope, policy, attributes {name: (type, value)} or body, expected by SNS's rules)
    ("MessageAttributes", {"location": ["eu-west"]}, {"location": (S, "eu-west")}, True),
    ("MessageAttributes", {"location": ["eu-west"]}, {"location": (S, "us-east")}, False),
    ("MessageAttributes", {"location": ["eu-west"]}, {}, False),
    ("MessageAttributes", {"quantity": [{"numeric": [">=", 100]}]}, {"quantity": (N, "150")}, True),
    ("MessageAttributes", {"quantity": [{"numeric": [">=", 100]}]}, {"quantity": (N, "99")}, False),
    ("MessageAttributes", {"quantity": [{"numeric": [">=", 100]}], "location": [{"prefix": "eu"}]},
     {"quantity": (N, "500"), "location": (S, "eu-central")}, True),
    ("MessageAttributes", {"quantity": [{"numeric": [">=", 100]}], "location": [{"prefix": "eu"}]},
     {"quantity": (N, "150"), "location": (S, "us-east")}, False),
    ("MessageAttributes", {"location": [{"anything-but": ["us-east"]}]}, {"location": (S, "eu-west")}, True),
    ("MessageAttributes", {"location": [{"exists": False}]}, {}, True),
    ("MessageAttributes", {"tags": ["rugby"]}, {"tags": (A, '["tennis", "rugby"]')}, True),
    pytest.param("MessageAttributes", {"location": [{"equals-ignore-case": "EU-WEST"}]}, {"location": (S, "eu-west")}, True,
                 id="moto-differs-equals-ignore-case-upper-policy"),
    pytest.param("MessageAttributes", {"tags": ["rugby"]}, {"tags": (S, '["rugby"]')}, False,
                 id="moto-differs-string-attribute-is-not-an-array"),
    ("MessageAttributes", {"price": [{"anything-but": [100, 500]}]}, {"price": ("Number.Array", "[100, 50]")}, True),
    ("MessageAttributes", {"price": [{"anything-but": [100, 500]}]}, {"price": (N, "100")}, False),
    ("MessageAttributes", {"$or": [{"location": ["eu-west"]}, {"quantity": [{"numeric": [">", 1000]}]}]},
     {"location": (S, "us-east"), "quantity": (N, "1001")}, True),
    ("MessageBody", {"category": ["books"]}, {"category": "books", "quantity": 10}, True),
    ("MessageBody", {"category": ["books"]}, {"category": "lab-supplies"}, False),
    ("MessageBody", {"order": {"category": ["books"]}}, {"order": {"category": "books"}}, True),
    ("MessageBody", {"quantity": [{"numeric": [">=", 100]}]}, {"quantity": 100}, True),
    pytest.param("MessageBody", {"note": [None]}, {"note": None}, True, id="moto-differs-body-null-value"),
    pytest.param("MessageBody", {"quantity": [{"numeric": [">=", 100]}]}, {"quantity": "100"}, False,
                 id="moto-differs-numeric-policy-on-a-string-body-value"),
    ("MessageBody", {"tags": ["rugby"]}, {"tags": ["tennis", "rugby"]}, True),
]


@pytest.fixture
def topic(sb):
    return sb.client("sns").create_topic(Name=unique("filters"))["TopicArn"]


@pytest.mark.parametrize("scope,policy,message,expected", CASES)
def test_a_filtered_subscription_gets_what_sns_rules_let_through(sb, topic, scope, policy, message, expected):
    sns = sb.client("sns")
    url, queue_arn = make_queue(sb)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
                  Attributes={"FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope, "RawMessageDelivery": "true"})
    if scope == "MessageAttributes":
        attributes = {k: Attribute(t, v) for k, (t, v) in message.items()}
        body, params = "order", {"MessageAttributes": {k: {"DataType": t, "StringValue": v} for k, (t, v) in message.items()}}
    else:
        attributes, body, params = {}, json.dumps(message), {}
    assert matches(policy, scope=scope, attributes=attributes, body=body) is expected  # SNS's rules, as graded
    once = sb.client("sns", retries=1)
    try:
        once.publish(TopicArn=topic, Message=body, **params)
    except (botocore.exceptions.ClientError, botocore.exceptions.ResponseParserError):
        pytest.fail("the sandbox refused to publish the message")
    sb.wait_idle()
    delivered = drain(sb, url, 1 if expected else 0, timeout=2 if expected else 0.5)
    assert bool(delivered) is expected
    if expected:
        assert delivered[0]["Body"] == body


@pytest.mark.parametrize("policy", [
    {"location": [{"numeric": ["=>", 1]}]},
    {"location": [{"anything-but": {"equals-ignore-case": "eu-west"}}]},  # moto accepts; SNS takes prefix or suffix
])
def test_an_invalid_filter_policy_is_refused_on_subscribe_and_on_change(sb, topic, policy):
    sns = sb.client("sns")
    url, queue_arn = make_queue(sb)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"FilterPolicy": json.dumps(policy)})
    assert caught.value.response["Error"]["Code"] == "InvalidParameter"
    assert "FilterPolicy" in caught.value.response["Error"]["Message"]
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy))
    assert caught.value.response["Error"]["Code"] == "InvalidParameter"
    assert "FilterPolicy" not in sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]


def test_a_changed_policy_applies_to_the_next_message(sb, topic):
    sns = sb.client("sns")
    url, queue_arn = make_queue(sb)
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
                        Attributes={"FilterPolicy": json.dumps({"location": ["eu-west"]}), "RawMessageDelivery": "true"}
                        )["SubscriptionArn"]
    eu = {"location": {"DataType": "String", "StringValue": "eu-west"}}
    us = {"location": {"DataType": "String", "StringValue": "us-east"}}
    sns.publish(TopicArn=topic, Message="first", MessageAttributes=eu)
    sns.publish(TopicArn=topic, Message="not-first", MessageAttributes=us)
    assert [m["Body"] for m in drain(sb, url, 1, timeout=2)] == ["first"]
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"location": [{"prefix": "us"}]}))
    sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "second", "MessageAttributes": us}, {"Id": "b", "Message": "not-second", "MessageAttributes": eu}])
    assert [m["Body"] for m in drain(sb, url, 1, timeout=2)] == ["second"]
