"""The sandbox's direct use of moto's SQS backend (workshop/sandbox/moto_backends/).

The first test fails when a moto upgrade changes the classes that module drives; the others
prove both paths (ours for the per-message calls, moto's for the rest) keep agreeing.
"""

from __future__ import annotations

import inspect
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from tests.support import ACCOUNT, REGION, drain, make_bus, make_queue, put, rule_to, unique


def test_moto_still_reads_service_models_through_one_botocore_session():
    import botocore.session
    from moto.core.base_backend import AccountSpecificBackend

    from workshop.sandbox.moto_backends import botocore_session

    session = botocore_session()
    assert isinstance(session, botocore.session.Session)
    assert AccountSpecificBackend.get_session()._session is session  # one session, kept for the process
    assert "us-east-1" in session.get_available_regions("events")


def test_moto_sqs_classes_still_have_what_the_sandbox_uses():
    from moto.sqs.models import Message, Queue, sqs_backends

    assert list(inspect.signature(Message.__init__).parameters) == ["self", "message_id", "body", "system_attributes"]
    message = Message("id-1", "body")
    message.mark_sent(delay_seconds=0)
    for name in ("visible_at", "delayed_until", "sent_timestamp", "approximate_receive_count",
                 "approximate_first_receive_timestamp", "receipt_handle", "_old_receipt_handles", "message_attributes",
                 "system_attributes", "sender_id", "deduplication_id", "group_id", "sequence_number"):
        assert hasattr(message, name), name
    assert isinstance(message.sent_timestamp, int) and message.visible_at == 0.0 and message.delayed_until == 0.0
    # SqsBackend.send stamps a message as mark_sent does: milliseconds since the epoch, and a delay on top.
    before = time.time() * 1000
    delayed = Message("id-2", "body")
    delayed.mark_sent(delay_seconds=2)
    assert before - 1 <= delayed.sent_timestamp <= time.time() * 1000 + 1
    assert abs(delayed.delayed_until - (delayed.sent_timestamp + 2000)) < 50
    assert message.all_receipt_handles == [None] and isinstance(message.attribute_md5, str)

    backend = sqs_backends[ACCOUNT][REGION]
    name = unique("shape")
    queue = backend.create_queue(name)
    try:
        assert isinstance(queue, Queue) and backend.get_queue(name) is queue and backend.queues[name] is queue
        for attribute in ("message_retention_period", "visibility_timeout", "receive_message_wait_time_seconds",
                          "delay_seconds", "maximum_message_size"):
            assert isinstance(getattr(queue, attribute), int), attribute
        assert queue.fifo_queue is False and queue.redrive_policy is None and queue.policy is None
        assert isinstance(queue._messages, list) and isinstance(queue.pending_messages, set)
        assert isinstance(queue.deleted_messages, set)
        assert queue.lambda_event_source_mappings == {}  # moto's add_message runs them: the Outbox must not skip one
        with queue._messages_lock:  # a Condition the long poll waits on and add_message notifies
            assert callable(queue._messages_lock.notify_all)
        woken = []
        waiter = threading.Thread(target=lambda: woken.append(queue.wait_for_messages(5)))
        waiter.start()
        queue.add_message(message)
        waiter.join(6)
        assert not waiter.is_alive() and queue.messages == [message]
    finally:
        backend.delete_queue(name)


