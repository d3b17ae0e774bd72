"""Step kinds `sqs_queue`, `sns_topic` and `sns_subscription`.

The Orders queue is subscribed to the Orders topic with raw delivery off (each SQS body is the SNS
envelope) and its policy lets exactly that topic send (aws:SourceArn). A queue, topic or
subscription that existed before the tool ran is used as it is: the tool says so, warns when it
does not look like what the workshop expects, never changes its policy, and cleanup leaves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import ownership
from ..aws.arns import queue as queue_arn
from ..aws.arns import topic as topic_arn
from ..aws.lookups import find_subscription, queue_url
from ..ledger import Resource
from ..policy_documents import same_document
from . import step_kind
from .plan import ApiCall, Note, Output, Record
from .resources import Kind, answer, marked, register


def queue_policy(queue: str, topic: str) -> dict:
    """Only the topic `topic` (an ARN) may send to the queue `queue` (an ARN)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OnlyTheOrdersTopic",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
        }],
    }


# queues --------------------------------------------------------------------------------------
@dataclass
class SqsQueueArgs:
    name: str
    allow_topic: str | None = None  # the SNS topic (by name) allowed to send to this queue


@step_kind("sqs_queue", SqsQueueArgs)
def plan_queue(ctx, args: SqsQueueArgs):
    sqs = ctx.client("sqs")
    arn = queue_arn(ctx, args.name)
    wanted = queue_policy(arn, topic_arn(ctx, args.allow_topic)) if args.allow_topic else None
    url = queue_url(ctx, args.name)
    label = f"SQS queue {args.name}"
    if url is None:
        params = {"QueueName": args.name, **ownership.tags_param("sqs", ctx.module_id)}
        if wanted:
            params["Attributes"] = {"Policy": json.dumps(wanted)}
        summary = f"Create {label}" + (f" (only topic {args.allow_topic} may send to it)" if wanted else "")
        return [ApiCall("sqs", "create_queue", params, summary,
                        records=Resource("sqs_queue", args.name, {"name": args.name, "url": Output("QueueUrl")}))]
    ours = ctx.ours_tagged("sqs_queue", args.name, sqs.list_queue_tags(QueueUrl=url).get("Tags"))
    instructions = [ctx.existing_note("sqs_queue", args.name, label)]
    if wanted is None:
        return instructions
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
    if current and same_document(current, wanted):
        return instructions
    if ours:
        return [ApiCall("sqs", "set_queue_attributes", {"QueueUrl": url, "Attributes": {"Policy": json.dumps(wanted)}},
                        f"Update the policy of {label}: only topic {args.allow_topic} may send to it")]
    instructions.append(Note(
        f"{label} is not workshop's and its policy {'is different' if current else 'is empty'}: used as it is, not changed. "
        f"Topic {args.allow_topic} may be unable to deliver to it until its policy allows sns.amazonaws.com with "
        f"aws:SourceArn {topic_arn(ctx, args.allow_topic)}", "warn"))
    return instructions


# topics --------------------------------------------------------------------------------------
@dataclass
class SnsTopicArgs:
    name: str


@step_kind("sns_topic", SnsTopicArgs)
def plan_topic(ctx, args: SnsTopicArgs):
    arn = topic_arn(ctx, args.name)
    if ctx.found(lambda: ctx.client("sns").get_topic_attributes(TopicArn=arn)):
        return [ctx.existing_note("sns_topic", args.name, f"SNS topic {args.name}")]
    return [ApiCall("sns", "create_topic", {"Name": args.name, **ownership.tags_param("sns", ctx.module_id)},
                    f"Create SNS topic {args.name}",
                    records=Resource("sns_topic", args.name, {"name": args.name, "arn": arn}))]


# subscriptions -------------------------------------------------------------------------------
@dataclass
class SnsSubscriptionArgs:
    topic: str
    queue: str
    raw_message_delivery: bool = False


