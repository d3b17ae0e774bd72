"""EventBridge Scheduler in the sandbox: moto keeps the schedules, we fire them on the sandbox clock.

For each whole minute the clock passes (real time, or `workshop sandbox tick`), every ENABLED
schedule of every group is asked whether it fires then:

- `cron(...)` (AWS's six fields) in its ScheduleExpressionTimezone (default UTC), from the minute
  after it was created; `rate(...)` counted from its StartDate, or else from its creation;
  `at(yyyy-mm-ddThh:mm:ss)` once, in its time zone;
- never before StartDate nor at or after EndDate (that is how the workshop stops its schedule);
- FlexibleTimeWindow FLEXIBLE fires at a random minute within the window after the scheduled one.

A firing assumes the schedule's execution role, as Scheduler does: the role must trust
scheduler.amazonaws.com and its policies must allow the call on the target (events:PutEvents on
the bus, sqs:SendMessage, lambda:InvokeFunction, sns:Publish, states:StartExecution); otherwise the
firing fails and is recorded, as the sandbox records delivery failures. Targets get the schedule's
Input: a bus gets an event with EventBridgeParameters' Source and DetailType and the Input as its
detail; a queue, topic, function or state machine gets the Input as is. A one-time `at()` schedule
with ActionAfterCompletion DELETE is deleted after it fires.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from datetime import datetime, timedelta

from .. import policy_documents
from ..scheduler_schedules import AT, fires_at, minute_of
from .events_api import envelope
from .service import Service, sandbox_service

log = logging.getLogger("workshop.sandbox.scheduler")

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
_ACTIONS = {"events": "events:PutEvents", "sqs": "sqs:SendMessage", "lambda": "lambda:InvokeFunction",
            "sns": "sns:Publish", "states": "states:StartExecution"}


@sandbox_service("scheduler")
class Scheduler(Service):
    priority = 60

    def __init__(self, clock, regions: set[str], clients, delivery, router, publish, lambdas):
        self.clock = clock
        self.regions = regions  # the regions requests have named, kept by the plane
        self.clients = clients
        self.delivery = delivery
        self.router = router
        self.publish = publish  # (region, bus, event): a schedule's PutEvents target
        self.invoke_lambda = lambdas.invoke_async
        self._lock = threading.Lock()
        self._last: datetime | None = None
        self._created: dict[str, datetime] = {}  # schedule ARN-ish key -> when the sandbox clock saw it created

    def reset(self) -> None:
        with self._lock:
            self._last = None
            self._created.clear()

    def after_moto(self, request) -> None:
        """A schedule starts when it is created or updated, not at the minute already begun."""
        if request.service == "scheduler" and request.method in ("POST", "PUT") and "/schedules/" in request.path:
            name = request.path.rstrip("/").rsplit("/", 1)[-1]
            try:
                group = request.json().get("GroupName") or "default"
            except ValueError:
                group = "default"
            with self._lock:
                self._created[f"{request.region}/{group}/{name}"] = self.clock.now()

    # firing ------------------------------------------------------------------------------------
    def fire_until(self, until: datetime) -> int:
        """Fire every schedule for each whole minute up to `until` not handled yet; returns how many fired."""
        until = minute_of(until)
        with self._lock:
            if self._last:
                first = self._last + timedelta(minutes=1)
            else:  # the first look since a start or reset: from the minute after the earliest schedule seen created
                first = min([until] + [minute_of(c) + timedelta(minutes=1) for c in self._created.values()])
            self._last = max(until, self._last or until)
        if first > until:
            return 0
        fired = 0
        for region in sorted(self.regions):
            for schedule in self._schedules(region):
                key = f"{region}/{schedule.get('GroupName') or 'default'}/{schedule['Name']}"
                with self._lock:
                    created = self._created.setdefault(key, first - timedelta(minutes=1))
                minute = first
                while minute <= until:
                    if fires_at(schedule, minute, created):
                        self._fire(region, schedule, minute)
                        fired += 1
                        if AT.match(schedule.get("ScheduleExpression", "")):
                            break
                    minute += timedelta(minutes=1)
        return fired

    def _schedules(self, region: str) -> list[dict]:
        client = self.clients("scheduler", region)
        found = []
        try:
            for page in client.get_paginator("list_schedules").paginate(State="ENABLED"):
                for summary in page.get("Schedules", []):
                    found.append(client.get_schedule(Name=summary["Name"], GroupName=summary.get("GroupName") or "default"))
        except Exception:  # a region without the service, or a schedule deleted meanwhile
            log.debug("listing schedules in %s failed", region, exc_info=True)
        return found

    def _fire(self, region: str, schedule: dict, minute: datetime) -> None:
        window = schedule.get("FlexibleTimeWindow") or {}
        due = minute
        if window.get("Mode") == "FLEXIBLE":
            due += timedelta(minutes=random.randrange(max(1, int(window.get("MaximumWindowInMinutes") or 1))))
        if due <= minute:
            self.delivery.run(lambda at: self._invoke(region, schedule, minute))
        else:
            self.delivery.call_at(due, lambda at: self._invoke(region, schedule, at))

    def _invoke(self, region: str, schedule: dict, at: datetime) -> None:
        target = schedule.get("Target") or {}
        arn = target.get("Arn", "")
        parts = arn.split(":", 5)
        service = parts[2] if len(parts) > 2 else ""
        try:
            problem = self._role_problem(region, target.get("RoleArn", ""), service, arn)
            if problem:
                raise PermissionError(problem)
            self._deliver(region, schedule, service, arn, target, at)
            self.delivery.count("scheduler_invocations")
        except Exception as exc:
            log.warning("schedule %s could not invoke %s: %s", schedule.get("Name"), arn, exc)
            self.delivery.record_failure({"event_id": None, "rule": f"schedule/{schedule.get('GroupName')}/{schedule.get('Name')}",
                                          "target": arn, "error_code": type(exc).__name__, "error_message": str(exc),
                                          "attempts": 1})
            self.delivery.count("scheduler_failed")
            return
        if schedule.get("ActionAfterCompletion") == "DELETE" and AT.match(schedule.get("ScheduleExpression", "")):
            self.clients("scheduler", region).delete_schedule(Name=schedule["Name"], GroupName=schedule.get("GroupName") or "default")

    def _deliver(self, region: str, schedule: dict, service: str, arn: str, target: dict, at: datetime) -> None:
        payload = target.get("Input") or "{}"
        if service == "events":
            bus = self.router.bus(region, arn)
            if bus is None:
                raise LookupError(f"event bus {arn} does not exist")
            parameters = target.get("EventBridgeParameters") or {}
            try:
                detail = json.loads(payload)
            except ValueError:
                raise ValueError("the Input of an EventBridge PutEvents target must be a JSON object") from None
            event = envelope(source=parameters.get("Source", ""), detail_type=parameters.get("DetailType", ""),
                             detail=detail if isinstance(detail, dict) else {}, account=bus.account, region=region,
                             resources=[schedule.get("Arn", "")], time=at)
            self.publish(region, bus, event)
        elif service == "sqs":
            sqs = self.clients("sqs", region)
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            sqs.send_message(QueueUrl=url, MessageBody=payload, **({"MessageGroupId": group} if group else {}))
        elif service == "lambda":
            self.invoke_lambda(region, arn, json.loads(payload))
        elif service == "sns":
            self.clients("sns", region).publish(TopicArn=arn, Message=payload)
        elif service == "states":
            self.clients("stepfunctions", region).start_execution(stateMachineArn=arn, input=payload)
        else:
            raise NotImplementedError(f"the sandbox's Scheduler does not invoke {service or arn!r} targets")

    def _role_problem(self, region: str, role_arn: str, service: str, resource: str) -> str | None:
        """Why Scheduler could not act with this role, or None when it may."""
        import botocore.exceptions

        iam = self.clients("iam", region)
        name = role_arn.rsplit("/", 1)[-1]
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except botocore.exceptions.ClientError:
            return f"the execution role {role_arn} does not exist"
        trust = role.get("AssumeRolePolicyDocument") or {}
        if not policy_documents.allows(trust, service=SCHEDULER_PRINCIPAL, action="sts:AssumeRole", resource=role["Arn"]):
            return f"the execution role {name} does not trust {SCHEDULER_PRINCIPAL}"
        action = _ACTIONS.get(service)
        if action is None:
            return None
        documents = [iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                     for p in iam.list_role_policies(RoleName=name).get("PolicyNames", [])]
        for attached in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", []):
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            documents.append(iam.get_policy_version(PolicyArn=attached["PolicyArn"],
                                                    VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"])
        if identity_allows(documents, action, resource):
            return None
        return f"the execution role {name} is not allowed {action} on {resource}"


def identity_allows(documents: list, action: str, resource: str) -> bool:
    """Identity policies have no Principal: read their statements, all together, as if each named
    every principal, so a Deny in any of them wins as in IAM."""
    statements = []
    for document in documents:
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        if isinstance(document, dict):
            statements += [{**s, "Principal": "*"} for s in policy_documents.as_list(document.get("Statement")) if isinstance(s, dict)]
    return policy_documents.allows({"Statement": statements}, service=SCHEDULER_PRINCIPAL, action=action, resource=resource)
