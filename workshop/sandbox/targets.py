"""Delivery to each kind of target, by the service in its ARN, through moto's public API.

Each deliverer takes the shaped payload (a string, as EventBridge sends it) and raises
DeliveryError when the target refuses, so the retry policy and dead-letter queue can apply.
Error codes are the ones AWS writes into a dead-letter message's ERROR_CODE attribute.
Where AWS needs a resource policy to let EventBridge in (log groups, SQS queues, SNS topics,
Lambda functions), the sandbox checks the same policy and fails delivery without it.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import types
from collections.abc import Mapping

import botocore
import botocore.exceptions

from .. import policy_documents
from .faults import operation_name
from .service import Service, sandbox_service

EVENTS_PRINCIPAL = "events.amazonaws.com"
_THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
               "RequestThrottled", "RequestLimitExceeded"}
_SNS_POLICY_CHANGES = {"CreateTopic", "DeleteTopic", "SetTopicAttributes", "AddPermission", "RemovePermission"}
_SQS_NOT_FOUND = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
_DENIED = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException"}


class DeliveryError(Exception):
    def __init__(self, code: str, message: str, retryable: bool = True):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@functools.lru_cache(maxsize=4096)
def arn_parts(arn: str) -> Mapping[str, str]:
    """An ARN's service, region, account and resource (read-only: the answer is remembered, as
    every delivery asks it of its target's ARN, twice)."""
    parts = arn.split(":", 5)
    if len(parts) < 5:
        raise DeliveryError("INVALID_PARAMETER", f"{arn!r} is not an ARN.", retryable=False)
    return types.MappingProxyType({"service": parts[2], "region": parts[3], "account": parts[4],
                                   "resource": parts[5] if len(parts) > 5 else ""})


def from_client_error(exc: botocore.exceptions.ClientError, not_found: set[str], what: str) -> DeliveryError:
    """Classify a refusal: missing things and permissions are not retried (as on AWS), the rest is."""
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
    message = exc.response.get("Error", {}).get("Message") or str(exc)
    if code in not_found:
        return DeliveryError("NO_RESOURCE", f"{what} does not exist ({code}).", retryable=False)
    if code in _DENIED:
        return DeliveryError("NO_PERMISSIONS", f"{what}: {message}", retryable=False)
    if code in _THROTTLING:
        return DeliveryError("THROTTLING", f"{what}: {message}")
    if 400 <= status < 500:
        return DeliveryError("INVALID_PARAMETER", f"{what} refused the event: {code}: {message}", retryable=False)
    return DeliveryError("ERROR_FROM_TARGET", f"{what} failed: {code}: {message}")


def local_api(clients):
    """The in-process JSON caller for per-event calls when the sandbox serves itself, else None."""
    app = getattr(clients, "app", None)
    if app is None:
        return None
    from .inprocess import LocalJsonApi

    return LocalJsonApi(app, clients.endpoint_url)


@functools.lru_cache(maxsize=1024)
def _events_may_send(policy: str, queue_arn: str, rule_arn: str) -> bool:
    """The queue policy's answer for EventBridge: a pure function of these strings, so remembered
    (re-reading the policy for every event was a tenth of a delivery)."""
    return policy_documents.allows(policy, service=EVENTS_PRINCIPAL, action="sqs:SendMessage", resource=queue_arn,
                                   context=_condition_keys(rule_arn))


def policy_context(context) -> dict[str, str]:
    """Condition keys EventBridge's calls carry: the rule (aws:SourceArn) and its account."""
    return _condition_keys(getattr(context, "rule_arn", "") or "")


def _condition_keys(rule_arn: str) -> dict[str, str]:
    account = rule_arn.split(":")[4] if rule_arn.count(":") >= 5 else ""
    return {"aws:SourceArn": rule_arn, "aws:SourceAccount": account}


