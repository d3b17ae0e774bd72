"""Safe on a real account, tried as a tester would on the sandbox: Ctrl-C at many moments and during
each kind of held create call, two cold runs at once, two ledger writers, same-name resources that
are not ours, and no secret at rest afterwards. One private state dir, temp dir and sandbox for the
module (so the secret scan and the sandbox count see only what these tests made)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import clean_env, default_sigint

pytestmark = pytest.mark.sandbox

REGION, ACCOUNT = "us-east-1", "123456789012"
PASSWORD = "myPassword"
SECRETS = [PASSWORD.encode(), base64.b64encode(f"myUsername:{PASSWORD}".encode())]
HELD_S = 1.5  # how long the sandbox holds the create call that Ctrl-C interrupts


class World:
    """The CLI in subprocesses against this module's own sandbox, and boto3 clients to look."""

    def __init__(self, state_dir: Path, temp_dir: Path):
        self.state_dir, self.temp_dir = state_dir, temp_dir
        self.env = clean_env(state_dir, TMPDIR=str(temp_dir))
        self.endpoint_url = ""
        self._clients: dict = {}

    def __call__(self, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "workshop.cli", *args], capture_output=True, text=True,
                              env=env or self.env, timeout=timeout)

    def ok(self, *args: str) -> subprocess.CompletedProcess:
        result = self(*args)
        assert result.returncode == 0, f"workshop {' '.join(args)} exited {result.returncode}\n{result.stderr[-3000:]}"
        return result

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "workshop.cli", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)

    def client(self, service: str):
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION,
                                                  aws_access_key_id="testing", aws_secret_access_key="testing")
        return self._clients[service]

    def faults(self, **body) -> None:
        from workshop.sandbox.control import SandboxControl

        SandboxControl(self.endpoint_url).faults(**body)

    def ledger(self) -> list[dict]:
        resources = []
        for path in (self.state_dir / "ledger").glob("sandbox-*.json"):
            try:
                resources += json.loads(path.read_text()).get("resources", [])
            except (OSError, ValueError):
                pass  # replaced while we read it: the next poll sees it
        return resources


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("safety")
    (root / "state").mkdir()
    (root / "tmp").mkdir()
    w = World(root / "state", root / "tmp")
    w.endpoint_url = json.loads(w.ok("sandbox", "start", "--json").stdout)["endpoint_url"]
    try:
        yield w
    finally:
        w("sandbox", "stop", timeout=60)


def everything(w: World) -> dict[str, list[str]]:
    """Every resource of every type the workshop creates, as it exists on the sandbox now."""
    c = w.client
    events = c("events")
    buses = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    rules = [(bus, r["Name"]) for bus in buses for r in events.list_rules(EventBusName=bus)["Rules"]]
    functions = [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]]
    found = {
        "buses": [b for b in buses if b != "default"],
        "rules": [f"{bus}/{name}" for bus, name in rules],
        "targets": [f"{bus}/{name}/{t['Id']}" for bus, name in rules
                    for t in events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]],
        "connections": [x["Name"] for x in events.list_connections()["Connections"]],
        "api_destinations": [x["Name"] for x in events.list_api_destinations()["ApiDestinations"]],
        "log_groups": [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]],
        "logs_resource_policies": [p["policyName"] for p in c("logs").describe_resource_policies()["resourcePolicies"]],
        "queues": c("sqs").list_queues().get("QueueUrls", []),
        "topics": [t["TopicArn"] for t in c("sns").list_topics()["Topics"]],
        "subscriptions": [s["SubscriptionArn"] for s in c("sns").list_subscriptions()["Subscriptions"]],
        "roles": [r["RoleName"] for r in c("iam").list_roles()["Roles"]],
        "functions": functions,
        "state_machines": [s["name"] for s in c("stepfunctions").list_state_machines()["stateMachines"]],
        "rest_apis": [a["name"] for a in c("apigateway").get_rest_apis()["items"]],
        "apigateway_account_role": [x for x in [c("apigateway").get_account().get("cloudwatchRoleArn")] if x],
    }
    return found


def left(w: World) -> dict[str, list[str]]:
    return {kind: names for kind, names in everything(w).items() if names}


