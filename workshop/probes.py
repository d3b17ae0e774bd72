"""`workshop doctor`'s probes: small, self-cleaning experiments that show what a backend can do.

Every probe makes its own resources, named `workshop-doctor-<token>-...`, each target kind on its own
bus (some emulators fail every PutEvents on a bus once one of its rules targets a kind they cannot
deliver to), proves delivery by finding its own event where it must arrive, and removes what it
made in a `finally`, whatever happened. Probes run concurrently; each waits a few seconds at most,
except schedules, which fire at most once a minute (on the sandbox the clock is moved instead).

Real AWS is not probed by creating resources: it does everything the workshop needs by definition,
so `doctor` only checks that it can be reached with these credentials (read-only calls).
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from .capabilities import NAMES, Capabilities, Capability
from .http_receiver import Receiver
from .outputs import URL_FORMS, local_api_url
from .runner import describe_error
from .verify.logs import events_in
from .verify.sqs import unwrap

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


def _wait(look: Callable[[], object], seconds: float, interval: float = 0.3):
    """Ask until `look` answers something truthy or the time is up (then its last answer)."""
    end = time.monotonic() + seconds
    while True:
        answer = look()
        if answer or time.monotonic() >= end:
            return answer
        time.sleep(interval)


def _short(exc: BaseException) -> str:
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
                problems.append(_short(exc))
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
        sqs, found = self.client("sqs"), []
        for _ in range(5):
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                break
            for message in batch:
                event = unwrap(message.get("Body", ""))
                if event is not None:
                    found.append(event)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

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
            "Service": ["events.amazonaws.com", "states.amazonaws.com", "lambda.amazonaws.com", "apigateway.amazonaws.com"]}}]}
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
        state = _wait(lambda: lam.get_function_configuration(FunctionName=name).get("State") in ("Active", None), 15)
        if not state:
            raise RuntimeError(f"function {name} did not become Active")
        return arn

    def log_messages(self, group: str) -> list[str]:
        return [e.get("message", "") for e in events_in(self, group)]  # a Probe reads like a check's context

    def _drop_log_group(self, name: str) -> None:
        try:
            self.client("logs").delete_log_group(logGroupName=name)
        except Exception:
            pass  # never created: nothing to remove


def probe(backend) -> Capabilities:
    """Run every probe against the backend and say what it can do."""
    if backend.choice.kind == "aws":
        return _aws(backend)
    run = Probe(backend)
    started = time.time()
    try:
        _moto_switch(run)
        _prepare(run)
    except Exception as exc:
        for name in NAMES:
            run.results.setdefault(name, Capability(name, None, f"the probes could not start: {_short(exc)}"))
    else:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for future in [pool.submit(_guarded, run, probe_fn) for probe_fn in PROBES]:
                future.result()
    finally:
        problems = run.cleanup()
        if problems:
            run.notes.append(f"{len(problems)} probe resource(s) could not be removed: {problems[0]}")
    for name in NAMES:
        run.results.setdefault(name, Capability(name, None, "not probed"))
    return Capabilities(backend.describe(), run.results, started, run.notes, run.url_form)


def _guarded(run: Probe, probe_fn) -> None:
    names, fn = probe_fn
    try:
        fn(run)
    except Exception as exc:  # a probe that breaks says so for its rows; the others carry on
        for name in names:
            if name not in run.results:
                run.say(name, False, _short(exc))


# what the probes share -------------------------------------------------------------------------
def _moto_switch(run: Probe) -> None:
    run.notes.extend(moto_switch(run.backend))


def moto_switch(backend) -> list[str]:
    """A moto server runs state machines only with its documented switch on (POST /moto-api/config,
    before any state machine exists): recognize one by that API and set the switch, saying so. Its
    GET does not report the switch, so it is set every time (setting it is idempotent)."""
    notes: list[str] = []
    endpoint = backend.endpoint_url
    if not endpoint or backend.choice.kind != "endpoint":
        return notes
    try:
        with urllib.request.urlopen(endpoint + "/moto-api/config", timeout=3) as response:
            config = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError):
        return notes
    # moto's documented config answers with its per-service switches (batch, lambda, stepfunctions, ...)
    if not isinstance(config, dict) or not {"batch", "lambda", "stepfunctions", "core", "iam"} & set(config):
        return notes
    notes.append("a moto server (it answers /moto-api/config)")
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(endpoint + "/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=3):
            pass
    except (urllib.error.URLError, OSError) as exc:
        notes.append(f"could not turn on moto's Step Functions execution switch: {exc}")
        return notes
    notes.append("set moto's Step Functions execution switch (stepfunctions.execute_state_machine), "
                 "so its state machines run")
    return notes


def _prepare(run: Probe) -> None:
    run.shared = {"role": run.role()}
    bus = run.bus("plain")
    try:
        run.put_event(bus, "plain")
        run.say("custom_bus", True, "created a bus and PutEvents accepted an event on it")
    except Exception as exc:
        run.say("custom_bus", False, _short(exc))


def _deliver(run: Probe, name: str, suffix: str, target: Callable[[], dict], evidence: Callable[[str], bool],
             what: str) -> None:
    bus = run.bus(suffix)
    run.rule(bus, suffix, target())
    try:
        event_id = run.put_event(bus, suffix)
    except Exception as exc:
        run.say(name, False, f"PutEvents failed while a rule on the bus targets {what} ({_short(exc)})")
        return
    if _wait(lambda: evidence(event_id), DELIVERY_S, 0.5):
        run.say(name, True, f"an event reached {what}")
    else:
        run.say(name, False, f"an event matched a rule targeting {what} but never arrived there ({DELIVERY_S:.0f}s)")


# the probes ------------------------------------------------------------------------------------
def _logs(run: Probe) -> None:
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

    _deliver(run, "deliver_logs", "logs", lambda: {"Arn": arn}, arrived, "a CloudWatch Logs log group")


def _sqs(run: Probe) -> None:
    url, arn = run.queue("sqs")
    _deliver(run, "deliver_sqs", "sqs", lambda: {"Arn": arn},
             lambda event_id: any(e.get("id") == event_id for e in run.messages(url)), "an SQS queue")


def _sns(run: Probe) -> None:
    sns = run.client("sns")
    url, queue_arn = run.queue("sns")
    topic = sns.create_topic(Name=f"{run.prefix}-sns")["TopicArn"]
    run.later(lambda: sns.delete_topic(TopicArn=topic))
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                      "Action": "sns:Publish", "Resource": topic}]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
    run.later(lambda: sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"]))
    _deliver(run, "deliver_sns", "sns", lambda: {"Arn": topic},
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
    finished = _wait(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(sfn.describe_execution(executionArn=execution)),
                     DELIVERY_S, 0.3)
    return finished or sfn.describe_execution(executionArn=execution)


PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def _stepfunctions(run: Probe) -> None:
    sfn = run.client("stepfunctions")
    machine = _state_machine(run, "pass", PASS)
    described = _execution(run, machine, {"probe": "run"})
    if described["status"] == "SUCCEEDED":
        run.say("sfn_runs", True, "an execution of a Pass state machine SUCCEEDED")
    else:
        run.say("sfn_runs", False, f"an execution of a one-Pass-state machine stayed {described['status']}"
                                   + (" (moto runs state machines only with its execution switch on)"
                                      if described["status"] == "RUNNING" else ""))

    def started(event_id: str) -> bool:
        for item in sfn.list_executions(stateMachineArn=machine).get("executions", []):
            found = sfn.describe_execution(executionArn=item["executionArn"])
            if event_id in (found.get("input") or ""):
                return True
        return False

    _deliver(run, "deliver_stepfunctions", "sfn", lambda: {"Arn": machine, "RoleArn": run.shared["role"]}, started,
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


def _lambda(run: Probe) -> None:
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
        reason = f"PutEvents failed while a rule on the bus targets a Lambda function ({_short(exc)})"
        run.say("deliver_lambda", False, reason)
        for name in ("lambda_on_success", "lambda_on_failure"):
            run.say(name, None, "not probed: events cannot reach a Lambda function here")
        return

    def invoked() -> bool:  # its own log line, or any destination record of the event
        return record(ok) or record(failing) or any(ok in m for m in run.log_messages(f"/aws/lambda/{run.prefix}-fn"))

    if _wait(invoked, DELIVERY_S, 0.5):
        run.say("deliver_lambda", True, "an event reached a Lambda function")
    else:
        run.say("deliver_lambda", False, f"an event matched a rule targeting a Lambda function, which never ran ({DELIVERY_S:.0f}s)")
    _wait(lambda: record(ok, "Success") and record(failing, "RetriesExhausted"), DELIVERY_S, 0.5)
    for name, event_id, condition, what in (("lambda_on_success", ok, "Success", "returned"),
                                            ("lambda_on_failure", failing, "RetriesExhausted", "raised")):
        if record(event_id, condition):
            run.say(name, True, f"a rule's event invoked the function, which {what}; the record reached its SQS destination")
        else:
            run.say(name, False, f"a rule's event invoked the function, which {what}; no record reached its SQS destination "
                                 f"({DELIVERY_S:.0f}s)")


def _schedules(run: Probe) -> None:
    url, arn = run.queue("schedule")
    rule_arn = run.rule("default", "schedule", {"Arn": arn}, ScheduleExpression="rate(1 minute)")
    clock = run.backend.sandbox_clock()
    if clock:
        clock.advance(2)

    def fired() -> bool:
        return any(e.get("detail-type") == "Scheduled Event" and rule_arn in e.get("resources", [])
                   for e in run.messages(url))

    if _wait(fired, DELIVERY_S if clock else SCHEDULE_S, 1.0):
        run.say("schedules", True, "a rate(1 minute) rule fired and its Scheduled Event arrived")
    else:
        run.say("schedules", False, f"a rate(1 minute) rule never fired within {SCHEDULE_S if not clock else DELIVERY_S:.0f}s")


def _rest_api(run: Probe) -> None:
    """A REST API behind a REQUEST authorizer, its stage logged; which local URL form serves it."""
    apigw, lam = run.client("apigateway"), run.client("lambda")
    secret = uuid.uuid4().hex
    authorizer_fn = run.function("authorizer", AUTHORIZER.replace(b"%s", secret.encode()), run.shared["role"])
    api = apigw.create_rest_api(name=run.prefix, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    run.later(lambda: apigw.delete_rest_api(restApiId=api))
    lam.add_permission(FunctionName=authorizer_fn, StatementId="doctor", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{run.region}:{run.account}:{api}/*")
    uri = f"arn:aws:apigateway:{run.region}:lambda:path/2015-03-31/functions/{authorizer_fn}/invocations"
    authorizer = apigw.create_authorizer(restApiId=api, name="doctor", type="REQUEST", authorizerUri=uri,
                                         identitySource="method.request.header.Authorization",
                                         authorizerResultTtlInSeconds=0)["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    where = {"restApiId": api, "resourceId": root, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType="CUSTOM", authorizerId=authorizer)
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(**where, statusCode="200", responseTemplates={"application/json": '{"ok": true}'})
    apigw.create_deployment(restApiId=api, stageName="probe")
    apigw.update_stage(restApiId=api, stageName="probe", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}])
    run.later(lambda: run._drop_log_group(f"API-Gateway-Execution-Logs_{api}/probe"))
    _account_logging_role(run, apigw)

    answers = {}
    for form in URL_FORMS:
        url = local_api_url(run.backend.endpoint_url, api, "probe", form)
        good = _post(url, {"Authorization": f"Basic {secret}"})
        bad = _post(url, {"Authorization": "Basic not-it"})
        answers[form] = (url, good, bad)
        if good == 200 and bad in (401, 403):
            run.url_form = form
            break
    if run.url_form:
        url, good, bad = answers[run.url_form]
        run.say("rest_api_url", True, f"{url.replace(run.backend.endpoint_url, '{endpoint}')} answered 200 to the "
                                      f"authorizer's credentials and {bad} to others")
    else:
        said = "; ".join(f"{u.replace(run.backend.endpoint_url, '{endpoint}')} answered {g} (right) / {b} (wrong)"
                         for u, g, b in answers.values())
        run.say("rest_api_url", False, f"no local URL served the API through its authorizer: {said}")
    run.shared["api"] = answers.get(run.url_form, [None])[0] if run.url_form else None

    def logged() -> bool:
        return bool(run.log_messages(f"API-Gateway-Execution-Logs_{api}/probe"))

    if not run.url_form:
        run.say("apigw_execution_logs", None, "not probed: no request reached the API")
    elif _wait(logged, 5.0, 0.5):
        run.say("apigw_execution_logs", True, "a request's execution log arrived in API-Gateway-Execution-Logs_{api}/{stage}")
    else:
        run.say("apigw_execution_logs", False, "stage logging is on, yet no execution log group or line appeared")


def _account_logging_role(run: Probe, apigw) -> None:
    """Execution logs need the account's API Gateway CloudWatch role: set one for the probe if none."""
    try:
        current = apigw.get_account().get("cloudwatchRoleArn")
    except Exception:
        return
    if current:
        return
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": run.shared["role"]}])
    run.later(lambda: apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}]))


