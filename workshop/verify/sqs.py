"""Checks on a queue: exactly the expected events arrived (SNS envelope unwrapped), the others not.

Messages read are deleted, as the workshop asks. What one check reads is kept in the context,
so the "arrived" and "did not arrive" checks of one verification see the same messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..aws.queues import open_envelope, receive
from . import Outcome, brief, check_kind, listen_for_strays, poll, published


def unwrap(body: str) -> dict | None:
    """The EventBridge event in an SQS body: bare (raw delivery) or in the SNS envelope's Message."""
    return open_envelope(body)[0]


def drain(ctx, queue: str, wait_s: int = 1) -> list[dict]:
    """Receive what is there now (deleting it) and add it to what this verification has seen."""
    sqs = ctx.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    seen = ctx.seen.setdefault(f"sqs:{queue}", [])
    envelopes = ctx.seen.setdefault(f"sns-envelope:{queue}", {})  # event id -> the SNS MessageId it came in
    for message in receive(sqs, url, wait_s=wait_s):  # bounded: at most 100 messages a look
        event, envelope = open_envelope(message.get("Body", ""))
        if event is not None:
            seen.append(event)
            if envelope and envelope.get("MessageId") and event.get("id"):
                envelopes[event["id"]] = envelope["MessageId"]
    return seen


@dataclass
class QueueArgs:
    queue: str
    sample: str


@check_kind("sqs_received", QueueArgs, needs=("custom_bus",))
@published
def sqs_received(ctx, args: QueueArgs, ids: list[str]) -> Outcome:
    def probe() -> Outcome:
        found = [e for e in drain(ctx, args.queue) if e.get("id") == ids[-1]]
        count = len(found)
        if count == 1:  # the evidence: the message body, unwrapped from its SNS envelope when it came in one
            envelope = ctx.seen.get(f"sns-envelope:{args.queue}", {}).get(ids[-1])
            how = f"in SNS envelope {envelope}" if envelope else "as the message body"
            return Outcome(True, f"event {ids[-1]} received {how}: {found[0].get('detail-type')} {brief(found[0].get('detail'))}")
        if count > 1:
            return Outcome(False, f"event {ids[-1]} arrived {count} times in queue {args.queue}")
        return Outcome(False, f"event {ids[-1]} ({args.sample}) did not arrive in queue {args.queue} {ctx.within()}")

    return poll(probe, ctx.deadline_s, settled=ctx.settled)


@check_kind("sqs_not_received", QueueArgs, needs=("custom_bus",))
@published
def sqs_not_received(ctx, args: QueueArgs, ids: list[str]) -> Outcome:
    def arrived() -> Outcome | None:
        found = [e for e in drain(ctx, args.queue, wait_s=0) if e.get("id") == ids[-1]]
        if found:
            return Outcome(False, f"event {ids[-1]} ({args.sample}) arrived in queue {args.queue} but should not have: "
                                  f"its detail was {json.dumps(found[0].get('detail'))}")
        return None

    found, within = listen_for_strays(ctx, arrived)
    read = len(ctx.seen.get(f"sqs:{args.queue}", []))  # the evidence: how many messages were read, none of them this event
    return found or Outcome(True, f"{read} message(s) read from {args.queue}{within}, none of them event {ids[-1]} ({args.sample})")
