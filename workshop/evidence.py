"""What each kind of target shows of one event, read through the ordinary APIs (boto3 only).

Each reader returns an `Evidence`: what was found (or None), the onward events the target put on a
bus, and a note when the API cannot show that hop. Queues are read without consuming: received
with a visibility timeout of 0, never deleted, so the workshop's own checks still see them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .aws import lookups
from .aws.executions import ExecutionFinder
from .aws.queues import open_envelope, receive

LOG_SCAN_LIMIT = 5000
PEEK_ROUNDS = 5
EXECUTION_WAIT_ROUNDS = 25  # 5 s for an execution still RUNNING to finish
# The API Gateway log lines that tell the story: the body received, the authorizer's verdict, the status.
_API_LINES = ("Method request body", "authorizer execution", "authorizer policy", "Unauthorized", "AccessDenied",
              "Method completed with status")


@dataclass
class Evidence:
    found: dict | None = None
    onward: list[dict] = field(default_factory=list)  # [{"event_id", "bus", "event"?, "via"}]
    note: str = ""
    failed: str = ""  # the target itself reported a failure (an execution FAILED, a function raised)


def target_kind(arn: str) -> tuple[str, str]:
    """('logs'|'sqs'|'sns'|'states'|'lambda'|'bus'|'api-destination'|service, the resource's name)."""
    parts = arn.split(":", 6)
    service = parts[2] if len(parts) > 2 else ""
    resource = ":".join(parts[5:]) if len(parts) > 5 else ""
    if service == "logs":
        return "logs", resource.removeprefix("log-group:").removesuffix(":*")
    if service == "states":
        return "states", resource.rsplit(":", 1)[-1]
    if service == "lambda":
        return "lambda", resource.removeprefix("function:").split(":", 1)[0]
    if service == "events" and resource.startswith("event-bus/"):
        return "bus", resource.split("/", 1)[1]
    if service == "events" and resource.startswith("api-destination/"):
        return "api-destination", resource.split("/")[1]
    return service, resource


def _iso(ms) -> str:
    return datetime.fromtimestamp(int(ms) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def log_events(backend, group: str, since_ms: int) -> list[dict]:
    return lookups.log_events(backend, group, since_ms, LOG_SCAN_LIMIT)


def from_logs(backend, group: str, event: dict, since_ms: int) -> Evidence:
    for item in log_events(backend, group, since_ms):
        message = _json(item.get("message", ""))
        if isinstance(message, dict) and message.get("id") == event["id"]:
            return Evidence({"log_group": group, "log_stream": item.get("logStreamName"),
                             "at": _iso(item.get("timestamp", 0)), "message": message})
    return Evidence(note=f"not (yet) in log group {group}")


def peek_queue(backend, queue: str, event_id: str) -> Evidence:
    """Find the event's message without consuming it: VisibilityTimeout=0 and no delete."""
    import botocore.exceptions

    sqs = backend.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    except botocore.exceptions.ClientError:
        return Evidence(note=f"there is no queue {queue}")
    for message in receive(sqs, url, rounds=PEEK_ROUNDS, consume=False, AttributeNames=["SentTimestamp"]):
        body, envelope = open_envelope(message.get("Body", ""))
        if body and body.get("id") == event_id:
            sent = (message.get("Attributes") or {}).get("SentTimestamp")
            return Evidence({"queue": queue, "message_id": message["MessageId"], "at": _iso(sent) if sent else None,
                             "sns_envelope": envelope, "event": body})
    return Evidence(note=f"not in queue {queue} now (read without consuming; a consumer may have taken it)")


def from_topic(backend, topic_arn: str, event: dict) -> Evidence:
    subscriptions = backend.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    shown, notes = [], []
    for sub in subscriptions:
        if sub.get("Protocol") == "sqs":
            queue = sub["Endpoint"].rsplit(":", 1)[-1]
            seen = peek_queue(backend, queue, event["id"])
            shown.append({"protocol": "sqs", "queue": queue, "message": seen.found, "note": seen.note})
        else:
            notes.append(f"{sub.get('Protocol')} subscriber {sub.get('Endpoint')} cannot be read back")
    if not subscriptions:
        notes.append("the topic has no subscribers, so nothing shows what it delivered")
    found = {"topic": topic_arn.rsplit(":", 1)[-1], "subscriptions": shown} if any(s["message"] for s in shown) else None
    return Evidence(found, note="; ".join(notes + [s["note"] for s in shown if not s["message"]]))


def from_state_machine(backend, arn: str, event: dict) -> Evidence:
    sfn = backend.client("stepfunctions")
    import botocore.exceptions

    try:
        described = ExecutionFinder(sfn, arn).find(event["id"])
    except botocore.exceptions.ClientError:
        return Evidence(note=f"there is no state machine {arn.rsplit(':', 1)[-1]}")
    if described:
        execution_arn = described["executionArn"]
        for _ in range(EXECUTION_WAIT_ROUNDS):  # bounded: a running execution is shown as it is then
            if described["status"] != "RUNNING":
                break
            time.sleep(0.2)
            described = sfn.describe_execution(executionArn=execution_arn)
        states, onward = _states(sfn, execution_arn)
        found = {"execution": described["name"], "status": described["status"],
                 "at": str(described.get("startDate")), "stopped": str(described.get("stopDate") or ""),
                 "states": states, "output": _json(described.get("output"))}
        failed = (described.get("error") or described["status"]) if described["status"] in ("FAILED", "TIMED_OUT", "ABORTED") else ""
        output = found["output"]
        entries = output.get("Entries") if isinstance(output, dict) else None
        hops = []
        for index, entry in enumerate(entries or []):  # the putEvents task's answer: the new events' ids
            if isinstance(entry, dict) and entry.get("EventId"):
                sent = onward[index] if index < len(onward) else {"bus": "default"}
                hops.append(dict(sent, event_id=entry["EventId"], via=f"execution {described['name']}"))
        return Evidence(found, onward=hops, failed=failed)
    return Evidence(note=f"no execution of {arn.rsplit(':', 1)[-1]} has this event as its input")


def _states(sfn, execution_arn: str) -> tuple[list[dict], list[dict]]:
    """Each state's input and output, and the entries a putEvents task sent (for onward hops)."""
    states: dict[str, dict] = {}
    onward: list[dict] = []
    try:
        history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000).get("events", [])
    except Exception:  # an emulator without history: the execution's own input/output still show
        return [], []
    for item in history:
        entered = item.get("stateEnteredEventDetails")
        exited = item.get("stateExitedEventDetails")
        scheduled = item.get("taskScheduledEventDetails")
        if entered:
            states.setdefault(entered["name"], {"name": entered["name"], "at": str(item.get("timestamp"))})["input"] = _json(entered.get("input"))
        if exited:
            states.setdefault(exited["name"], {"name": exited["name"]})["output"] = _json(exited.get("output"))
        if scheduled and str(scheduled.get("resource", "")).startswith("putEvents"):
            params = _json(scheduled.get("parameters"))
            for entry in (params.get("Entries") if isinstance(params, dict) else None) or []:
                onward.append({"bus": str(entry.get("EventBusName") or "default").rsplit("/", 1)[-1],
                               "event": {"source": entry.get("Source"), "detail-type": entry.get("DetailType"),
                                         "detail": _json(entry.get("Detail"))}})
    return list(states.values()), onward


def from_function(backend, name: str, event: dict, since_ms: int) -> Evidence:
    """The invocation's log lines (START … REPORT) that mention the event, and its destinations."""
    lines = log_events(backend, f"/aws/lambda/{name}", since_ms)
    request_id, block = None, []
    for item in lines:
        message = item.get("message", "")
        started = re.match(r"START RequestId: (\S+)", message)
        if started:
            request_id, block = started.group(1), []
        block.append(message.rstrip())
        if event["id"] in message and request_id:
            rest = [i.get("message", "").rstrip() for i in lines[lines.index(item) + 1:]]
            for line in rest:
                block.append(line)
                if line.startswith("REPORT"):
                    break
            failed = next((line for line in block if "errorMessage" in line or "Error:" in line), "")
            return Evidence({"function": name, "request_id": request_id, "log": block[:20]}, failed=failed)
    return Evidence(note=f"no invocation of {name} mentions this event in /aws/lambda/{name}")


def destinations(backend, name: str) -> dict:
    """{'OnSuccess': arn, 'OnFailure': arn} of a function's asynchronous invocations."""
    import botocore.exceptions

    try:
        config = backend.client("lambda").get_function_event_invoke_config(FunctionName=name)
    except botocore.exceptions.ClientError:
        return {}
    found = config.get("DestinationConfig") or {}
    return {k: v["Destination"] for k, v in found.items() if isinstance(v, dict) and v.get("Destination")}


def from_api_destination(backend, name: str, event: dict, since_ms: int) -> Evidence:
    """API Gateway's execution log lines of the request that carried the event, when the
    endpoint is an API Gateway stage (its log group is API-Gateway-Execution-Logs_{id}/{stage})."""
    endpoint = backend.client("events").describe_api_destination(Name=name).get("InvocationEndpoint", "")
    found = (re.search(r"//([a-z0-9]+)\.execute-api\.[^/]+/([^/?]+)", endpoint)
             or re.search(r"/_aws/execute-api/([^/]+)/([^/?]+)", endpoint)
             or re.search(r"/restapis/([^/]+)/([^/?]+)/_user_request_", endpoint))
    if not found:
        return Evidence(note=f"{endpoint} is not an API Gateway stage: its requests cannot be read back")
    group = f"API-Gateway-Execution-Logs_{found.group(1)}/{found.group(2)}"
    requests: dict[str, list[str]] = {}
    for item in log_events(backend, group, since_ms):
        matched = re.match(r"^\(([^)]+)\)\s*(.*)$", item.get("message", ""), re.S)
        if matched:
            requests.setdefault(matched.group(1), []).append(matched.group(2).rstrip())
    for request_id, lines in requests.items():
        if any(event["id"] in line for line in lines):
            status = next((m.group(1) for line in lines for m in [re.search(r"Method completed with status: (\d+)", line)] if m), "")
            return Evidence({"api_destination": name, "log_group": group, "request_id": request_id, "status": status,
                             "log": [line for line in lines if any(k in line for k in _API_LINES)]},
                            failed="" if status in ("", "200") else f"the API answered {status}")
    return Evidence(note=f"no request carrying this event in {group}")