class LogsTarget(Service):
    """CloudWatch Logs: EventBridge may only write where a logs resource policy lets it.
    Each event gets its own log stream, named by the event id, as EventBridge does."""
    priority = 90

    def __init__(self, clients):
        self.clients = clients
        self.api = local_api(clients)
        self._policies: dict[str, list] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._policies.clear()

    reset = invalidate  # a sandbox reset forgets the cached policies

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        arn = target["Arn"].removesuffix(":*")
        parts = arn_parts(arn)
        group = parts["resource"].split(":", 1)[1] if ":" in parts["resource"] else parts["resource"]
        if not self._allowed(parts["region"], arn, context):
            raise DeliveryError("NO_PERMISSIONS", f"No CloudWatch Logs resource policy lets {EVENTS_PRINCIPAL} "
                                "call logs:CreateLogStream and logs:PutLogEvents on log group " + group, retryable=False)
        stream = event.get("id") or context.delivery_id
        call = self._caller(parts["region"])
        try:
            call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise from_client_error(exc, {"ResourceNotFoundException"}, f"Log group {group}") from None
        try:
            # Real time, not the sandbox clock: CloudWatch refuses log events from the future.
            call("PutLogEvents", {"logGroupName": group, "logStreamName": stream,
                                  "logEvents": [{"timestamp": int(time.time() * 1000), "message": payload}]})
        except botocore.exceptions.ClientError as exc:
            raise from_client_error(exc, {"ResourceNotFoundException"}, f"Log group {group}") from None

    def _caller(self, region: str):
        if self.api is not None:
            return lambda operation, params: self.api.call("logs", region, operation, params)
        client = self.clients("logs", region)
        return lambda operation, params: getattr(client, botocore.xform_name(operation))(**params)

    def _allowed(self, region: str, group_arn: str, context) -> bool:
        with self._lock:
            policies = self._policies.get(region)
        if policies is None:
            raw = self.clients("logs", region).describe_resource_policies().get("resourcePolicies", [])
            policies = [p["policyDocument"] for p in raw]
            with self._lock:
                self._policies[region] = policies
        conditions = policy_context(context)
        return any(policy_documents.allows(document, service=principal, action=action, resource=group_arn, context=conditions)
                   for document in policies
                   for principal in (EVENTS_PRINCIPAL, "delivery.logs.amazonaws.com")
                   for action in ("logs:PutLogEvents",))


class SqsTarget:
    """SQS: AWS requires the queue policy to let events.amazonaws.com call sqs:SendMessage (for
    the rule's ARN when the policy has an aws:SourceArn condition); without it delivery fails.
    Messages go straight onto moto's queue (moto_backends/sqs.py), past the HTTP surface, except that
    injected faults still apply to them as to any SendMessage."""

    def __init__(self, queues, faults=None):
        self.queues = queues  # moto_backends.SqsBackend
        self.faults = faults

    def inline(self) -> bool:
        """In memory and quick: delivered by the worker that routed the event, unless a fault
        (which may hold the call) is on."""
        return self.faults is None or not self.faults.active()

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        from .moto_backends import SqsError

        arn = target["Arn"]
        parts = arn_parts(arn)
        account, region, name = parts["account"], parts["region"], parts["resource"]
        if self.faults is not None and self.faults.active():
            self._injected_fault(region)
        policy = self.queues.policy(account, region, name)
        if policy is None:
            raise DeliveryError("NO_RESOURCE", f"SQS queue {arn} does not exist (AWS.SimpleQueueService.NonExistentQueue).",
                                retryable=False)
        if not _events_may_send(policy, arn, getattr(context, "rule_arn", "") or ""):
            raise DeliveryError("NO_PERMISSIONS", f"The policy of SQS queue {arn} does not let {EVENTS_PRINCIPAL} "
                                "call sqs:SendMessage for this rule: add a statement allowing it (the console "
                                "adds one silently).", retryable=False)
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        try:
            self.queues.send(account, region, name, payload, group_id=group or None,
                             deduplication_id=event.get("id", context.delivery_id) if group else None)
        except SqsError as exc:
            raise from_client_error(_as_client_error(exc.code, str(exc), 400), _SQS_NOT_FOUND, f"SQS queue {arn}") from None

    def batch(self) -> "SqsBatch":
        """A run of deliveries on the routing thread (inline_run.InlineRun)."""
        return SqsBatch(self.queues)

    def _injected_fault(self, region: str) -> None:
        from .front import Request

        request = Request("POST", "/", "", {}, b"", region=region, service="sqs", target="AmazonSQS.SendMessage")
        fault = self.faults.check(request)
        if fault is not None:
            document = json.loads(fault.body or b"{}")
            code = str(document.get("__type") or fault.headers.get("x-amzn-ErrorType") or "InternalFailure")
            raise from_client_error(_as_client_error(code.split("#")[-1], document.get("message", ""), fault.status),
                                    _SQS_NOT_FOUND, "SQS queue")


class SqsBatch:
    """Deliveries to SQS made together: each target's queue and policy are looked at once, the
    messages put on their queues at flush (moto_backends.Outbox). Only for a run without faults
    (SqsTarget.inline): what deliver() would refuse, or words otherwise, is left to deliver()."""

    def __init__(self, queues):
        self.queues = queues  # moto_backends.SqsBackend
        self.outbox = queues.outbox()
        self.flush = self.outbox.flush

    def sender(self, target: dict, context):
        """put(payload) -> True once on its way, False for deliver(); None: deliver() for them all."""
        if (target.get("SqsParameters") or {}).get("MessageGroupId"):
            return None
        arn = target["Arn"]
        parts = arn_parts(arn)
        policy = self.queues.policy(parts["account"], parts["region"], parts["resource"])
        if policy is None or not _events_may_send(policy, arn, getattr(context, "rule_arn", "") or ""):
            return None
        return self.outbox.sender(parts["account"], parts["region"], parts["resource"])


