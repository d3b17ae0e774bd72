"""Delivery to each kind of target, by the service in its ARN, through moto's public API.

Each deliverer takes the shaped payload (a string, as EventBridge sends it) and raises
DeliveryError when the target refuses, so the retry policy and dead-letter queue can apply.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time

import botocore.exceptions


class DeliveryError(Exception):
    def __init__(self, code: str, message: str, retryable: bool = True):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


def arn_parts(arn: str) -> dict:
    parts = arn.split(":", 5)
    return {"service": parts[2], "region": parts[3], "account": parts[4], "resource": parts[5] if len(parts) > 5 else ""}


class LogsTarget:
    """CloudWatch Logs: EventBridge may only write where a logs resource policy lets it."""

    def __init__(self, clients):
        self.clients = clients
        self._policies: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._policies.clear()

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        arn = target["Arn"]
        parts = arn_parts(arn)
        group = parts["resource"].split(":", 1)[1] if ":" in parts["resource"] else parts["resource"]
        group = group[:-2] if group.endswith(":*") else group
        if not self._allowed(parts["region"], arn.removesuffix(":*")):
            raise DeliveryError("AccessDenied", f"No CloudWatch Logs resource policy lets events.amazonaws.com write to {group}.", retryable=False)
        logs = self.clients("logs", parts["region"])
        stream = event.get("id") or context.delivery_id
        try:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except botocore.exceptions.ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                raise DeliveryError(code, f"Log group {group} does not exist.", retryable=False)
            if code != "ResourceAlreadyExistsException":
                raise DeliveryError(code, str(exc))
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": payload}])

    def _allowed(self, region: str, group_arn: str) -> bool:
        with self._lock:
            policies = self._policies.get(region)
        if policies is None:
            raw = self.clients("logs", region).describe_resource_policies().get("resourcePolicies", [])
            policies = [json.loads(p["policyDocument"]) for p in raw]
            with self._lock:
                self._policies[region] = policies
        for document in policies:
            for statement in _as_list(document.get("Statement")):
                if statement.get("Effect") != "Allow":
                    continue
                principal = statement.get("Principal", {})
                services = _as_list(principal.get("Service")) if isinstance(principal, dict) else [principal]
                if "events.amazonaws.com" not in services and "*" not in services:
                    continue
                actions = _as_list(statement.get("Action"))
                if not any(fnmatch.fnmatchcase("logs:PutLogEvents", a) for a in actions):
                    continue
                if any(fnmatch.fnmatchcase(group_arn, r) or fnmatch.fnmatchcase(group_arn + ":*", r)
                       for r in _as_list(statement.get("Resource"))):
                    return True
        return False


class SqsTarget:
    def __init__(self, clients):
        self.clients = clients

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        parts = arn_parts(target["Arn"])
        sqs = self.clients("sqs", parts["region"])
        try:
            url = sqs.get_queue_url(QueueName=parts["resource"], QueueOwnerAWSAccountId=parts["account"])["QueueUrl"]
            params = {"QueueUrl": url, "MessageBody": payload}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group:
                params["MessageGroupId"] = group
                params["MessageDeduplicationId"] = event.get("id", context.delivery_id)
            sqs.send_message(**params)
        except botocore.exceptions.ClientError as exc:
            raise DeliveryError(exc.response["Error"]["Code"], str(exc))


class EventBusTarget:
    """Bus to bus: the event keeps its id, time and resources, as AWS does."""

    def __init__(self, plane):
        self.plane = plane

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        parts = arn_parts(target["Arn"])
        bus = self.plane.router.bus(parts["region"], parts["resource"].split("/", 1)[-1])
        if bus is None:
            raise DeliveryError("ResourceNotFoundException", f"Event bus {target['Arn']} does not exist.", retryable=False)
        try:
            forwarded = json.loads(payload)
        except ValueError:
            forwarded = event
        self.plane.publish(parts["region"], bus, forwarded if isinstance(forwarded, dict) else event)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
