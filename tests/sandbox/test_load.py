"""Load: 1,000 PutEvents calls of 10 entries from 4 threads; every target gets every event once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .conftest import log_messages, make_bus, make_log_group, make_queue, rule_to

CALLS, ENTRIES, THREADS = 1000, 10, 4


class Consumer(threading.Thread):
    """Reads and deletes the queue's messages while events flow, as a real consumer would (and moto's
    SendMessage costs grow with the queue's depth, so a queue nobody reads gets slow)."""

    def __init__(self, sb, url: str):
        super().__init__(daemon=True)
        self.sqs, self.url = sb.client("sqs"), url
        self.bodies: list[str] = []
        self.stop_at: float | None = None  # monotonic deadline, set once everything was delivered

    def run(self) -> None:
        while self.stop_at is None or time.monotonic() < self.stop_at:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if batch:
                self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)])
                self.bodies.extend(m["Body"] for m in batch)
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

    consumer = Consumer(sb, url)
    consumer.start()
    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        sent = [event_id for ids in pool.map(send, range(CALLS)) for event_id in ids]
    put_seconds = time.monotonic() - started
    sb.wait_idle(timeout=120)
    delivered_seconds = time.monotonic() - started
    consumer.stop_at = time.monotonic() + 30
    consumer.join(35)

    total = CALLS * ENTRIES
    assert len(set(sent)) == total
    stats = sb.stats()["stats"]
    assert stats["delivered"] - before.get("delivered", 0) == 2 * total
    assert stats.get("failed", 0) == before.get("failed", 0)

    queued = [json.loads(body)["id"] for body in consumer.bodies]
    assert len(queued) == total and set(queued) == set(sent)  # all there, none twice
    read_started = time.monotonic()
    logged = [json.loads(message)["id"] for message in log_messages(sb, group)]
    assert len(logged) == total and set(logged) == set(sent)
    print(f"\n{total} events x 2 targets: PutEvents done in {put_seconds:.1f}s, all delivered after "
          f"{delivered_seconds:.1f}s; reading the log group took {time.monotonic() - read_started:.1f}s")
