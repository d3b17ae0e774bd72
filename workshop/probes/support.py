"""What every doctor probe shares: its token and clients, the resources it makes (each removed at the
end, whatever happened), and bounded waiting."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from typing import Callable

from ..capabilities import Capability
from ..runner import describe_error
from ..aws.lookups import log_events
from ..aws.queues import receive
from ..verify.sqs import unwrap

DELIVERY_S = 20.0  # an emulator delivers in well under a second; this only bounds a slow machine
SCHEDULE_S = 75.0  # rate(1 minute) fires within a minute of the rule's creation

HANDLER = b'''import json
def handler(event, context):
    print("workshop-doctor " + json.dumps(event))
    if isinstance(event, dict) and (event.get("fail") or (event.get("detail") or {}).get("fail")):
        raise RuntimeError("workshop doctor: failing on purpose")
    return {"echo": event}
'''
AUTHORIZER = b'''def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    allowed = headers.get("authorization") == "Basic %s"
    return {"principalId": "doctor", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny", "Resource": event["methodArn"]}]}}
'''


def _zip(source: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def wait_for(look: Callable[[], object], seconds: float, interval: float = 0.3):
    """Ask until `look` answers something truthy or the time is up (then its last answer)."""
    end = time.monotonic() + seconds
    while True:
        answer = look()
        if answer or time.monotonic() >= end:
            return answer
        time.sleep(interval)


def short_error(exc: BaseException) -> str:
    return describe_error(exc)


class Probe:
    """One doctor run: its token, clients, shared sink resources, and the cleanups to run at the end."""

    def __init__(self, backend):
        self.backend = backend
        self.token = uuid.uuid4().hex[:8]
        self.prefix = f"workshop-doctor-{self.token}"
        self.region, self.account = backend.region, backend.account
        self._cleanups: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.results: dict[str, Capability] = {}
        self.notes: list[str] = []
        self.url_form = ""
        self.shared: dict = {}  # what every probe uses: the role

    def client(self, service: str):
        return self.backend.client(service)

    def later(self, undo: Callable[[], None]) -> None:
        with self._lock:
            self._cleanups.append(undo)

    def cleanup(self) -> list[str]:
        problems = []
        for undo in reversed(self._cleanups):
            try:
                undo()
            except Exception as exc:  # keep going: every other probe resource must still go
                problems.append(short_error(exc))
        self._cleanups.clear()
        return problems

    def say(self, name: str, supported: bool | None, reason: str) -> None:
        with self._lock:
            self.results[name] = Capability(name, supported, reason)

    # resources -------------------------------------------------------------------------------
    def queue(self, suffix: str) -> tuple[str, str]:
        sqs = self.client("sqs")
        name = f"{self.prefix}-{suffix}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        self.later(lambda: sqs.delete_queue(QueueUrl=url))
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "sns.amazonaws.com"]},
            "Action": "sqs:SendMessage", "Resource": arn}]}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        return url, arn

    def messages(self, url: str) -> list[dict]:
        """Every event (or destination record) now in the queue, SNS envelopes unwrapped."""
        events = (unwrap(m.get("Body", "")) for m in receive(self.client("sqs"), url, rounds=5))
        return [event for event in events if event is not None]

    def bus(self, suffix: str) -> str:
        events = self.client("events")
        name = f"{self.prefix}-{suffix}"
        events.create_event_bus(Name=name)
        self.later(lambda: events.delete_event_bus(Name=name))
        return name

    def rule(self, bus: str, suffix: str, target: dict, **kwargs) -> str:
        events = self.client("events")
        name = f"{self.prefix}-{suffix}"
        if "ScheduleExpression" not in kwargs:
            kwargs["EventPattern"] = json.dumps({"source": [f"workshop.doctor.{self.token}"]})
        arn = events.put_rule(Name=name, EventBusName=bus, **kwargs)["RuleArn"]
        self.later(lambda: events.delete_rule(Name=name, EventBusName=bus))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[dict(target, Id="doctor")])
        self.later(lambda: events.remove_targets(Rule=name, EventBusName=bus, Ids=["doctor"]))
        return arn

    def put_event(self, bus: str, kind: str, detail: dict | None = None) -> str:
        answer = self.client("events").put_events(Entries=[{
            "EventBusName": bus, "Source": f"workshop.doctor.{self.token}", "DetailType": kind,
            "Detail": json.dumps(detail or {"probe": kind})}])
        entry = answer["Entries"][0]
        if answer.get("FailedEntryCount") or "EventId" not in entry:
            raise RuntimeError(f"PutEvents refused the event: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
        return entry["EventId"]

    def role(self) -> str:
        iam = self.client("iam")
        name = self.prefix
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
            "Service": ["events.amazonaws.com", "states.amazonaws.com", "lambda.amazonaws.com", "apigateway.amazonaws.com",
                        "scheduler.amazonaws.com"]}}]}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        self.later(lambda: iam.delete_role(RoleName=name))
        # Only the probes' own resources, which live for seconds.
        mine = [f"arn:aws:*:{self.region}:{self.account}:*{self.prefix}*"]
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["events:PutEvents", "states:StartExecution", "lambda:InvokeFunction",
                                           "sqs:SendMessage", "sns:Publish"], "Resource": mine},
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                           "logs:DescribeLogGroups", "logs:DescribeLogStreams"], "Resource": "*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=json.dumps(policy))
        self.later(lambda: iam.delete_role_policy(RoleName=name, PolicyName="probe"))
        return arn

    def function(self, suffix: str, source: bytes, role: str) -> str:
        lam = self.client("lambda")
        name = f"{self.prefix}-{suffix}"
        arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": _zip(source)}, Timeout=10)["FunctionArn"]
        self.later(lambda: lam.delete_function(FunctionName=name))
        self.later(lambda: self._drop_log_group(f"/aws/lambda/{name}"))
        state = wait_for(lambda: lam.get_function_configuration(FunctionName=name).get("State") in ("Active", None), 15)
        if not state:
            raise RuntimeError(f"function {name} did not become Active")
        return arn

    def log_messages(self, group: str) -> list[str]:
        return [e.get("message", "") for e in log_events(self, group)]  # a Probe reads like a check's context

    def _drop_log_group(self, name: str) -> None:
        try:
            self.client("logs").delete_log_group(logGroupName=name)
        except Exception:
            pass  # never created: nothing to remove
