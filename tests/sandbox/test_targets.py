"""Delivery to each target kind the workshop uses, end to end through a real sandbox."""

from __future__ import annotations

import json

from tests.support import (ACCOUNT, REGION, drain, events_may_send, make_bus, make_log_group, make_queue, poll, put,
                           rule_to, unique, wait_log_messages)


def _topic_with_queue(sb, raw: bool, allow_events: bool = True) -> tuple[str, str]:
    sns = sb.client("sns")
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    url, queue_arn = make_queue(sb)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true" if raw else "false"})
    if allow_events:
        policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
        policy["Statement"].append({"Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                    "Action": "sns:Publish", "Resource": topic})
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    return topic, url


def test_sns_target_wraps_event_in_envelope_when_raw_delivery_is_off(sb):
    bus, _ = make_bus(sb)
    topic, url = _topic_with_queue(sb, raw=False)
    rule_to(sb, bus, {"Arn": topic})
    event_id = put(sb, bus, {"category": "lab-supplies"})
    [message] = drain(sb, url, 1)
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    event = json.loads(envelope["Message"])
    assert event["id"] == event_id and event["detail"] == {"category": "lab-supplies"}
    assert event["account"] == ACCOUNT


def test_sns_target_delivers_bare_event_with_raw_delivery(sb):
    bus, _ = make_bus(sb)
    topic, url = _topic_with_queue(sb, raw=True)
    rule_to(sb, bus, {"Arn": topic})
    event_id = put(sb, bus, {"n": 1})
    [message] = drain(sb, url, 1)
    assert json.loads(message["Body"])["id"] == event_id


def test_sns_target_needs_a_topic_policy_for_eventbridge(sb):
    bus, _ = make_bus(sb)
    topic, url = _topic_with_queue(sb, raw=False, allow_events=False)  # only the default policy
    rule_to(sb, bus, {"Arn": topic})
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    assert drain(sb, url, 0, timeout=0.5) == []
    [failure] = sb.failures_for(topic)
    assert failure["error_code"] == "NO_PERMISSIONS" and "sns:Publish" in failure["error_message"]
    assert failure["attempts"] == 1  # a permission problem is not retried

    # Adding the statement (as the learner's step must) makes the next event go through.
    sns = sb.client("sns")
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    policy["Statement"].append({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sns:Publish", "Resource": topic})
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    event_id = put(sb, bus, {"n": 2})
    [message] = drain(sb, url, 1)
    assert json.loads(json.loads(message["Body"])["Message"])["id"] == event_id


ORDER_PROCESSING = {
    "StartAt": "Pass",
    "States": {
        "Pass": {"Type": "Pass", "Next": "PutEvent"},
        "PutEvent": {
            "Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "End": True,
            "Parameters": {"Entries": [{"Source": "com.aws.orders", "DetailType": "Order Processed",
                                        "Detail": {"OrderId": "new_id", "OrderDetails.$": "$.detail"},
                                        "EventBusName": "Orders"}]},
        },
    },
}


def _orders_bus(sb) -> str:
    events = sb.client("events")
    try:
        events.describe_event_bus(Name="Orders")
    except events.exceptions.ResourceNotFoundException:
        events.create_event_bus(Name="Orders")
    return "Orders"


def test_step_functions_target_runs_order_processing_and_its_event_reenters_the_bus(sb):
    bus = _orders_bus(sb)
    sfn = sb.client("stepfunctions")
    machine = sfn.create_state_machine(name=unique("OrderProcessing"), definition=json.dumps(ORDER_PROCESSING),
                                       roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn")["stateMachineArn"]
    marker = unique("loc")
    rule_to(sb, bus, {"Arn": machine, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/events"},
            pattern={"source": ["com.aws.orders"], "detail": {"location": [marker]}})
    processed_url, processed_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": processed_arn},
            pattern={"source": ["com.aws.orders"], "detail-type": ["Order Processed"],
                     "detail": {"OrderDetails": {"location": [marker]}}})

    event_id = put(sb, bus, {"category": "office-supplies", "value": 300, "location": marker},
                   source="com.aws.orders", detail_type="Order Notification")

    executions = poll(lambda: sfn.list_executions(stateMachineArn=machine)["executions"],
                      lambda found: found and found[0]["status"] != "RUNNING", timeout=15)
    assert len(executions) == 1 and executions[0]["status"] == "SUCCEEDED", executions
    described = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    execution_input = json.loads(described["input"])
    assert execution_input["id"] == event_id and execution_input["detail"]["location"] == marker  # the whole event

    [message] = drain(sb, processed_url, 1, timeout=15)
    processed = json.loads(message["Body"])
    assert processed["detail"] == {"OrderId": "new_id",
                                   "OrderDetails": {"category": "office-supplies", "value": 300, "location": marker}}
    assert processed["source"] == "com.aws.orders" and processed["detail-type"] == "Order Processed"


def test_step_functions_target_missing_machine_is_a_failure_not_a_putevents_error(sb):
    bus, _ = make_bus(sb)
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{unique('nope')}"
    rule_to(sb, bus, {"Arn": missing, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/events"})
    put(sb, bus, {"n": 1})  # accepted
    sb.wait_idle()
    [failure] = sb.failures_for(missing)
    assert failure["error_code"] == "NO_RESOURCE"


def test_bus_to_bus_keeps_id_time_and_resources(sb):
    source_bus, _ = make_bus(sb)
    target_bus, target_arn = make_bus(sb)
    rule_to(sb, source_bus, {"Arn": target_arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/events"})
    url, queue_arn = make_queue(sb)
    rule_to(sb, target_bus, {"Arn": queue_arn})
    resources = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"]
    event_id = put(sb, source_bus, {"n": 1}, Resources=resources, Time="2026-01-02T03:04:05Z")
    [message] = drain(sb, url, 1)
    event = json.loads(message["Body"])
    assert event["id"] == event_id
    assert event["time"] == "2026-01-02T03:04:05Z"
    assert event["resources"] == resources


def test_input_transformer_shapes_what_the_target_receives(sb):
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn, "InputTransformer": {
        "InputPathsMap": {"loc": "$.detail.location", "id": "$.id"},
        "InputTemplate": '{"where": <loc>, "event": <id>, "rule": <aws.events.rule-name>}'}})
    event_id = put(sb, bus, {"location": "eu-west"})
    [message] = drain(sb, url, 1)
    body = json.loads(message["Body"])
    assert body["where"] == "eu-west" and body["event"] == event_id and body["rule"].startswith("rule-")


def test_input_path_and_constant_input_reach_a_log_group(sb):
    bus, _ = make_bus(sb)
    group, group_arn = make_log_group(sb)
    events = sb.client("events")
    rule = unique("rule")
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["demo"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[
        {"Id": "path", "Arn": group_arn, "InputPath": "$.detail"},
        {"Id": "const", "Arn": group_arn, "Input": '{"constant": true}'}])
    put(sb, bus, {"location": "us-east"})
    messages = sorted(wait_log_messages(sb, group, 2))
    assert [json.loads(m) for m in messages] == [{"constant": True}, {"location": "us-east"}]


def test_log_group_target_needs_the_logs_resource_policy(sb):
    bus, _ = make_bus(sb)
    group = f"/private/{unique('g')}"  # outside /aws/events/*, so the shared policy does not cover it
    _, group_arn = make_log_group(sb, group)
    rule_to(sb, bus, {"Arn": group_arn})
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    [failure] = sb.failures_for(group_arn)
    assert failure["error_code"] == "NO_PERMISSIONS"


def test_step_functions_put_events_failure_cause_is_json(sb):
    """A failed entry fails the task with EventBridge.FailedEntry; its cause is PutEvents' answer as
    JSON, as on AWS (moto's interpreter leaves a Python repr)."""
    bus, _ = make_bus(sb)
    definition = {"StartAt": "PutEvent", "States": {"PutEvent": {
        "Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "End": True,
        "Parameters": {"Entries": [{"Source": "com.aws.orders", "DetailType": "Bad", "Detail": "not json",
                                    "EventBusName": bus}]}}}}
    sfn = sb.client("stepfunctions")
    machine = sfn.create_state_machine(name=unique("BadPut"), definition=json.dumps(definition),
                                       roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    described = poll(lambda: sfn.describe_execution(executionArn=execution),
                     lambda found: found["status"] != "RUNNING", timeout=15)
    assert described["status"] == "FAILED" and described["error"] == "EventBridge.FailedEntry", described
    cause = json.loads(described["cause"])
    assert cause["FailedEntryCount"] == 1 and cause["Entries"][0]["ErrorCode"] == "MalformedDetail", cause
    history = sfn.get_execution_history(executionArn=execution)["events"]
    causes = [detail["cause"] for event in history for key, detail in event.items()
              if key.endswith("EventDetails") and isinstance(detail, dict) and "cause" in detail]
    assert causes and all(json.loads(text) == cause for text in causes), causes


def test_sqs_target_needs_a_queue_policy_for_this_rule(sb):
    """As on AWS: no queue policy, or one naming another rule's ARN, and the delivery fails (not
    retried); a policy allowing events.amazonaws.com for this rule lets the next event through."""
    sqs = sb.client("sqs")
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb, allow_events=False)
    rule_arn = rule_to(sb, bus, {"Arn": queue_arn})
    put(sb, bus, {"n": 1})
    sb.wait_idle()
    [failure] = sb.failures_for(queue_arn)
    assert failure["error_code"] == "NO_PERMISSIONS" and "sqs:SendMessage" in failure["error_message"]
    assert failure["attempts"] == 1

    other_rule = rule_arn.rsplit("/", 1)[0] + "/" + unique("other")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(events_may_send(queue_arn, other_rule))})
    put(sb, bus, {"n": 2})
    sb.wait_idle()
    assert len(sb.failures_for(queue_arn)) == 2
    assert drain(sb, url, 0, timeout=0.5) == []

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(events_may_send(queue_arn, rule_arn))})
    event_id = put(sb, bus, {"n": 3})
    [message] = drain(sb, url, 1)
    assert json.loads(message["Body"])["id"] == event_id


def test_setting_other_queue_attributes_keeps_the_queue_policy(sb):
    """As on AWS (moto alone drops it): SetQueueAttributes without a Policy leaves the policy as it
    was, so EventBridge may still send; an empty Policy removes it."""
    sqs = sb.client("sqs")
    bus, _ = make_bus(sb)
    url, queue_arn = make_queue(sb)
    rule_to(sb, bus, {"Arn": queue_arn})
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45" and json.loads(attributes["Policy"]) == json.loads(policy)
    event_id = put(sb, bus, {"n": 1})
    [message] = drain(sb, url, 1)
    assert json.loads(message["Body"])["id"] == event_id

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    put(sb, bus, {"n": 2})
    sb.wait_idle()
    [failure] = sb.failures_for(queue_arn)
    assert failure["error_code"] == "NO_PERMISSIONS"
