"""The whole workshop on one fresh sandbox: run --all, verify each module, break each challenge.

One `run --all --yes` deploys everything (it is what users do first); each test then verifies a
module, or deploys a wrong pattern by hand and checks that verify fails (exit 1) naming the check,
then puts the reference solution back.
"""

from __future__ import annotations

import json

import pytest

from tests.support import failed_checks, run_fresh

from workshop import scenario

MODULES = [module.id for module in scenario.load().modules]  # in the file's order, as `run --all` takes them


@pytest.fixture(scope="module")
def workshop(cli, sandbox):
    return run_fresh(cli)  # --all


def test_run_all_passes_every_module_in_order(workshop):
    assert workshop["passed"] is True
    assert [m["module"] for m in workshop["modules"]] == MODULES
    for module in workshop["modules"]:
        assert module["checks"], f"{module['module']} has no checks"
        assert all(c["passed"] for c in module["checks"]), module


# Behaviour checks quote what they saw (the logged event, the execution's output, the message body, the API's log line).
EVIDENCE_KINDS = {"log_event", "sqs_received", "execution_succeeded", "api_execution_log", "lambda_chain",
                  "lambda_success_record", "scheduled_event", "state_machine_succeeds"}
KIND_OF = {c.name: c.kind for m in scenario.load().modules for step in m.steps for c in step.checks}


def _words(text: str) -> set[str]:
    import re

    return {w.lower() for w in re.findall(r"[A-Za-z0-9][\w./:-]*", text)}


def test_each_check_detail_says_something_its_name_does_not(workshop):
    checks = [(m["module"], c) for m in workshop["modules"] for c in m["checks"]]
    assert checks
    for module, check in checks:
        new = _words(check["detail"]) - _words(check["name"]) - {"a", "an", "the", "is", "in", "of", "to", "and", "it", "its"}
        assert new, f"{module}: the detail of '{check['name']}' only repeats its name: {check['detail']}"


def test_behaviour_checks_quote_their_evidence(workshop):
    quoted = [(m["module"], c) for m in workshop["modules"] for c in m["checks"] if KIND_OF.get(c["name"]) in EVIDENCE_KINDS]
    assert {KIND_OF[c["name"]] for _, c in quoted} >= {"log_event", "sqs_received", "execution_succeeded", "api_execution_log"}
    for module, check in quoted:
        assert "{" in check["detail"] or '"' in check["detail"], f"{module}: '{check['name']}' shows no evidence: {check['detail']}"
    details = {c["name"]: c["detail"] for _, c in quoted}
    assert '"location": "eu-west"' in details["the event arrived in /aws/events/orders"]  # the logged event's detail
    assert "SNS envelope" in details["the US lab-supplies order arrived in the Orders queue, once"]
    assert '"Entries"' in details["the eu-west order ran OrderProcessing to SUCCEEDED"]  # the execution's output
    assert "Method completed with status: 200" in details[
        "the API's execution log shows the authorizer allowed the event and status 200"]


@pytest.mark.parametrize("module", MODULES)
def test_verify_each_module(cli, workshop, module):
    report = cli.json("verify", module)
    assert report["module"] == module and report["passed"] is True
    assert all({"name", "passed", "status", "detail", "hint"} <= set(c) and c["status"] == "passed" for c in report["checks"])
    assert report["status"] == "passed" and report["could_not_run"] == 0


WRONG_PATTERNS = [
    # (module, rule, too broad or too narrow, pattern, checks that must fail, words the reason must contain)
    ("step-functions", "EUOrdersRule", "too broad", {"source": ["com.aws.orders"]},
     {"EUOrdersRule's pattern matches the EU orders and nothing else"}, "lab-supplies-us-east should NOT match"),
    ("step-functions", "EUOrdersRule", "too narrow", {"source": ["com.aws.orders"], "detail": {"location": ["eu-west"]}},
     {"EUOrdersRule's pattern matches the EU orders and nothing else", "the eu-east order ran OrderProcessing to SUCCEEDED"},
     "tech-supplies-eu-east should match but does not"),
    ("sns", "USLabSupplyRule", "too broad", {"source": ["com.aws.orders"], "detail": {"location": ["us-west", "us-east"]}},
     {"USLabSupplyRule's pattern matches the US lab-supplies order and nothing else",
      "the office-supplies order did not arrive in the Orders queue"}, "office-supplies-us-west-signed should NOT match"),
    ("sns", "USLabSupplyRule", "too narrow", {"source": ["com.aws.orders"], "detail": {"location": ["us-west"], "category": ["lab-supplies"]}},
     {"USLabSupplyRule's pattern matches the US lab-supplies order and nothing else",
      "the US lab-supplies order arrived in the Orders queue, once"}, "lab-supplies-us-east should match but does not"),
]


