"""Probes of delivery: one bus per target kind (some emulators fail every PutEvents on a bus once one
of its rules targets a kind they cannot deliver to), and the probe's own event found where it must
arrive; state machines, Lambda code and its destinations, and schedules."""

from __future__ import annotations

import json
from typing import Callable

from ..aws.executions import ExecutionFinder
from .support import DELIVERY_S, HANDLER, SCHEDULE_S, Probe, short_error, wait_for


def deliver(run: Probe, name: str, suffix: str, target: Callable[[], dict], evidence: Callable[[str], bool],
             what: str) -> None:
    bus = run.bus(suffix)
    run.rule(bus, suffix, target())
    try:
        event_id = run.put_event(bus, suffix)
    except Exception as exc:
        run.say(name, False, f"PutEvents failed while a rule on the bus targets {what} ({short_error(exc)})")
        return
    if wait_for(lambda: evidence(event_id), DELIVERY_S, 0.5):
        run.say(name, True, f"an event reached {what}")
    else:
        run.say(name, False, f"an event matched a rule targeting {what} but never arrived there ({DELIVERY_S:.0f}s)")


# the probes ------------------------------------------------------------------------------------
def logs(run: Probe) -> None:
    logs = run.client("logs")
    group = f"/aws/events/{run.prefix}"
    logs.create_log_group(logGroupName=group)
    run.later(lambda: logs.delete_log_group(logGroupName=group))
    arn = f"arn:aws:logs:{run.region}:{run.account}:log-group:{group}"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": [
        "events.amazonaws.com", "delivery.logs.amazonaws.com"]}, "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{arn}:*"}]}
    try:
        logs.put_resource_policy(policyName=run.prefix, policyDocument=json.dumps(policy))
        run.later(lambda: logs.delete_resource_policy(policyName=run.prefix))
    except Exception:
        pass  # a backend without resource policies may still deliver; the delivery decides

    def arrived(event_id: str) -> bool:
        return any(event_id in message for message in run.log_messages(group))

    deliver(run, "deliver_logs", "logs", lambda: {"Arn": arn}, arrived, "a CloudWatch Logs log group")


def sqs(run: Probe) -> None:
    url, arn = run.queue("sqs")
    deliver(run, "deliver_sqs", "sqs", lambda: {"Arn": arn},
             lambda event_id: any(e.get("id") == event_id for e in run.messages(url)), "an SQS queue")