def test_the_queue_policy_read_for_a_delivery_follows_every_way_moto_changes_it():
    """SqsBackend.policy keeps moto's policy text while moto's policy document is the same:
    SetQueueAttributes and RemovePermission replace the document or its statements, AddPermission
    grows them. A moto upgrade that edited a policy in place some other way fails here."""
    from moto.sqs.models import sqs_backends

    from workshop.sandbox.moto_backends import SqsBackend

    backend, queues = sqs_backends[ACCOUNT][REGION], SqsBackend()
    name = unique("policy")
    backend.create_queue(name)
    try:
        assert queues.policy(ACCOUNT, REGION, name) == ""
        allow = {"Version": "2012-10-17", "Statement": [{"Sid": "events", "Effect": "Allow", "Action": "sqs:SendMessage",
                                                          "Principal": {"Service": "events.amazonaws.com"}, "Resource": "*"}]}
        backend.set_queue_attributes(name, {"Policy": json.dumps(allow)})
        assert json.loads(queues.policy(ACCOUNT, REGION, name))["Statement"][0]["Sid"] == "events"
        backend.add_permission(REGION, name, ["SendMessage"], [ACCOUNT], "more")
        assert [s["Sid"] for s in json.loads(queues.policy(ACCOUNT, REGION, name))["Statement"]] == ["events", "more"]
        backend.remove_permission(name, "events")
        assert [s["Sid"] for s in json.loads(queues.policy(ACCOUNT, REGION, name))["Statement"]] == ["more"]
        backend.remove_permission(name, "more")
        backend.add_permission(REGION, name, ["ReceiveMessage"], [ACCOUNT], "other")  # same count as before
        assert [s["Sid"] for s in json.loads(queues.policy(ACCOUNT, REGION, name))["Statement"]] == ["other"]
        backend.set_queue_attributes(name, {"Policy": ""})
        assert queues.policy(ACCOUNT, REGION, name) == ""
    finally:
        backend.delete_queue(name)
    assert queues.policy(ACCOUNT, REGION, name) is None




def test_setting_other_attributes_keeps_a_queue_s_policy_on_moto_s_own_queue():
    """keep_queue_policies on moto's classes: a new queue still starts without a policy, other
    attributes leave the policy as it was (moto alone drops it), and an empty Policy removes it."""
    from moto.sqs.models import sqs_backends

    from workshop.sandbox.moto_backends import keep_queue_policies

    keep_queue_policies()
    backend = sqs_backends[ACCOUNT][REGION]
    name = unique("keep")
    queue = backend.create_queue(name, VisibilityTimeout="30")
    try:
        assert queue.policy is None and queue.visibility_timeout == 30
        allow = {"Version": "2012-10-17", "Statement": [{"Sid": "events", "Effect": "Allow", "Action": "sqs:SendMessage",
                                                          "Principal": {"Service": "events.amazonaws.com"}, "Resource": "*"}]}
        backend.set_queue_attributes(name, {"Policy": json.dumps(allow)})
        backend.set_queue_attributes(name, {"VisibilityTimeout": "45"})
        assert queue.visibility_timeout == 45 and json.loads(queue.policy)["Statement"][0]["Sid"] == "events"
        backend.set_queue_attributes(name, {"Policy": ""})
        assert queue.policy is None
    finally:
        backend.delete_queue(name)

def test_a_run_of_deliveries_puts_its_messages_on_moto_s_queue_in_order_past_send(monkeypatch):
    """The routing thread's batched path (targets.SqsBatch, moto_backends.Outbox) on moto's own
    classes: a queue whose policy lets EventBridge send takes a run's messages, in order, at the
    flush, without SqsBackend.send (its one-by-one path). A moto upgrade that changed what the
    Outbox uses would silently send everything one by one: it fails here."""
    from moto.sqs.models import sqs_backends

    from workshop.sandbox.moto_backends import SqsBackend
    from workshop.sandbox.targets import SqsTarget

    backend, queues = sqs_backends[ACCOUNT][REGION], SqsBackend()
    monkeypatch.setattr(queues, "send", lambda *a, **k: pytest.fail("the batched path fell back to send"))
    name = unique("run")
    queue = backend.create_queue(name)
    arn = queue.queue_arn
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/r"
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                                                      "Principal": {"Service": "events.amazonaws.com"}, "Resource": arn}]}
    try:
        backend.set_queue_attributes(name, {"Policy": json.dumps(allow)})
        batch = SqsTarget(queues).batch()
        put = batch.sender({"Id": "t", "Arn": arn}, type("Job", (), {"rule_arn": rule_arn})())
        assert put is not None, "no sender: the run would deliver one by one"
        assert all(put(json.dumps({"n": n})) for n in range(3))
        assert queue._messages == []  # not before the flush
        batch.flush()
        assert [json.loads(m.body)["n"] for m in queue._messages] == [0, 1, 2]
        assert all(m.sent_timestamp for m in queue._messages)
    finally:
        backend.delete_queue(name)

