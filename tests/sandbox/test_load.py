"""Load: 1,000 PutEvents calls of 10 entries from 4 threads; every target gets every event once."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.support import log_messages, make_bus, make_log_group, make_queue, rule_to

CALLS = int(os.environ.get("SANDBOX_LOAD_CALLS", "1000"))  # override to explore, e.g. 200
ENTRIES, THREADS = 10, 4
CONSUMERS = 4
LOAD_DELIVERY_LIMIT_S = 900


class Consumer(threading.Thread):
    """Reads and deletes the queue's messages while events flow, as a real consumer would (and moto's
    SendMessage costs grow with the queue's depth, so a queue nobody reads gets slow)."""

    def __init__(self, sb, url: str):
        super().__init__(daemon=True)
        self.sqs, self.url = sb.client("sqs"), url
        self.bodies: dict[str, str] = {}  # SQS message id -> body
        self.stop_at: float | None = None  # monotonic deadline, set once everything was delivered

    def run(self) -> None:
        while self.stop_at is None or time.monotonic() < self.stop_at:
            # A long visibility timeout: a loaded sandbox must not hand a message to a second consumer.
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                             VisibilityTimeout=600).get("Messages", [])
            if batch:
                # Record before deleting: what was received counts, whatever the delete says.
                self.bodies.update((m["MessageId"], m["Body"]) for m in batch)
                deleted = self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)])
                # At-least-once: a message handed to two receivers is deleted by the first; the
                # second's handle is then invalid. Anything else is a real failure.
                unexpected = [f for f in deleted.get("Failed", []) if f.get("Code") != "ReceiptHandleIsInvalid"]
                assert not unexpected, deleted
            elif self.stop_at is not None:
                return  # drained
            else:
                time.sleep(0.05)


def test_every_event_reaches_every_target_exactly_once(sb):
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    group, group_arn = make_log_group(sb)
    rule_to(sb, bus, {"Arn": queue_arn}, pattern={"source": ["load"]})
    rule_to(sb, bus, {"Arn": group_arn}, pattern={"source": ["load"]})
    rule_to(sb, bus, {"Arn": queue_arn}, pattern={"source": ["never-sent"]})  # must not match anything
    before = sb.stats()["stats"]

    def send(call: int) -> list[str]:
        answer = sb.client("events").put_events(Entries=[
            {"EventBusName": bus, "Source": "load", "DetailType": "Load", "Detail": json.dumps({"call": call, "n": n})}
            for n in range(ENTRIES)])
        assert answer["FailedEntryCount"] == 0
        return [entry["EventId"] for entry in answer["Entries"]]

    consumers = [Consumer(sb, url) for _ in range(CONSUMERS)]
    for consumer in consumers:
        consumer.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            sent = [event_id for ids in pool.map(send, range(CALLS)) for event_id in ids]
        put_seconds = time.monotonic() - started
        # Bounded, but generous: this test proves nothing is lost, not how fast (benchmarks/ measures
        # that); a shared 2-core machine can take several times the ~2 minutes it takes when quiet.
        sb.wait_idle(timeout=LOAD_DELIVERY_LIMIT_S)
        delivered_seconds = time.monotonic() - started
    finally:
        for consumer in consumers:  # stop reading even on failure, before the sandbox goes away
            consumer.stop_at = time.monotonic() + 30
        for consumer in consumers:
            consumer.join(35)

    total = CALLS * ENTRIES
    assert len(set(sent)) == total
    stats = sb.stats()["stats"]
    assert stats["delivered"] - before.get("delivered", 0) == 2 * total
    assert stats.get("failed", 0) == before.get("failed", 0)

    # Standard queues deliver at least once to consumers (and moto may hand one message to two
    # concurrent receivers): what counts is that EventBridge sent each event exactly once.
    messages = {mid: body for consumer in consumers for mid, body in consumer.bodies.items()}
    queued = [json.loads(body)["id"] for body in messages.values()]
    assert len(queued) == total and set(queued) == set(sent)  # all there, none sent twice
    read_started = time.monotonic()
    logged = [json.loads(message)["id"] for message in log_messages(sb, group)]
    assert len(logged) == total and set(logged) == set(sent)
    print(f"\n{total} events x 2 targets: PutEvents done in {put_seconds:.1f}s, all delivered after "
          f"{delivered_seconds:.1f}s; reading the log group took {time.monotonic() - read_started:.1f}s")