def sns(run: Probe) -> None:
    sns = run.client("sns")
    url, queue_arn = run.queue("sns")
    topic = sns.create_topic(Name=f"{run.prefix}-sns")["TopicArn"]
    run.later(lambda: sns.delete_topic(TopicArn=topic))
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                      "Action": "sns:Publish", "Resource": topic}]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
    run.later(lambda: sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"]))
    deliver(run, "deliver_sns", "sns", lambda: {"Arn": topic},
             lambda event_id: any(e.get("id") == event_id for e in run.messages(url)), "an SNS topic (then SQS)")


def _state_machine(run: Probe, suffix: str, definition: dict) -> str:
    sfn = run.client("stepfunctions")
    arn = sfn.create_state_machine(name=f"{run.prefix}-{suffix}", definition=json.dumps(definition),
                                   roleArn=run.shared["role"])["stateMachineArn"]
    run.later(lambda: sfn.delete_state_machine(stateMachineArn=arn))
    return arn


def _execution(run: Probe, arn: str, payload: dict) -> dict:
    sfn = run.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    finished = wait_for(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(sfn.describe_execution(executionArn=execution)),
                     DELIVERY_S, 0.3)
    return finished or sfn.describe_execution(executionArn=execution)


PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def stepfunctions(run: Probe) -> None:
    sfn = run.client("stepfunctions")
    machine = _state_machine(run, "pass", PASS)
    described = _execution(run, machine, {"probe": "run"})
    if described["status"] == "SUCCEEDED":
        run.say("sfn_runs", True, "an execution of a Pass state machine SUCCEEDED")
    else:
        run.say("sfn_runs", False, f"an execution of a one-Pass-state machine stayed {described['status']}"
                                   + (" (moto runs state machines only with its execution switch on)"
                                      if described["status"] == "RUNNING" else ""))

    finder = ExecutionFinder(sfn, machine)
    deliver(run, "deliver_stepfunctions", "sfn", lambda: {"Arn": machine, "RoleArn": run.shared["role"]},
            lambda event_id: finder.find(event_id) is not None,
             "a Step Functions state machine")

    bus = run.bus("sfn-put")
    putter = _state_machine(run, "put", {"StartAt": "Put", "States": {"Put": {
        "Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "End": True,
        "Parameters": {"Entries": [{"EventBusName": bus, "Source": f"workshop.doctor.{run.token}",
                                    "DetailType": "from a state machine", "Detail": {"probe": "sfn"}}]}}}})
    described = _execution(run, putter, {})
    output = described.get("output") or ""
    if described["status"] == "SUCCEEDED" and "EventId" in output:
        run.say("sfn_put_events", True, "a state machine's events:putEvents task put an event")
    else:
        ended = "never finished (still RUNNING)" if described["status"] == "RUNNING" else (
            f"ended {described['status']}: {described.get('error', '')} {str(described.get('cause', ''))[:160]}".strip())
        run.say("sfn_put_events", False, f"a state machine's events:putEvents task {ended}")


def lambda_(run: Probe) -> None:
    """Code that runs; then, as the workshop uses them, events delivered by a rule to the function
    (asynchronously) and the destination records of one that returns and one that raises."""
    lam = run.client("lambda")
    function = run.function("fn", HANDLER, run.shared["role"])
    answer = lam.invoke(FunctionName=function, Payload=json.dumps({"probe": "invoke"}).encode())
    payload = answer["Payload"].read()
    if b'"echo"' in payload and not answer.get("FunctionError"):
        run.say("lambda_runs", True, "a function's Python code ran and returned its answer")
    else:
        run.say("lambda_runs", False, f"invoking a function answered {payload[:160]!r}")

    url, queue_arn = run.queue("dest")
    lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0, DestinationConfig={
        "OnSuccess": {"Destination": queue_arn}, "OnFailure": {"Destination": queue_arn}})
    lam.add_permission(FunctionName=function, StatementId="doctor", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com")
    bus = run.bus("lambda")
    run.rule(bus, "lambda", {"Arn": function})
    seen: list[dict] = []

    def record(event_id: str, condition: str | None = None) -> bool:
        seen.extend(run.messages(url))
        return any((r.get("requestPayload") or {}).get("id") == event_id
                   and (condition is None or (r.get("requestContext") or {}).get("condition") == condition) for r in seen)

    try:
        ok, failing = run.put_event(bus, "lambda"), run.put_event(bus, "lambda", {"fail": True})
    except Exception as exc:
        reason = f"PutEvents failed while a rule on the bus targets a Lambda function ({short_error(exc)})"
        run.say("deliver_lambda", False, reason)
        for name in ("lambda_on_success", "lambda_on_failure"):
            run.say(name, None, "not probed: events cannot reach a Lambda function here")
        return

    def invoked() -> bool:  # its own log line, or any destination record of the event
        return record(ok) or record(failing) or any(ok in m for m in run.log_messages(f"/aws/lambda/{run.prefix}-fn"))

    if wait_for(invoked, DELIVERY_S, 0.5):
        run.say("deliver_lambda", True, "an event reached a Lambda function")
    else:
        run.say("deliver_lambda", False, f"an event matched a rule targeting a Lambda function, which never ran ({DELIVERY_S:.0f}s)")
    wait_for(lambda: record(ok, "Success") and record(failing, "RetriesExhausted"), DELIVERY_S, 0.5)
    for name, event_id, condition, what in (("lambda_on_success", ok, "Success", "returned"),
                                            ("lambda_on_failure", failing, "RetriesExhausted", "raised")):
        if record(event_id, condition):
            run.say(name, True, f"a rule's event invoked the function, which {what}; the record reached its SQS destination")
        else:
            run.say(name, False, f"a rule's event invoked the function, which {what}; no record reached its SQS destination "
                                 f"({DELIVERY_S:.0f}s)")


def schedules(run: Probe) -> None:
    url, arn = run.queue("schedule")
    rule_arn = run.rule("default", "schedule", {"Arn": arn}, ScheduleExpression="rate(1 minute)")
    clock = run.backend.sandbox_control()
    if clock:
        clock.advance(2)

    def fired() -> bool:
        return any(e.get("detail-type") == "Scheduled Event" and rule_arn in e.get("resources", [])
                   for e in run.messages(url))

    if wait_for(fired, DELIVERY_S if clock else SCHEDULE_S, 1.0):
        run.say("schedules", True, "a rate(1 minute) rule fired and its Scheduled Event arrived")
    else:
        run.say("schedules", False, f"a rate(1 minute) rule never fired within {SCHEDULE_S if not clock else DELIVERY_S:.0f}s")