def test_moto_sns_subscriptions_still_ask_the_matcher_the_sandbox_installs():
    from moto.sns.models import Subscription, sns_backends

    from workshop.sandbox.moto_backends import filter_with

    backend = sns_backends[ACCOUNT][REGION]
    topic = backend.create_topic(unique("shape"))
    try:
        subscription = backend.subscribe(topic.arn, f"arn:aws:sqs:{REGION}:{ACCOUNT}:nowhere", "sqs")
        assert isinstance(subscription, Subscription) and backend.subscriptions[subscription.arn] is subscription
        assert subscription.topic.arn == topic.arn and isinstance(subscription.attributes, dict)
        assert subscription._filter_policy_matcher is None
        subscription.attributes["FilterPolicy"] = '{"a": ["b"]}'
        asked = []

        class Refuses:
            key = None

            def __init__(self, policy, scope):
                asked.append((policy, scope))

            def matches(self, message_attributes, message):
                asked.append((message_attributes, message))
                return False

        filter_with(topic.arn, Refuses)
        assert isinstance(subscription._filter_policy_matcher, Refuses)
        topic.publish("hello", message_attributes={"a": {"Type": "String", "Value": "b"}})  # refused: nothing sent
        assert asked == [('{"a": ["b"]}', "MessageAttributes"), ({"a": {"Type": "String", "Value": "b"}}, "hello")]
    finally:
        backend.delete_topic(topic.arn)


def test_a_delivered_message_is_seen_by_moto_and_received_and_deleted_by_either_path(sb):
    sqs = sb.client("sqs")
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn})
    event_ids = [put(sb, bus, {"n": n}) for n in range(3)]
    sb.wait_idle()
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "3"

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60,
                              AttributeNames=["All"])["Messages"]
    assert len(got) == 2 and {json.loads(m["Body"])["id"] for m in got} <= set(event_ids)
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" and m["Attributes"]["SenderId"] for m in got)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("1", "2")

    # moto's own ChangeMessageVisibility accepts our receipt handle: the message comes back.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    again = drain(sb, url, 2)
    assert got[0]["MessageId"] in {m["MessageId"] for m in again}
    assert {json.loads(m["Body"])["id"] for m in again} == set(event_ids) - {json.loads(got[1]["Body"])["id"]}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[1]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[1]["ReceiptHandle"])  # twice: still fine, as on AWS
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0" and counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_received_messages_render_as_moto_renders_them(sb):
    sqs = sb.client("sqs")
    url, _ = make_queue(sb)
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes={
        "colour": {"DataType": "String", "StringValue": "blue"}, "size": {"DataType": "Number", "StringValue": "3"},
        "other": {"DataType": "String", "StringValue": "x"}})
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["SentTimestamp"],
                                    WaitTimeSeconds=1)["Messages"]
    assert message["MessageId"] == sent["MessageId"] and message["Body"] == "héllo"
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert set(message["MessageAttributes"]) == {"colour", "size", "other"}
    assert list(message["Attributes"]) == ["SentTimestamp"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    [again] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["colour", "s.*"], WaitTimeSeconds=1)["Messages"]
    assert set(again["MessageAttributes"]) == {"colour", "size"} and "Attributes" not in again
    assert again["ReceiptHandle"] != message["ReceiptHandle"] and len(again["ReceiptHandle"]) == 185


def test_errors_and_other_queues_are_answered_by_moto(sb):
    sqs = sb.client("sqs", retries=1)
    url, _ = make_queue(sb)
    with pytest.raises(ClientError) as caught:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert caught.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as caught:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:
        sqs.receive_message(QueueUrl=url.rsplit("/", 1)[0] + "/" + unique("missing"))
    assert "NonExistentQueue" in caught.value.response["Error"]["Code"]
    fifo = sqs.create_queue(QueueName=unique("f") + ".fifo", Attributes={"FifoQueue": "true",
                                                                         "ContentBasedDeduplication": "true"})["QueueUrl"]
    sqs.send_message(QueueUrl=fifo, MessageBody="first", MessageGroupId="g")
    [message] = sqs.receive_message(QueueUrl=fifo, WaitTimeSeconds=1)["Messages"]
    assert message["Body"] == "first"
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=message["ReceiptHandle"])