@pytest.mark.parametrize("module,rule,label,pattern,failing,reason", WRONG_PATTERNS,
                         ids=[f"{w[0]}-{w[2].replace(' ', '-')}" for w in WRONG_PATTERNS])
def test_wrong_pattern_fails_verify_naming_the_check(cli, workshop, aws, module, rule, label, pattern, failing, reason):
    events = aws("events")
    original = events.describe_rule(Name=rule, EventBusName="Orders")["EventPattern"]
    events.put_rule(Name=rule, EventBusName="Orders", EventPattern=json.dumps(pattern))
    try:
        failed = failed_checks(cli("verify", module, "--json"))
    finally:
        events.put_rule(Name=rule, EventBusName="Orders", EventPattern=original)
    assert set(failed) == failing, failed
    graded = next(detail for name, detail in failed.items() if "pattern" in name)
    assert reason in graded


def test_status_shows_the_api_url_first(cli, workshop, sandbox):
    import urllib.error
    import urllib.request

    status = cli.json("status")
    assert status["resources"], "status lists what was created"
    outputs = status.get("outputs")
    assert outputs, status.keys()
    name, url = outputs[0] if isinstance(outputs, list) else next(iter(outputs.items()))
    # On an endpoint the ApiUrl is the local form the backend serves (on AWS, the public execute-api URL).
    assert name == "ApiUrl" and url.startswith(sandbox.endpoint_url + "/_aws/execute-api/") and url.endswith("/Prod/")
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Authorization": "Basic bm90OnRoaXM="})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403  # served there, through the authorizer


def test_lambda_destination_removed_fails_the_chain(cli, workshop, aws):
    aws("lambda").update_function_event_invoke_config(FunctionName="InventoryFunction", DestinationConfig={"OnSuccess": {}})
    try:
        result = cli("verify", "lambda-destinations", "--json")
        failed = failed_checks(result)
    finally:
        cli("run", "lambda-destinations", "--yes")
    assert "InventoryFunction sends successful results to the Inventory bus" in failed
    assert any("/aws/events/inventory" in name for name in failed)
    # the chain check's evidence, drawn by the renderer: how far the order got
    assert "The chain so far" in result.stderr and "OrderProcessing execution" in result.stderr


def test_the_whole_chain_is_drawn_when_it_holds(cli, workshop):
    result = cli("verify", "lambda-destinations")
    assert result.returncode == 0, result.stderr
    assert "through the whole chain" in result.stderr and "InventoryFunction ran" in result.stderr


def test_cleanup_leaves_nothing_of_the_workshop(cli, workshop, aws):
    cleaned = cli.json("cleanup", "--yes", timeout=300)
    assert cleaned["failed"] == []
    assert [b["Name"] for b in aws("events").list_event_buses()["EventBuses"]] == ["default"]
    assert aws("events").list_rules()["Rules"] == []
    assert aws("logs").describe_log_groups()["logGroups"] == []
    assert aws("lambda").list_functions()["Functions"] == []
    assert aws("sqs").list_queues().get("QueueUrls") in (None, [])
    assert aws("sns").list_topics()["Topics"] == []
    assert aws("iam").list_roles()["Roles"] == []
    assert aws("apigateway").get_rest_apis()["items"] == []
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []
    assert aws("events").list_connections()["Connections"] == []
    assert aws("events").list_archives()["Archives"] == []
    assert aws("scheduler").list_schedules()["Schedules"] == []
    assert cli.json("status")["resources"] == []


def test_scheduling_on_a_plain_endpoint_waits_for_the_real_firing(cli, sandbox, aws):
    """As on AWS: no clock to move, so verify waits for the next firing (or, at a weekend, says it cannot fire)."""
    from datetime import datetime, timezone

    assert cli("sandbox", "reset").returncode == 0  # the sandbox clock back to real time
    endpoint = ["--endpoint-url", sandbox.endpoint_url]
    report = cli.json(*endpoint, "run", "scheduling", "--yes", timeout=300)  # run verifies too
    assert report["passed"] is True
    fired = next(c for c in report["modules"][0]["checks"] if c["name"].startswith("a Scheduled Event"))
    weekend = datetime.now(timezone.utc).weekday() >= 5
    # At a weekend no evidence can come: not a pass, but unverifiable, naming the next firing.
    assert fired["status"] == ("unverifiable" if weekend else "passed"), fired
    assert fired["passed"] is (not weekend)
    assert ("cannot fire now" in fired["detail"]) is weekend, fired["detail"]
    if weekend:
        assert "Monday" in fired["reason"] and report["modules"][0]["status"] == "unverifiable"
    assert cli.json(*endpoint, "cleanup", "--yes")["failed"] == []