def clean(w: World) -> None:
    result = w("cleanup", "--yes")
    assert result.returncode == 0, result.stderr[-3000:]


def interrupt(w: World, process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode in (130, 0, 1), stderr[-3000:]  # 0/1: the run had finished by then
    assert "Traceback" not in stderr, stderr[-3000:]
    return stderr


def wait_for(predicate, what: str, process: subprocess.Popen, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before {what}: {process.stderr.read()[-3000:]}")
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"never saw {what} within {limit_s:.0f}s")


# Each create operation of the workshop, and the ledger kind whose intent it writes ahead.
CREATES = [
    # (AttachRolePolicy is not among them: the sandbox has no AWS managed policies, so the workshop attaches none there)
    ("CreateRole", "iam_role"), ("PutRolePolicy", "iam_role_policy"),
    ("UpdateAccount", "apigateway_account"), ("CreateStateMachine", "state_machine"), ("CreateTopic", "sns_topic"),
    ("CreateQueue", "sqs_queue"), ("Subscribe", "sns_subscription"), ("CreateFunction", "lambda_function"),
    ("PutFunctionEventInvokeConfig", "lambda_event_invoke_config"), ("CreateRestApi", "rest_api"),
    ("AddPermission", "lambda_permission"), ("CreateEventBus", "event_bus"), ("CreateLogGroup", "log_group"),
    ("PutResourcePolicy", "logs_resource_policy"), ("PutRule", "rule"), ("PutTargets", "target"),
    ("CreateConnection", "connection"), ("CreateApiDestination", "api_destination"),
    ("SetTopicAttributes", "topic_policy_statement"), ("PutFunctionEventInvokeConfig", "lambda_destination"),
    ("PutFunctionEventInvokeConfig", "lambda_failure_destination"),
]


@pytest.fixture
def empty(world):
    """An empty world before the test, and again after it whatever happened (so one failure stays one)."""
    if left(world):
        world.ok("sandbox", "reset")
    yield world
    if left(world):
        world.ok("sandbox", "reset")


@pytest.mark.parametrize("operation, kind", CREATES, ids=[f"{op}-{kind}" for op, kind in CREATES])
def test_ctrl_c_during_a_held_create_leaves_nothing_after_cleanup(empty, operation, kind):
    """The create call is in flight (held by the sandbox) when Ctrl-C arrives: its intent is on disk,
    the call lands anyway, and the next cleanup finds it and removes it with everything else."""
    world = empty
    world.faults(delay=HELD_S, operations=[operation])
    try:
        run = world.start("run", "--all", "--yes")
        wait_for(lambda: any(r["kind"] == kind and r.get("state") == "intent" for r in world.ledger()),
                 f"an intent for a {kind}", run)
        time.sleep(0.2)  # the call is on the wire now, and held
        interrupt(world, run)
        time.sleep(HELD_S + 0.3)  # the held call lands after the client has gone, as a real one might
    finally:
        world.faults(delay=0, operations=[])
    clean(world)
    assert left(world) == {}
    assert world.ledger() == []


@pytest.mark.parametrize("entries", [8, 30, 50])
def test_ctrl_c_at_other_moments_leaves_nothing_after_cleanup(empty, entries):
    """Moments with no held call: once the ledger holds this many entries, wherever the run then is."""
    world = empty
    run = world.start("run", "--all", "--yes")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(world.ledger()) < entries and run.poll() is None:
        time.sleep(0.01)
    interrupt(world, run)
    clean(world)
    assert left(world) == {}


def test_two_cold_runs_at_once_share_one_sandbox(world, tmp_path):
    state = tmp_path / "state"
    w = World(state, world.temp_dir)
    runs = [w.start("run", "--all", "--yes") for _ in range(2)]
    try:
        outputs = [run.communicate(timeout=600) for run in runs]
        for run, (_, stderr) in zip(runs, outputs):
            assert run.returncode == 0, stderr[-3000:]
        assert sum("Waiting for `workshop run" in stderr for _, stderr in outputs) == 1, [e[:500] for _, e in outputs]
        pids = _sandbox_pids(state)
        assert len(pids) == 1, pids
        w.endpoint_url = json.loads(w.ok("sandbox", "status", "--json").stdout)["endpoint_url"]
        clean(w)
        assert left(w) == {}
    finally:  # whatever failed, no sandbox of this test outlives it
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait(timeout=30)
        w("sandbox", "stop", timeout=60)
        outliving = _sandbox_pids(state)  # `sandbox stop` must have stopped every one
        for pid in outliving:
            os.kill(pid, signal.SIGKILL)
    assert outliving == []


def _sandbox_pids(state: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"workshop.sandbox.server" in command and str(state).encode() in command:
                pids.append(int(entry.name))
    return pids


WRITER = """
import sys
from pathlib import Path
from workshop.ledger import Ledger, Resource, Scope
ledger = Ledger(Scope("sandbox", "123456789012", "us-east-1"), Path(sys.argv[1]))
tag, count = sys.argv[2], int(sys.argv[3])
for n in range(count):
    name = f"{tag}-{n}"
    ledger.intend(Resource("sqs_queue", name, {"name": name}, "m"))
    ledger.record(Resource("sqs_queue", name, {"url": f"http://q/{name}"}, "m"))
"""


def test_two_processes_writing_the_ledger_lose_nothing(tmp_path):
    from workshop.ledger import Ledger, Scope

    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag, "100"]) for tag in ("a", "b")]
    for writer in writers:
        assert writer.wait(timeout=300) == 0
    resources = Ledger(Scope("sandbox", ACCOUNT, REGION), tmp_path).resources()
    assert len(resources) == 200
    assert all(r.state == "created" and r.attrs == {"name": r.name, "url": f"http://q/{r.name}"} for r in resources)