def _post(url: str, headers: dict, body: bytes = b'{"probe": true}') -> int | str:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        return f"no answer ({getattr(exc, 'reason', exc)})"


def _api_destination(run: Probe) -> None:
    """EventBridge calls a receiver on this machine: the event must arrive as the body, with Basic auth."""
    events = run.client("events")
    password = uuid.uuid4().hex
    with Receiver() as receiver:
        connection = events.create_connection(Name=f"{run.prefix}", AuthorizationType="BASIC", AuthParameters={
            "BasicAuthParameters": {"Username": "doctor", "Password": password}})["ConnectionArn"]
        run.later(lambda: events.delete_connection(Name=run.prefix))
        destination = events.create_api_destination(Name=run.prefix, ConnectionArn=connection,
                                                    InvocationEndpoint=receiver.url, HttpMethod="POST")["ApiDestinationArn"]
        run.later(lambda: events.delete_api_destination(Name=run.prefix))
        expected = "Basic " + base64.b64encode(f"doctor:{password}".encode()).decode()

        def arrived(event_id: str) -> bool:
            return any(event_id in r["body"] and r["authorization"] == expected for r in receiver.requests)

        _deliver(run, "deliver_api_destination", "apidest", lambda: {"Arn": destination, "RoleArn": run.shared["role"]},
                 arrived, "an API destination")
        if run.results["deliver_api_destination"].supported is False and receiver.requests:
            first = receiver.requests[0]
            run.say("deliver_api_destination", False, "the API destination was called, but "
                    + ("without the event as its body" if not any(r["body"].strip() for r in receiver.requests)
                       else "without the connection's Basic auth" if first["authorization"] != expected else "not with this event"))


PROBES = [
    (("deliver_logs",), _logs),
    (("deliver_sqs",), _sqs),
    (("deliver_sns",), _sns),
    (("sfn_runs", "deliver_stepfunctions", "sfn_put_events"), _stepfunctions),
    (("lambda_runs", "lambda_on_success", "lambda_on_failure", "deliver_lambda"), _lambda),
    (("schedules",), _schedules),
    (("rest_api_url", "apigw_execution_logs"), _rest_api),
    (("deliver_api_destination",), _api_destination),
]


def _aws(backend) -> Capabilities:
    """Real AWS: reachable with these credentials (read-only calls); nothing is created."""
    checked = []
    for service, call in (("sts", "get_caller_identity"), ("events", "list_event_buses"), ("logs", "describe_log_groups"),
                          ("stepfunctions", "list_state_machines"), ("lambda", "list_functions"),
                          ("apigateway", "get_rest_apis")):
        getattr(backend.client(service), call)()
        checked.append(f"{service}:{call}")
    rows = {n: Capability(n, True, "AWS does this (nothing was created to show it)") for n in NAMES}
    return Capabilities(backend.describe(), rows, time.time(),
                        [f"checked with read-only calls: {', '.join(checked)}"], "aws")