def test_a_long_poll_ends_when_a_delivery_arrives(sb):
    sqs = sb.client("sqs")
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn})
    answer: list = []
    poller = threading.Thread(target=lambda: answer.append(
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])))
    poller.start()
    event_id = put(sb, bus, {"n": 1})
    poller.join(25)
    assert not poller.is_alive() and answer and json.loads(answer[0][0]["Body"])["id"] == event_id


def test_bus_rules_reads_what_the_events_api_answers():
    """The router's one-step read of a bus agrees with ListRules and ListTargetsByRule (in-process moto)."""
    import boto3
    from moto import mock_aws

    from workshop.sandbox.moto_backends import bus_rules

    with mock_aws():
        events = boto3.client("events", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        bus = unique("bus")
        events.create_event_bus(Name=bus)
        for n in range(3):
            events.put_rule(Name=f"r{n}", EventBusName=bus, EventPattern=json.dumps({"source": [f"s{n}"]}),
                            State="DISABLED" if n == 2 else "ENABLED")
            events.put_targets(Rule=f"r{n}", EventBusName=bus, Targets=[
                {"Id": "a", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{n}", "InputPath": "$.detail"},
                {"Id": "b", "Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g{n}"}])
        arn, rules = bus_rules(REGION, bus)
        assert arn == events.describe_event_bus(Name=bus)["Arn"]
        listed = events.list_rules(EventBusName=bus)["Rules"]
        used = ("Name", "Arn", "EventPattern", "State", "ScheduleExpression", "EventBusName")  # what the router reads
        assert [{k: rule.get(k) for k in used} for rule, _ in rules] == [{k: rule.get(k) for k in used} for rule in listed]
        for rule, targets in rules:
            assert targets == events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        assert bus_rules(REGION, unique("missing")) is None


def test_idle_waits_for_running_state_machines(sb):
    """A state machine still running may publish more, so the sandbox is not idle until it ends; this
    also fails when a moto upgrade stops keeping executions where running_executions() reads them."""
    import time

    from workshop.sandbox.moto_backends import running_executions

    sfn, iam = sb.client("stepfunctions"), sb.client("iam")
    role = iam.create_role(RoleName=unique("sfn-role"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    definition = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 2, "End": True}}}
    machine = sfn.create_state_machine(name=unique("hold"), definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert running_executions() == 0  # this test process never loaded moto's Step Functions itself
    assert not sb.control.wait_idle(0.3), "idle while a state machine still runs"
    started = time.monotonic()
    assert sb.control.wait_idle(20), "idle once the execution ended"
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert time.monotonic() - started < 20


def test_moto_backend_dicts_are_still_plain_dicts_underneath():
    """region_backend reads BackendDict and AccountSpecificBackend with dict's own lookup, past
    their __getitem__ (which scans every BackendDict of moto on each call)."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict
    from moto.events.models import events_backends
    from moto.sqs.models import SQSBackend, sqs_backends

    from workshop.sandbox.moto_backends import region_backend

    assert issubclass(BackendDict, dict) and issubclass(AccountSpecificBackend, dict)
    assert isinstance(sqs_backends, BackendDict) and isinstance(events_backends, BackendDict)
    created = sqs_backends[ACCOUNT][REGION]
    assert isinstance(created, SQSBackend)
    assert region_backend(sqs_backends, ACCOUNT, REGION) is created
    assert dict.__getitem__(dict.__getitem__(sqs_backends, ACCOUNT), REGION) is created
    other = "210987654321"  # not created yet: moto creates it, as its own lookup would
    fresh = region_backend(sqs_backends, other, "eu-west-1")
    assert isinstance(fresh, SQSBackend) and sqs_backends[other]["eu-west-1"] is fresh