def _as_client_error(code: str, message: str, status: int) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message},
                                            "ResponseMetadata": {"HTTPStatusCode": status}}, "SendMessage")


class SnsTarget(Service):
    """SNS: publish through moto, which fans out to subscribers (raw delivery or the envelope).
    AWS requires the topic policy to let events.amazonaws.com call sns:Publish."""
    priority = 80

    def __init__(self, clients):
        self.clients = clients
        self._policies: dict[str, str] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._policies.clear()

    reset = invalidate

    def after_moto(self, request) -> None:
        """After each call moto answered: forget cached policies when a topic's may have changed."""
        if request.service == "sns" and operation_name(request) in _SNS_POLICY_CHANGES:
            self.invalidate()

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        arn = target["Arn"]
        parts = arn_parts(arn)
        sns = self.clients("sns", parts["region"])
        not_found = {"NotFound", "NotFoundException", "ResourceNotFoundException"}
        try:
            with self._lock:
                policy = self._policies.get(arn)
            if policy is None:
                policy = sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("Policy") or "{}"
                with self._lock:
                    self._policies[arn] = policy
            if not policy_documents.allows(policy, service=EVENTS_PRINCIPAL, action="sns:Publish", resource=arn,
                                          context=policy_context(context)):
                raise DeliveryError("NO_PERMISSIONS", f"The policy of SNS topic {arn} does not let {EVENTS_PRINCIPAL} "
                                    "call sns:Publish: add a statement allowing it (the console adds one silently).",
                                    retryable=False)
            params = {"TopicArn": arn, "Message": payload}
            if arn.endswith(".fifo"):
                params["MessageGroupId"] = (target.get("SqsParameters") or {}).get("MessageGroupId") or context.rule_name
                params["MessageDeduplicationId"] = event.get("id", context.delivery_id)
            sns.publish(**params)
        except botocore.exceptions.ClientError as exc:
            raise from_client_error(exc, not_found, f"SNS topic {arn}") from None


class StepFunctionsTarget:
    """Step Functions: a named execution whose input is the (shaped) event; moto runs it."""

    def __init__(self, clients):
        self.clients = clients

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        arn = target["Arn"]
        sfn = self.clients("stepfunctions", arn_parts(arn)["region"])
        try:
            # The delivery id names the execution, so a retry of the same delivery is idempotent.
            sfn.start_execution(stateMachineArn=arn, name=context.delivery_id, input=payload or "{}")
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return
            raise from_client_error(exc, {"StateMachineDoesNotExist"}, f"State machine {arn}") from None


@sandbox_service("lambda_target")
class LambdaTarget(Service):
    """Lambda: invoked asynchronously (so the function's retries and destinations apply); AWS
    requires a function policy letting events.amazonaws.com invoke it from this rule."""
    delivers = ("lambda",)

    def __init__(self, lambdas):
        self.invoke_async = lambdas.invoke_async

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        from .lambda_service import LambdaServiceError

        parts = arn_parts(target["Arn"])
        try:
            body = json.loads(payload) if payload else {}
        except ValueError:
            body = payload  # a plain-text transformer output reaches the function as a JSON string
        try:
            self.invoke_async(parts["region"], target["Arn"], body,
                              principal=EVENTS_PRINCIPAL, source=policy_context(context))
        except LambdaServiceError as exc:
            if exc.code == "ResourceNotFoundException":
                raise DeliveryError("NO_RESOURCE", str(exc), retryable=False) from None
            if exc.code == "AccessDeniedException":
                raise DeliveryError("NO_PERMISSIONS", str(exc), retryable=False) from None
            raise DeliveryError("ERROR_FROM_TARGET", str(exc)) from None


class EventBusTarget:
    """Bus to bus: the event keeps its id, time and resources, as AWS does."""

    def __init__(self, router, publish):
        self.router = router
        self.publish = publish  # (region, bus, event): the plane routes it as a new arrival

    def deliver(self, target: dict, payload: str, event: dict, context) -> None:
        parts = arn_parts(target["Arn"])
        bus = self.router.bus(parts["region"], parts["resource"].split("/", 1)[-1])
        if bus is None:
            raise DeliveryError("NO_RESOURCE", f"Event bus {target['Arn']} does not exist.", retryable=False)
        try:
            forwarded = json.loads(payload)
        except ValueError:
            forwarded = event
        self.publish(parts["region"], bus, forwarded if isinstance(forwarded, dict) else event)
