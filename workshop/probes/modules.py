"""Probes of what the later modules use: archives and replays, EventBridge Scheduler firing its
targets, and SNS subscription filter policies deciding what reaches each SQS subscription."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from .support import DELIVERY_S, SCHEDULE_S, Probe, short_error, wait_for


def archive_replay(run: Probe) -> None:
    """An archived event, replayed to one rule only, arrives carrying replay-name."""
    events = run.client("events")
    url, queue_arn = run.queue("replay")
    bus = run.bus("replay")
    rule = f"{run.prefix}-replay"
    rule_arn = events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(
        {"replay-name": [{"exists": True}], "source": [f"workshop.doctor.{run.token}"]}))["RuleArn"]
    run.later(lambda: events.delete_rule(Name=rule, EventBusName=bus))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "doctor", "Arn": queue_arn}])
    run.later(lambda: events.remove_targets(Rule=rule, EventBusName=bus, Ids=["doctor"]))
    bus_arn = events.describe_event_bus(Name=bus)["Arn"]
    archive = events.create_archive(ArchiveName=f"{run.prefix}-archive", EventSourceArn=bus_arn)["ArchiveArn"]
    run.later(lambda: events.delete_archive(ArchiveName=f"{run.prefix}-archive"))
    started = _now(run) - timedelta(minutes=1)
    event_id = run.put_event(bus, "replay")
    if not wait_for(lambda: events.describe_archive(ArchiveName=f"{run.prefix}-archive").get("EventCount", 0) >= 1,
                    DELIVERY_S, 0.5):
        run.say("archive_replay", False, f"an archive of the bus never counted the event put on it ({DELIVERY_S:.0f}s)")
        return
    replay = f"{run.prefix}-replay"
    events.start_replay(ReplayName=replay, EventSourceArn=archive, Destination={"Arn": bus_arn, "FilterArns": [rule_arn]},
                        EventStartTime=started, EventEndTime=_now(run))

    def arrived() -> bool:
        return any(e.get("replay-name") == replay and e.get("detail-type") == "replay" for e in run.messages(url))

    if wait_for(arrived, DELIVERY_S, 0.5):
        run.say("archive_replay", True, "an archived event, replayed to one rule, arrived carrying replay-name")
    else:
        state = events.describe_replay(ReplayName=replay).get("State")
        run.say("archive_replay", False, f"a replay ({state}) of an archived event ({event_id}) never reached the rule "
                                         f"it names ({DELIVERY_S:.0f}s)")


def scheduler(run: Probe) -> None:
    """An EventBridge Scheduler schedule, rate(1 minute), sends its input to an SQS queue as its role."""
    scheduler = run.client("scheduler")
    url, queue_arn = run.queue("scheduler")
    name = f"{run.prefix}-schedule"
    marker = f"workshop-doctor-{run.token}-scheduled"
    try:
        scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 minute)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": queue_arn, "RoleArn": run.shared["role"], "Input": json.dumps({"marker": marker})})
    except Exception as exc:
        run.say("scheduler_fires", False, f"CreateSchedule failed ({short_error(exc)})")
        return
    run.later(lambda: scheduler.delete_schedule(Name=name))
    clock = run.backend.sandbox_control()
    if clock:
        clock.advance(2)

    def fired() -> bool:
        return any(e.get("marker") == marker for e in run.messages(url))

    if wait_for(fired, DELIVERY_S if clock else SCHEDULE_S, 1.0):
        run.say("scheduler_fires", True, "a rate(1 minute) schedule fired and its input arrived in its SQS target")
    else:
        run.say("scheduler_fires", False, f"a rate(1 minute) schedule never delivered to its SQS target within "
                                          f"{DELIVERY_S if clock else SCHEDULE_S:.0f}s")


def sns_filters(run: Probe) -> None:
    """Two filtered SQS subscriptions, one on the attributes and one on the body: each gets only its
    own message (where the filter engines differ from SNS, the sandbox's tests say)."""
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
            got[scope] += [m["Body"] for m in _raw_messages(run, url)]
        return all(got[scope] for scope in queues)

    wait_for(collect, DELIVERY_S, 0.5)
    time.sleep(1.0)  # a moment more, so a message that should not arrive shows up
    collect()
    if got == expected:
        run.say("sns_filters", True, "filter policies on the attributes and on the body let through exactly their messages")
    else:
        run.say("sns_filters", False, "filtered subscriptions received "
                + "; ".join(f"{scope}: {sorted(got[scope]) or 'nothing'} (expected {expected[scope]})" for scope in queues))


def _raw_messages(run: Probe, url: str) -> list[dict]:
    sqs = run.client("sqs")
    batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    for message in batch:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return batch


def _now(run: Probe) -> datetime:
    clock = run.backend.sandbox_control()
    return clock.now() if clock else datetime.now(timezone.utc)
