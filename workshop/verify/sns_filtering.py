"""Checks of the SNS filtering module: each subscription's filter policy, and what each queue got.

Each queue must receive exactly the messages its filter policy lets through, among the messages
the module published, and none of the others. Messages are recognised by their SNS MessageId
(raw delivery off: each SQS body is the SNS envelope); what one check reads (and deletes) is kept
in the context, so every check of one verification judges the same messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..grading import grade
from ..aws.lookups import subscription_filter as deployed_filter
from ..aws.queues import receive
from . import Outcome, capability, check_kind, listen_for_strays, poll


@dataclass
class SubscriptionFilterArgs:
    topic: str
    queue: str
    policy: Any = None
    challenge: str | None = None
    scope: str = "MessageAttributes"


@check_kind("subscription_filter", SubscriptionFilterArgs)
def subscription_filter(ctx, args: SubscriptionFilterArgs) -> Outcome:
    """The queue is subscribed with the given policy, or with one that passes the challenge."""
    policy, scope = deployed_filter(ctx, args.topic, args.queue)
    if policy is None:
        return Outcome(False, f"queue {args.queue} has no subscription with a filter policy on topic {args.topic}")
    if scope != args.scope:
        return Outcome(False, f"the subscription of {args.queue} filters on {scope}, expected {args.scope}")
    if args.challenge:
        challenge = ctx.scenario.challenge(args.challenge)
        result = grade(challenge, policy, ctx.scenario.samples)
        if not result.passed:
            return Outcome(False, f"the filter policy of {args.queue} {json.dumps(policy)}: " + "; ".join(result.problems()))
        return Outcome(True, f"the filter policy of {args.queue} lets {', '.join(challenge.must_match)} through "
                             f"and not {', '.join(challenge.must_not_match)}")
    if policy != args.policy:
        return Outcome(False, f"the filter policy of {args.queue} is {json.dumps(policy)}, expected {json.dumps(args.policy)}")
    return Outcome(True, f"queue {args.queue} is subscribed to {args.topic} with {json.dumps(policy)} on the {scope}")


def _drain(ctx, queue: str, wait_s: int = 1) -> list[str]:
    """MessageIds of the SNS messages in the queue now (deleted once read), added to what was seen."""
    sqs = ctx.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    seen = ctx.seen.setdefault(f"sns-ids:{queue}", [])
    for _ in range(10):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s).get("Messages", [])
        if not messages:
            break
        for message in messages:
            try:
                seen.append(json.loads(message.get("Body", "")).get("MessageId"))
            except (ValueError, AttributeError):
                pass
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        wait_s = 0
    return seen


@dataclass
class FilteredDeliveryArgs:
    queue: str
    expect: list[str]  # the samples whose messages must arrive
    messages: list[str] = field(default_factory=list)  # every sample the module publishes


@check_kind("sns_filtered_delivery", FilteredDeliveryArgs, needs=("sns_filters",))
def sns_filtered_delivery(ctx, args: FilteredDeliveryArgs) -> Outcome:
    latest = {name: ctx.published[name][-1] for name in args.messages if ctx.published.get(name)}
    missing = [name for name in args.messages if name not in latest]
    if missing:
        return Outcome(False, f"the messages {', '.join(missing)} have not been published yet")

    def counts() -> dict[str, int]:
        seen = _drain(ctx, args.queue, wait_s=0)
        return {name: seen.count(message_id) for name, message_id in latest.items()}

    def wanted_arrived() -> Outcome:
        got = counts()
        absent = [n for n in args.expect if got[n] == 0]
        if absent:
            return Outcome(False, f"{', '.join(absent)} did not reach {args.queue} {ctx.within()}")
        return Outcome(True, "")

    outcome = poll(wanted_arrived, ctx.deadline_s, settled=ctx.settled)
    if not outcome.passed:
        return outcome
    listen_for_strays(ctx, lambda: counts() and None)  # what comes is counted; the counts say
    got = counts()
    extra = [n for n in args.messages if n not in args.expect and got[n]]
    twice = [n for n in args.expect if got[n] > 1]
    if extra:
        return Outcome(False, f"{args.queue} received {', '.join(extra)}, which its filter policy should keep out")
    if twice:
        return Outcome(False, f"{args.queue} received {', '.join(twice)} more than once")
    return Outcome(True, f"{args.queue} received exactly {', '.join(args.expect)}"
                         + (f", and not {', '.join(n for n in args.messages if n not in args.expect)}" if len(args.expect) < len(args.messages) else ""))


# doctor's probe of the capability these checks need ---------------------------------------------
@capability("sns_filters", "SNS subscription filter policies (attributes and body) on SQS subscriptions")
def probe_sns_filters(run) -> None:
    """Two filtered SQS subscriptions, one on the attributes and one on the body: each gets only its
    own message (where the filter engines differ from SNS, the sandbox's tests say)."""
    import time

    from ..probes.support import DELIVERY_S, wait_for

    sns = run.client("sns")
    topic = sns.create_topic(Name=f"{run.prefix}-filters")["TopicArn"]
    run.later(lambda: sns.delete_topic(TopicArn=topic))
    queues = {}
    for scope, policy in (("MessageAttributes", {"probe": [{"prefix": "pass"}]}),
                          ("MessageBody", {"probe": [{"numeric": [">=", 100]}]})):
        url, arn = run.queue(f"filter-{scope[7:].lower()}")
        subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True, Attributes={
            "FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope, "RawMessageDelivery": "true"})["SubscriptionArn"]
        run.later(lambda arn=subscription: sns.unsubscribe(SubscriptionArn=arn))
        queues[scope] = url
    sent = {"attributes-pass": {"probe": {"DataType": "String", "StringValue": "pass-1"}},
            "attributes-block": {"probe": {"DataType": "String", "StringValue": "block"}}}
    for body, attributes in sent.items():
        sns.publish(TopicArn=topic, Message=body, MessageAttributes=attributes)
    for probe_value in (150, 50):
        sns.publish(TopicArn=topic, Message=json.dumps({"probe": probe_value}))
    expected = {"MessageAttributes": ["attributes-pass"], "MessageBody": [json.dumps({"probe": 150})]}
    got: dict[str, list[str]] = {scope: [] for scope in queues}

    def collect() -> bool:
        for scope, url in queues.items():
            got[scope] += [m["Body"] for m in receive(run.client("sqs"), url, rounds=1)]
        return all(got[scope] for scope in queues)

    wait_for(collect, DELIVERY_S, 0.5)
    time.sleep(1.0)  # a moment more, so a message that should not arrive shows up
    collect()
    if got == expected:
        run.say("sns_filters", True, "filter policies on the attributes and on the body let through exactly their messages")
    else:
        run.say("sns_filters", False, "filtered subscriptions received "
                + "; ".join(f"{scope}: {sorted(got[scope]) or 'nothing'} (expected {expected[scope]})" for scope in queues))
