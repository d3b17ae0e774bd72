"""Step kinds of the SNS filtering module: `sns_filtered_subscription` and `sns_publish`.

- `sns_filtered_subscription`: an SQS queue subscribed to a topic with a subscription filter
  policy, on the message attributes or (FilterPolicyScope MessageBody) on the message body. The
  policy is given, or comes from a challenge (the learner's, graded locally with SNS's rules).
- `sns_publish`: behaviour, like `publish`: a sample published to the topic as an SNS message, its
  detail as the JSON body and its `attributes` as typed message attributes (a number is a Number,
  a list a String.Array, the rest a String).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import WorkshopError
from ..ledger import Resource
from ..sns_filters import SCOPES
from ..aws.arns import queue as queue_arn
from ..aws.arns import topic as topic_arn
from ..aws.lookups import find_subscription
from . import step_kind
from .plan import ApiCall, Note, Output


@dataclass
class FilteredSubscriptionArgs:
    topic: str
    queue: str
    policy: Any = None  # the filter policy, as data
    challenge: str | None = None  # ... or the policy comes from this challenge
    scope: str = "MessageAttributes"
    raw_message_delivery: bool = False

    def __post_init_yaml__(self):
        if (self.policy is None) == (self.challenge is None):
            raise ValueError("a filtered subscription needs exactly one of policy or challenge")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")


def subscription_policy(ctx, args: FilteredSubscriptionArgs) -> dict:
    return ctx.pattern_for(args.challenge) if args.challenge else args.policy


def deployed_policy(ctx, args: FilteredSubscriptionArgs) -> tuple[dict | None, str]:
    """The subscription's filter policy and scope as deployed (None when there is none)."""
    from ..aws.lookups import subscription_filter

    return subscription_filter(ctx, args.topic, args.queue)


@step_kind("sns_filtered_subscription", FilteredSubscriptionArgs, challenge=True)
def plan_filtered_subscription(ctx, args: FilteredSubscriptionArgs):
    policy = subscription_policy(ctx, args)
    name = f"{args.topic}/{args.queue}"
    raw = "true" if args.raw_message_delivery else "false"
    wanted = {"FilterPolicy": json.dumps(policy), "FilterPolicyScope": args.scope, "RawMessageDelivery": raw}
    where = "message body" if args.scope == "MessageBody" else "message attributes"
    existing = find_subscription(ctx, args.topic, args.queue)
    if existing is None:
        return [ApiCall("sns", "subscribe",
                        {"TopicArn": topic_arn(ctx, args.topic), "Protocol": "sqs", "Endpoint": queue_arn(ctx, args.queue),
                         "Attributes": wanted, "ReturnSubscriptionArn": True},
                        f"Subscribe queue {args.queue} to topic {args.topic}, filtering on the {where}: {json.dumps(policy)}",
                        records=Resource("sns_subscription", name, {"topic": args.topic, "queue": args.queue,
                                                                     "arn": Output("SubscriptionArn")}))]
    arn = existing["SubscriptionArn"]
    current = ctx.client("sns").get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
    changed = [k for k in ("FilterPolicyScope", "RawMessageDelivery") if (current.get(k) or
               {"FilterPolicyScope": "MessageAttributes", "RawMessageDelivery": "false"}[k]) != wanted[k]]
    if json.loads(current.get("FilterPolicy") or "null") != policy:
        changed.insert(0, "FilterPolicy")
    if not changed:
        return [ctx.existing_note("sns_subscription", name, f"Subscription of {args.queue} to {args.topic} with its filter policy")]
    if not ctx.backend.ledger.has("sns_subscription", name):
        return [Note(f"The subscription of {args.queue} to {args.topic} is not workshop's and differs ({', '.join(changed)}): "
                     "used as it is, not changed", "warn")]
    # The scope first: SNS checks a policy against the scope the subscription has.
    return [ApiCall("sns", "set_subscription_attributes", {"SubscriptionArn": arn, "AttributeName": key, "AttributeValue": wanted[key]},
                    f"Update the subscription of {args.queue} to {args.topic}: {key} {wanted[key]}")
            for key in sorted(changed, key=lambda k: k != "FilterPolicyScope")]


@dataclass
class SnsPublishArgs:
    topic: str
    sample: str


def message_attributes(attributes: dict) -> dict:
    typed = {}
    for name, value in (attributes or {}).items():
        if isinstance(value, bool) or value is None:
            typed[name] = {"DataType": "String", "StringValue": json.dumps(value)}
        elif isinstance(value, (int, float)):
            typed[name] = {"DataType": "Number", "StringValue": str(value)}
        elif isinstance(value, list):
            typed[name] = {"DataType": "String.Array", "StringValue": json.dumps(value)}
        else:
            typed[name] = {"DataType": "String", "StringValue": str(value)}
    return typed


@step_kind("sns_publish", SnsPublishArgs, behaviour=True)
def plan_sns_publish(ctx, args: SnsPublishArgs):
    sample = ctx.sample(args.sample)

    def remember_id(result: dict) -> None:
        if "MessageId" not in result:
            raise WorkshopError(f"SNS refused the message {args.sample}.")
        ctx.published.setdefault(args.sample, []).append(result["MessageId"])

    params = {"TopicArn": topic_arn(ctx, args.topic), "Message": json.dumps(sample.detail)}
    if sample.attributes:
        params["MessageAttributes"] = message_attributes(sample.attributes)
    shown = ", ".join(f"{k}={v}" for k, v in (sample.attributes or {}).items()) or "no attributes"
    return [ApiCall("sns", "publish", params, f"Publish {args.sample} to topic {args.topic}: {json.dumps(sample.detail)} ({shown})",
                    on_result=remember_id)]
