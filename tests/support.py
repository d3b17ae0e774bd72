"""What the tests share: the real CLI in a subprocess, the sandbox it talks to over loopback, and
small helpers that create resources on it and wait with deadlines (never by a single look).

A plain module, imported as `tests.support`; the fixtures that hand these out live in conftest.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

REGION = "us-east-1"
ACCOUNT = "123456789012"
PASSWORD = "myPassword"
BASIC_TOKEN = "bXlVc2VybmFtZTpteVBhc3N3b3Jk"  # base64("myUsername:myPassword")

CLI_TIMEOUT_S = 300


def clean_env(state_dir: Path, **extra: str) -> dict:
    """No AWS configuration leaks in from the machine; never a metadata-service lookup."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "WORKSHOP_")) and k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({
        "WORKSHOP_STATE_DIR": str(state_dir),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(state_dir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(state_dir / "no-aws-credentials"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        # Generous: a loaded 2-core machine (parallel workers) can take several seconds to start an
        # execution; only checks that are meant to fail wait this long.
        "WORKSHOP_VERIFY_TIMEOUT": "20",
    })
    env.update(extra)
    return env


def default_sigint() -> None:
    """For a child that a test will Ctrl-C: a shell that started us in the background (as a CI
    runner may) leaves SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Cli:
    """The `workshop` CLI in a subprocess with one state directory; remembers everything it printed."""

    def __init__(self, state_dir: Path, env: dict | None = None, transcript: list[str] | None = None):
        self.state_dir = state_dir
        self.env = env or clean_env(state_dir)
        self.transcript = [] if transcript is None else transcript

    def with_env(self, **extra: str) -> Cli:
        """The same state directory (and transcript) with some variables changed."""
        return Cli(self.state_dir, {**self.env, **extra}, self.transcript)

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None,
                 timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True,
                                input=input, env=env or self.env, timeout=timeout)
        self.transcript += [result.stdout, result.stderr]
        return result

    def ok(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        result = self(*args, **kwargs)
        assert result.returncode == 0, f"workshop {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str, expect: int | None = 0, **kwargs):
        result = self(*args, "--json", **kwargs)
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\nstdout:{result.stdout}\nstderr:{result.stderr}"
        return json.loads(result.stdout)

    def ledger(self) -> list[dict]:
        resources = []
        for file in (self.state_dir / "ledger").glob("sandbox-*.json"):
            resources += json.loads(file.read_text()).get("resources", [])
        return resources

    def ledger_keys(self) -> set[tuple[str, str]]:
        return {(r["kind"], r["name"]) for r in self.ledger()}


class Sandbox:
    """A running sandbox: boto3 clients for it and its own /_workshop endpoints, over HTTP."""

    def __init__(self, endpoint_url: str, pid: int, state_dir: Path):
        self.endpoint_url = endpoint_url
        self.pid = pid
        self.state_dir = state_dir
        self._clients: dict[str, object] = {}

    def client(self, service: str, retries: int = 3):
        key = f"{service}/{retries}"
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            self._clients[key] = boto3.session.Session().client(
                service, region_name=REGION, endpoint_url=self.endpoint_url,
                aws_access_key_id="testing", aws_secret_access_key="testing",
                config=Config(retries={"mode": "standard", "max_attempts": retries}, max_pool_connections=16))
        return self._clients[key]

    def call(self, path: str, body: dict | None = None, timeout: float = 60.0) -> dict:
        """One of the sandbox's own /_workshop endpoints; a refusal raises BackendError."""
        from workshop.sandbox import control

        return control.request(self.endpoint_url, path, body, timeout=timeout)

    @property
    def control(self):
        """The CLI's typed client for the sandbox's own endpoints, as the product uses it."""
        from workshop.sandbox.control import SandboxControl

        return SandboxControl(self.endpoint_url)

    def faults(self, **body) -> dict:
        return self.control.faults(**body)

    def wait_idle(self, timeout: float = 30.0) -> None:
        assert self.control.wait_idle(timeout), f"delivery still busy after {timeout}s: {self.stats()}"

    def stats(self) -> dict:
        return self.control.stats()

    def tick(self, minutes: int) -> dict:
        return self.control.advance(minutes)

    def failures_for(self, target_arn: str) -> list[dict]:
        return [f for f in self.stats()["failures"] if f["target"] == target_arn]

    @property
    def log_path(self) -> Path:
        return self.state_dir / "sandbox.log"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def poll(fetch, done, timeout: float = 10.0, interval: float = 0.1):
    """Call fetch() until done(result) or the deadline; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if done(result) or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def make_queue(sb: Sandbox, name: str | None = None, allow_events: bool = True) -> tuple[str, str]:
    """A queue; unless told otherwise its policy lets EventBridge send to it (AWS requires that)."""
    sqs = sb.client("sqs")
    url = sqs.create_queue(QueueName=name or unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if allow_events:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(events_may_send(arn))})
    return url, arn


def events_may_send(queue_arn: str, rule_arn: str | None = None) -> dict:
    """The queue policy the console writes for a rule's SQS target."""
    statement = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": queue_arn}
    if rule_arn:
        statement["Condition"] = {"ArnEquals": {"aws:SourceArn": rule_arn}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def drain(sb: Sandbox, url: str, expected: int, timeout: float = 10.0, settle: float = 0.3) -> list[dict]:
    """Receive (and delete) messages until `expected` arrived or the deadline, then a short look for extras."""
    sqs = sb.client("sqs")
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    extra_deadline = None
    while time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(batch)
        if len(got) >= expected:
            extra_deadline = extra_deadline or time.monotonic() + settle
            if time.monotonic() >= extra_deadline:
                break
        if not batch:
            time.sleep(0.05)
    return got


def make_log_group(sb: Sandbox, name: str | None = None, allow_events: bool = True) -> tuple[str, str]:
    logs = sb.client("logs")
    name = name or f"/aws/events/{unique('g')}"
    logs.create_log_group(logGroupName=name)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
    if allow_events:
        ensure_logs_policy(sb)
    return name, arn


def ensure_logs_policy(sb: Sandbox) -> None:
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/events/*:*"}]}
    sb.client("logs").put_resource_policy(policyName="TrustEventsToStoreLogEvent", policyDocument=json.dumps(document))


def log_messages(sb: Sandbox, group: str) -> list[str]:
    logs = sb.client("logs")
    messages: list[str] = []
    kwargs = {"logGroupName": group}
    while True:
        page = logs.filter_log_events(**kwargs)
        messages.extend(e["message"] for e in page.get("events", []))
        if not page.get("nextToken"):
            return messages
        kwargs["nextToken"] = page["nextToken"]


def wait_log_messages(sb: Sandbox, group: str, expected: int, timeout: float = 10.0) -> list[str]:
    return poll(lambda: log_messages(sb, group), lambda m: len(m) >= expected, timeout)


def make_bus(sb: Sandbox, name: str | None = None) -> tuple[str, str]:
    name = name or unique("bus")
    arn = sb.client("events").create_event_bus(Name=name)["EventBusArn"]
    return name, arn


def rule_to(sb: Sandbox, bus: str, target: dict, pattern: dict | None = None, name: str | None = None,
            **rule_kwargs) -> str:
    """A rule on `bus` (default pattern: source demo) with one target; returns the rule ARN."""
    events = sb.client("events")
    name = name or unique("rule")
    if "ScheduleExpression" not in rule_kwargs:
        rule_kwargs["EventPattern"] = json.dumps(pattern or {"source": ["demo"]})
    arn = events.put_rule(Name=name, EventBusName=bus, **rule_kwargs)["RuleArn"]
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "t1", **target}])
    return arn


def put(sb: Sandbox, bus: str, detail: dict, source: str = "demo", detail_type: str = "Demo", **extra) -> str:
    answer = sb.client("events").put_events(Entries=[{
        "EventBusName": bus, "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), **extra}])
    assert answer["FailedEntryCount"] == 0, answer
    return answer["Entries"][0]["EventId"]


def zip_source(source: str, filename: str = "app.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def post_raw(url: str, body: bytes = b"", headers: dict | None = None, method: str = "POST"):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    return urllib.request.urlopen(request, timeout=30)


def deployed_resources(aws) -> dict[str, list[str]]:
    """What exists on the sandbox, by kind, for "nothing is left" assertions."""
    return {
        "functions": [f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]],
        "queues": [u.rsplit("/", 1)[-1] for u in aws("sqs").list_queues().get("QueueUrls", [])],
        "topics": [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]],
        "subscriptions": [s["SubscriptionArn"] for s in aws("sns").list_subscriptions()["Subscriptions"]],
        "roles": [r["RoleName"] for r in aws("iam").list_roles()["Roles"]],
        "apis": [a["name"] for a in aws("apigateway").get_rest_apis()["items"]],
        "state_machines": [s["name"] for s in aws("stepfunctions").list_state_machines()["stateMachines"]],
        "buses": [b["Name"] for b in aws("events").list_event_buses()["EventBuses"] if b["Name"] != "default"],
        "log_groups": [g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"]],
        "logs_resource_policies": [p["policyName"] for p in aws("logs").describe_resource_policies()["resourcePolicies"]],
    }


# what the module tests share ----------------------------------------------------------------------
def run_fresh(cli: Cli, *modules: str, timeout: float = 900) -> dict:
    """Empty the sandbox, then `run MODULES --yes --json` (or `--all` when none is named): the run's
    report, which must have passed."""
    assert cli("sandbox", "reset").returncode == 0
    result = cli("run", *(modules or ("--all",)), "--yes", "--json", timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def checks_of(report: dict, module: str) -> dict[str, dict]:
    """A module's checks by name, from a run report (every module) or a verify report (one)."""
    modules = report["modules"] if "modules" in report else [report]
    return {c["name"]: c for m in modules if m["module"] == module for c in m["checks"]}


def failed_checks(result: subprocess.CompletedProcess) -> dict[str, str]:
    """The failed checks of a `verify MODULE --json` that had to fail (exit 1), by name: their detail."""
    assert result.returncode == 1, f"verify should fail:\n{result.stdout}\n{result.stderr[-2000:]}"
    return {c["name"]: c["detail"] for c in json.loads(result.stdout)["checks"] if not c["passed"]}


def filter_policies(sns) -> dict[str, tuple[dict, str]]:
    """The filtered subscriptions of the Orders topic: queue name -> (filter policy, scope)."""
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":Orders"))
    found = {}
    for sub in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
        attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
        if attributes.get("FilterPolicy"):
            found[sub["Endpoint"].rsplit(":", 1)[-1]] = (json.loads(attributes["FilterPolicy"]), attributes["FilterPolicyScope"])
    return found