@step_kind("sns_subscription", SnsSubscriptionArgs)
def plan_subscription(ctx, args: SnsSubscriptionArgs):
    sns = ctx.client("sns")
    name = f"{args.topic}/{args.queue}"
    raw = "true" if args.raw_message_delivery else "false"
    label = f"Subscription of queue {args.queue} to topic {args.topic}"
    existing = find_subscription(ctx, args.topic, args.queue)
    if existing is None:
        return [ApiCall("sns", "subscribe",
                        {"TopicArn": topic_arn(ctx, args.topic), "Protocol": "sqs", "Endpoint": queue_arn(ctx, args.queue),
                         "Attributes": {"RawMessageDelivery": raw}, "ReturnSubscriptionArn": True},
                        f"Subscribe queue {args.queue} to topic {args.topic} (raw message delivery {'on' if args.raw_message_delivery else 'off'})",
                        records=Resource("sns_subscription", name, {"topic": args.topic, "queue": args.queue,
                                                                     "arn": Output("SubscriptionArn")}))]
    arn = existing["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
    current = attributes.get("RawMessageDelivery", "false")
    note = ctx.existing_note("sns_subscription", name, label)
    if current == raw:
        return [note]
    change = ApiCall("sns", "set_subscription_attributes",
                     {"SubscriptionArn": arn, "AttributeName": "RawMessageDelivery", "AttributeValue": raw},
                     f"Update {label.lower()}: raw message delivery {'on' if args.raw_message_delivery else 'off'}")
    if ctx.ours("sns_subscription", name):
        return [change]
    ctx.foreign(label, f"it is not in workshop's ledger and has raw message delivery {'on' if current == 'true' else 'off'}")
    return [Record(Resource("sns_subscription", name, {"topic": args.topic, "queue": args.queue, "arn": arn,
                                                       "adopted": {"RawMessageDelivery": current}}),
                   f"Record {label.lower()} as it is now: cleanup puts it back"), change]


# deletion ------------------------------------------------------------------------------------
def _delete_subscription(r: Resource) -> list[ApiCall]:
    if r.attrs.get("adopted"):
        return [ApiCall("sns", "set_subscription_attributes",
                        {"SubscriptionArn": r.attrs["arn"], "AttributeName": "RawMessageDelivery",
                         "AttributeValue": r.attrs["adopted"]["RawMessageDelivery"]},
                        f"Put the subscription of queue {r.attrs['queue']} to topic {r.attrs['topic']} back as it was")]
    if not r.attrs.get("arn"):
        return []  # interrupted before AWS answered: nothing we can name
    return [ApiCall("sns", "unsubscribe", {"SubscriptionArn": r.attrs["arn"]},
                    f"Unsubscribe queue {r.attrs['queue']} from topic {r.attrs['topic']}")]


def _delete_queue(r: Resource) -> list[ApiCall]:
    if not r.attrs.get("url"):
        return []
    return [ApiCall("sqs", "delete_queue", {"QueueUrl": r.attrs["url"]}, f"Delete SQS queue {r.attrs['name']}")]


# finding an interrupted create again ----------------------------------------------------------
def _find_subscription(backend, r: Resource) -> dict | None:
    """Subscriptions take no tags: ours is the one to exactly our queue (the planner saw none before)."""
    if r.attrs.get("adopted"):
        return {}
    found = find_subscription(backend, r.attrs["topic"], r.attrs["queue"])
    return {"arn": found["SubscriptionArn"]} if found else None


def _foreign_subscriptions(backend, r: Resource) -> list[str]:
    """Subscriptions still on our topic once ours are gone are someone else's: the topic stays for them."""
    found = answer(lambda: backend.client("sns").list_subscriptions_by_topic(TopicArn=r.attrs["arn"])) or {}
    return [f"subscription of {s.get('Endpoint')}" for s in found.get("Subscriptions", [])]


def _find_topic(backend, r: Resource) -> dict | None:
    sns = backend.client("sns")
    if marked(lambda: sns.list_tags_for_resource(ResourceArn=r.attrs["arn"]), "Tags"):
        return {}
    return None


def _find_queue(backend, r: Resource) -> dict | None:
    sqs = backend.client("sqs")
    found = answer(lambda: sqs.get_queue_url(QueueName=r.attrs["name"]))
    if found and marked(lambda: sqs.list_queue_tags(QueueUrl=found["QueueUrl"]), "Tags"):
        return {"url": found["QueueUrl"]}
    return None


register("sns_subscription", Kind("SNS subscription", _delete_subscription,
                                  find=_find_subscription, uses=("sns_topic", "sqs_queue")))
register("sns_topic", Kind("SNS topic", lambda r: [ApiCall(
    "sns", "delete_topic", {"TopicArn": r.attrs["arn"]}, f"Delete SNS topic {r.attrs['name']}")],
    find=_find_topic, foreign_contents=_foreign_subscriptions, proves_ownership=True))
register("sqs_queue", Kind("SQS queue", _delete_queue, find=_find_queue, proves_ownership=True))
