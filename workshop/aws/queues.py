"""Reading an SQS queue the way the checks, the probes and the evidence do: bounded, and with the
EventBridge event taken out of the SNS envelope it may arrive in."""

from __future__ import annotations

import json
from typing import Iterator

_ENVELOPE_FIELDS = ("Type", "MessageId", "TopicArn", "Timestamp", "Subject")


def _json(text: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def open_envelope(body: str) -> tuple[dict | None, dict | None]:
    """(the EventBridge event, the SNS envelope without its Message) of an SQS body: bare (raw
    delivery, or EventBridge straight to the queue) or in an SNS notification."""
    data = _json(body)
    envelope = None
    if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        envelope = {k: v for k, v in data.items() if k in _ENVELOPE_FIELDS}
        data = _json(data["Message"])
    return (data if isinstance(data, dict) else None), envelope


def receive(sqs, url: str, *, wait_s: int = 0, rounds: int = 10, consume: bool = True, **options) -> Iterator[dict]:
    """Each message in the queue now, at most `rounds` batches of 10. Consumed messages are deleted
    once yielded; otherwise they are read with VisibilityTimeout=0 and reading stops at the first
    batch with nothing new. Only the first batch long-polls (`wait_s`)."""
    seen: set[str] = set()
    for _ in range(rounds):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s,
                                    **({} if consume else {"VisibilityTimeout": 0}), **options).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message
            if consume:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        wait_s = 0
