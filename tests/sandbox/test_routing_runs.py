"""Held PutEvents calls are routed as one run (workshop/sandbox/inline_run.py): queues and the
journal get what one-by-one delivery gave them, in the same order, failures included."""

from __future__ import annotations

import json

from tests.support import drain, events_may_send, make_bus, make_queue, rule_to

CALLS, ENTRIES = 5, 10


def _put_all(sb, bus: str, details: list[dict]) -> list[str]:
    """PutEvents calls back to back (so they are held and routed together), ENTRIES a call."""
    ids = []
    for start in range(0, len(details), ENTRIES):
        answer = sb.client("events").put_events(Entries=[
            {"EventBusName": bus, "Source": "demo", "DetailType": "Demo", "Detail": json.dumps(detail)}
            for detail in details[start:start + ENTRIES]])
        assert answer["FailedEntryCount"] == 0, answer
        ids.extend(entry["EventId"] for entry in answer["Entries"])
    return ids


def test_two_rules_to_one_queue_keep_each_events_order(sb):
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn})
    rule_to(sb, bus, {"Arn": queue_arn, "InputTransformer": {
        "InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"second": <n>}'}})
    ids = _put_all(sb, bus, [{"n": n} for n in range(CALLS * ENTRIES)])
    sb.wait_idle()
    bodies = [json.loads(m["Body"]) for m in drain(sb, url, 2 * len(ids))]
    # Event by event, each rule's target in the bus's order: as one-by-one delivery put them.
    seen = [("first", b["id"]) if "id" in b else ("second", ids[b["second"]]) for b in bodies]
    assert seen == [(rule, event_id) for event_id in ids for rule in ("first", "second")]
    assert [b["detail"] for b in bodies if "id" in b] == [{"n": n} for n in range(len(ids))]


def test_a_message_the_queue_refuses_fails_alone_in_its_place(sb):
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    # The size and the policy in one call (the sandbox keeps a policy the call does not give, as AWS does).
    sb.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={
        "MaximumMessageSize": "1024", "Policy": json.dumps(events_may_send(queue_arn))})
    dlq_url, dlq_arn = make_queue(sb)
    rule_arn = rule_to(sb, bus, {"Arn": queue_arn, "DeadLetterConfig": {"Arn": dlq_arn}})
    before = sb.stats()["stats"]
    big = 13
    ids = _put_all(sb, bus, [{"n": n, "pad": "x" * (2000 if n == big else 1)} for n in range(CALLS * ENTRIES)])
    sb.wait_idle()
    delivered = [json.loads(m["Body"])["id"] for m in drain(sb, url, len(ids) - 1)]
    assert delivered == ids[:big] + ids[big + 1:]  # the others, in order
    [dead] = drain(sb, dlq_url, 1)
    assert json.loads(dead["Body"])["id"] == ids[big]
    found = {k: v["StringValue"] for k, v in dead.get("MessageAttributes", {}).items()}
    assert found["ERROR_CODE"] == "INVALID_PARAMETER" and found["RULE_ARN"] == rule_arn
    stats = sb.stats()["stats"]
    assert stats["delivered"] - before.get("delivered", 0) == len(ids) - 1
    assert stats["failed"] - before.get("failed", 0) == 1
    assert stats["submitted"] - before.get("submitted", 0) == len(ids)
    kinds = {event_id: [e["kind"] for e in sb.control.journal(event_id)["entries"]] for event_id in ids}
    assert kinds[ids[big]] == ["accepted", "failed"]
    assert all(kinds[event_id] == ["accepted", "delivered"] for event_id in ids if event_id != ids[big])