def test_no_secret_rests_in_the_state_dir_temp_dir_or_logs(world):
    """After everything above (runs interrupted mid-call, a killed sandbox's leftovers included)."""
    found = []
    for root in (world.state_dir, world.temp_dir):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {secret.decode()}" for secret in SECRETS if secret in data]
    assert found == []


# ---------------------------------------------------------------- same-name resources that are not ours
TRUST = {"lambda": "lambda.amazonaws.com", "states": "states.amazonaws.com", "events": "events.amazonaws.com",
         "apigateway": "apigateway.amazonaws.com"}
FOREIGN_ROLES = {"workshop-OrderProcessing": "states", "workshop-InventoryFunction": "lambda", "workshop-ApiAuthorizer": "lambda",
                 "workshop-events-api-destination": "events", "workshop-events-order-processing": "events",
                 "workshop-apigateway-cloudwatch": "apigateway"}
FOREIGN_LOG_GROUPS = ["/aws/events/orders", "/aws/events/inventory", "/aws/events/orders_reconciliation", "/user/own-log"]


def _zip(source: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def make_foreign_world(w: World, *, unadoptable: bool = True) -> None:
    """Someone's account that already holds every name the workshop uses, none of it made by workshop."""
    c = w.client
    events, logs, iam = c("events"), c("logs"), c("iam")
    for bus in ("Orders", "Inventory"):
        events.create_event_bus(Name=bus)
    for group in FOREIGN_LOG_GROUPS:
        logs.create_log_group(logGroupName=group)
    own_log = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/user/own-log"
    events.put_rule(Name="OrdersDevRule", EventBusName="Orders", EventPattern=json.dumps({"source": ["user.app"]}),
                    Description="the user's own rule")
    events.put_targets(Rule="OrdersDevRule", EventBusName="Orders", Targets=[{"Id": "orders-log-group", "Arn": own_log}])
    events.put_rule(Name="UserRule", EventBusName="Inventory", EventPattern=json.dumps({"source": ["user.app"]}))
    events.put_targets(Rule="UserRule", EventBusName="Inventory", Targets=[{"Id": "mine", "Arn": own_log}])
    events.put_rule(Name="OrdersReconciliation", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="OrdersReconciliation", Targets=[{"Id": "reconciliation-log-group", "Arn": own_log}])
    for queue in ("Orders", "InventoryFunctionDLQ", "OrdersReplayQueue", "user-queue"):
        c("sqs").create_queue(QueueName=queue)
    topic = c("sns").create_topic(Name="Orders")["TopicArn"]
    c("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:user-queue")
    for role, service in FOREIGN_ROLES.items():
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": TRUST[service]}, "Action": "sts:AssumeRole"}]}))
        iam.put_role_policy(RoleName=role, PolicyName="users-own", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}))
    logs.put_resource_policy(policyName="EventBridgeWorkshopLogs", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Users", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "logs:PutLogEvents",
         "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/user/*"}]}))
    c("stepfunctions").create_state_machine(
        name="OrderProcessing", roleArn=f"arn:aws:iam::{ACCOUNT}:role/workshop-OrderProcessing",
        definition=json.dumps({"StartAt": "Mine", "States": {"Mine": {"Type": "Pass", "End": True}}}))
    connection = events.create_connection(Name="user-connection", AuthorizationType="API_KEY", AuthParameters={
        "ApiKeyAuthParameters": {"ApiKeyName": "x-user", "ApiKeyValue": "users-own-key"}})["ConnectionArn"]
    events.create_api_destination(Name="api-destination", ConnectionArn=connection, HttpMethod="GET",
                                  InvocationEndpoint="https://user.example/hook")
    if unadoptable:
        events.create_connection(Name="basic-auth-connection", AuthorizationType="API_KEY", AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-user", "ApiKeyValue": "users-other-key"}})
        c("lambda").create_function(FunctionName="InventoryFunction", Runtime="python3.12", Handler="app.handler",
                                    Role=f"arn:aws:iam::{ACCOUNT}:role/workshop-InventoryFunction",
                                    Code={"ZipFile": _zip("def handler(event, context):\n    return 'mine'\n")})


def fingerprint(w: World) -> dict:
    """Everything about the foreign resources that workshop must neither change nor delete."""
    c = w.client
    events, logs, iam, sqs, sns = c("events"), c("logs"), c("iam"), c("sqs"), c("sns")

    def gone(call):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - "deleted" is a fingerprint too
            return f"gone: {type(exc).__name__}"

    def rule(name, bus="default"):
        described = gone(lambda: events.describe_rule(Name=name, EventBusName=bus))
        if isinstance(described, dict):
            described = {k: described.get(k) for k in ("EventPattern", "ScheduleExpression", "State", "Description")}
        return described, gone(lambda: events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"])

    functions = {f["FunctionName"]: (f["CodeSha256"], f["Role"]) for f in c("lambda").list_functions()["Functions"]}
    return {
        "buses": {b: gone(lambda b=b: events.describe_event_bus(Name=b)["Arn"]) for b in ("Orders", "Inventory")},
        "rules": {"OrdersDevRule": rule("OrdersDevRule", "Orders"), "UserRule": rule("UserRule", "Inventory"),
                  "OrdersReconciliation": rule("OrdersReconciliation")},
        "log_groups": {g: gone(lambda g=g: [x["logGroupName"] for x in logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"]])
                       for g in FOREIGN_LOG_GROUPS},
        "queues": {q: gone(lambda q=q: sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=q)["QueueUrl"],
                                                                AttributeNames=["Policy", "QueueArn"])["Attributes"])
                   for q in ("Orders", "InventoryFunctionDLQ", "OrdersReplayQueue", "user-queue")},
        "topic_subscriptions": gone(lambda: sorted(
            s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:Orders")["Subscriptions"])),
        "roles": {r: gone(lambda r=r: (iam.get_role(RoleName=r)["Role"]["AssumeRolePolicyDocument"],
                                       {p: iam.get_role_policy(RoleName=r, PolicyName=p)["PolicyDocument"]
                                        for p in iam.list_role_policies(RoleName=r)["PolicyNames"]},
                                       iam.list_attached_role_policies(RoleName=r)["AttachedPolicies"]))
                  for r in FOREIGN_ROLES},
        "logs_policy": [p["policyDocument"] for p in logs.describe_resource_policies()["resourcePolicies"]
                        if p["policyName"] == "EventBridgeWorkshopLogs"],
        "state_machine": gone(lambda: {k: v for k, v in c("stepfunctions").describe_state_machine(
            stateMachineArn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:OrderProcessing").items()
            if k in ("definition", "roleArn")}),
        "connections": sorted((x["Name"], x["AuthorizationType"]) for x in events.list_connections()["Connections"]),
        "api_destination": gone(lambda: {k: v for k, v in events.describe_api_destination(Name="api-destination").items()
                                         if k in ("ConnectionArn", "InvocationEndpoint", "HttpMethod")}),
        "functions": {name: value for name, value in functions.items() if name == "InventoryFunction"},
    }


def test_run_refuses_every_foreign_resource_it_would_change_before_changing_anything(empty):
    world = empty
    # a new sandbox world: moto keeps a deleted state machine's tags for the next one of that name
    # (AWS deletes them with it), which would lend the user's state machine workshop's mark
    world.ok("sandbox", "reset")
    make_foreign_world(world)
    before = fingerprint(world)
    result = world("run", "--all", "--yes")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    refused = result.stderr[result.stderr.lower().index("workshop changed nothing"):]
    for named in ("Rule OrdersDevRule on bus Orders", "Rule OrdersReconciliation on bus default", "Connection basic-auth-connection",
                  "API destination api-destination", "Lambda function InventoryFunction", "State machine OrderProcessing",
                  "Logs resource policy EventBridgeWorkshopLogs"):
        assert named in refused, (named, refused)
    assert "--adopt" in refused and "remove or rename it" in refused
    assert world.ledger() == [], "nothing may be created before the refusal"
    assert fingerprint(world) == before
    clean(world)
    assert fingerprint(world) == before


def test_adopt_takes_over_and_cleanup_puts_everything_back(empty):
    """--adopt changes what it must (recorded first), uses the rest; cleanup restores, leaves and removes."""
    world = empty
    world.ok("sandbox", "reset")  # see above: no tags left over from earlier tests
    make_foreign_world(world, unadoptable=False)
    before = fingerprint(world)
    result = world("run", "--all", "--yes", "--adopt")
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: checks may fail with the user's own roles
    assert "Traceback" not in result.stderr
    assert "Take over rule OrdersDevRule on bus Orders (--adopt)" in result.stderr
    assert fingerprint(world) != before  # it did take over
    cleaned = world("cleanup", "--yes", "--json")
    assert cleaned.returncode == 0, cleaned.stderr[-3000:]
    report = json.loads(cleaned.stdout)
    assert report["failed"] == [] and report["left"] == []  # nothing of ours was left inside the user's things
    assert fingerprint(world) == before
    assert "Orders" in [b["Name"] for b in world.client("events").list_event_buses()["EventBuses"]]


def test_cleanup_leaves_a_container_with_foreign_contents_and_empties_ours(empty):
    """The user adds a rule to workshop's bus, a subscription to its topic, a policy to its role."""
    world = empty
    world.ok("run", "event-bus", "--yes")
    world.ok("run", "prerequisites", "--yes")
    events, c = world.client("events"), world.client
    events.put_rule(Name="UsersOwnRule", EventBusName="Orders", EventPattern=json.dumps({"source": ["user.app"]}))
    c("sqs").create_queue(QueueName="user-queue")
    c("sns").subscribe(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:Orders", Protocol="sqs",
                       Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:user-queue")
    c("iam").put_role_policy(RoleName="workshop-OrderProcessing", PolicyName="users-own", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}))
    result = world("cleanup", "--yes", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    left_in_place = {(d["kind"], d["name"]) for d in json.loads(result.stdout)["left"]}
    assert left_in_place == {("event_bus", "Orders"), ("sns_topic", "Orders"), ("iam_role", "workshop-OrderProcessing")}
    for line in ("Event bus Orders is left in place", "SNS topic Orders is left in place", "IAM role workshop-OrderProcessing is left in place"):
        assert line in result.stderr, line
    assert [r["Name"] for r in events.list_rules(EventBusName="Orders")["Rules"]] == ["UsersOwnRule"]
    assert [s["Endpoint"].rsplit(":", 1)[-1] for s in c("sns").list_subscriptions()["Subscriptions"]] == ["user-queue"]
    assert c("iam").list_role_policies(RoleName="workshop-OrderProcessing")["PolicyNames"] == ["users-own"]
    assert c("lambda").list_functions()["Functions"] == []


# ---------------------------------------------------------------- the next status and run settle intents too
def _interrupt_held(world: World, operation: str, kind: str) -> None:
    world.faults(delay=HELD_S, operations=[operation])
    try:
        run = world.start("run", "--all", "--yes")
        wait_for(lambda: any(r["kind"] == kind and r.get("state") == "intent" for r in world.ledger()),
                 f"an intent for a {kind}", run)
        time.sleep(0.2)
        interrupt(world, run)
        time.sleep(HELD_S + 0.3)
    finally:
        world.faults(delay=0, operations=[])


def test_status_settles_an_interrupted_create(empty):
    world = empty
    _interrupt_held(world, "CreateQueue", "sqs_queue")
    document = json.loads(world.ok("status", "--json").stdout)
    assert "intents" not in document
    assert {"kind": "sqs_queue", "name": "Orders", "module": "prerequisites"} in document["resources"]
    assert all(r.get("state") == "created" for r in world.ledger())
    clean(world)
    assert left(world) == {}


def test_the_next_run_settles_an_interrupted_create_and_carries_on(empty):
    world = empty
    _interrupt_held(world, "CreateConnection", "connection")
    again = world("run", "--all", "--yes")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "connection basic-auth-connection was made by an interrupted run: recorded" in again.stderr
    assert "Create the connection basic-auth-connection (already in place)" in again.stderr
    clean(world)
    assert left(world) == {}


# ---------------------------------------------------------------- damaged state files
def test_a_damaged_ledger_stops_changes_with_one_sentence_and_status_still_shows(empty):
    world = empty
    world.ok("run", "event-bus", "--yes")
    [ledger] = (world.state_dir / "ledger").glob("sandbox-*.json")
    original = ledger.read_bytes()
    ledger.write_bytes(original[: len(original) // 2])  # truncated, as by a full disk or a bad copy
    try:
        for command in (["run", "event-bus", "--yes"], ["cleanup", "--yes"]):
            result = world(*command)
            assert result.returncode == 3, result.stderr
            last = result.stderr.strip().splitlines()[-1]
            assert str(ledger) in last and "not valid JSON" in last and "move it aside" in last, last
            assert "Traceback" not in result.stderr
        status = world("status", "--json")
        assert status.returncode == 0, status.stderr
        document = json.loads(status.stdout)
        assert document["backend"] == "sandbox" and any(str(ledger) in p for p in document["problems"])
        assert world("modules", "--json").returncode == 0
        assert ledger.read_bytes() == original[: len(original) // 2]  # never discarded
    finally:
        ledger.write_bytes(original)
    clean(world)
    assert left(world) == {}


def test_damaged_progress_and_sandbox_record_never_block(empty, tmp_path):
    world = empty
    world.ok("run", "event-bus", "--yes")
    [progress] = (world.state_dir / "progress").glob("sandbox-*.json")
    progress.write_bytes(b"\x00\xff not json")
    assert "is damaged (not text)" in world("modules").stderr
    result = world("verify", "event-bus")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "kept as" in result.stderr and progress.with_name(progress.name + ".damaged").exists()
    clean(world)
    # a sandbox record that is not JSON: status names it, start keeps it aside and starts a sandbox
    state = tmp_path / "state"
    state.mkdir()
    other = World(state, world.temp_dir)
    (state / "sandbox.json").write_text('{"pid": 12')
    status = other("sandbox", "status")
    assert status.returncode == 3 and "sandbox.json is damaged" in status.stdout + status.stderr
    try:
        started = other("sandbox", "start", "--json")
        assert started.returncode == 0, started.stderr
        assert json.loads(started.stdout)["running"] is True
        assert (state / "sandbox.json.damaged").read_text() == '{"pid": 12'
    finally:
        other("sandbox", "stop", timeout=60)


def test_a_state_dir_that_is_a_file_is_refused_before_anything_is_created(empty, tmp_path):
    world = empty
    not_a_dir = tmp_path / "state-file"
    not_a_dir.write_text("")
    env = dict(world.env, WORKSHOP_STATE_DIR=str(not_a_dir))
    result = world("run", "event-bus", "--yes", env=env)
    assert result.returncode == 3
    assert f"The state directory {not_a_dir} is a file, not a directory" in result.stderr
    assert left(world) == {}
