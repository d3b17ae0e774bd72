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
        from workshop.sandbox import control

        control.request(self.endpoint_url, "/_workshop/faults", body)

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
    ("SetTopicAttributes", "topic_policy_statement"), ("UpdateFunctionEventInvokeConfig", "lambda_destination"),
    ("UpdateFunctionEventInvokeConfig", "lambda_failure_destination"),
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
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, outputs):
        assert run.returncode == 0, stderr[-3000:]
    assert sum("Waiting for `workshop run" in stderr for _, stderr in outputs) == 1, [e[:500] for _, e in outputs]
    pids = _sandbox_pids(state)
    try:
        assert len(pids) == 1, pids
        w.endpoint_url = json.loads(w.ok("sandbox", "status", "--json").stdout)["endpoint_url"]
        clean(w)
        assert left(w) == {}
    finally:
        w("sandbox", "stop", timeout=60)
    assert _sandbox_pids(state) == []


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
