"""`workshop trace --json`: for each module, an event its rule matched (with the delivery's evidence)
and one it did not (with the pattern engine's reason), on one sandbox where the whole workshop ran."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def workshop(cli, sandbox):
    assert cli("sandbox", "reset").returncode == 0
    result = cli("run", "--all", "--yes", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def publish(cli, *args: str) -> str:
    return cli.json("publish", *args)["event_id"]


def rule(document: dict, name: str) -> dict:
    found = [r for r in document["rules"] if r["name"] == name]
    assert found, f"rule {name} not in the trace: {[r['name'] for r in document['rules']]}"
    return found[0]


def only_target(entry: dict) -> dict:
    assert len(entry["targets"]) == 1, entry
    target = entry["targets"][0]
    assert target["delivery"]["status"] == "delivered", target
    return target


def test_run_shows_each_published_event_journey(workshop):
    # the compact form after each publish: the rule that took it and where it went
    assert "✓ OrdersDevRule matched" in workshop.stderr
    assert "→ logs /aws/events/orders: ✓ delivered" in workshop.stderr
    assert "✗ EUOrdersRule did not match: detail.location is \"us-east\"" in workshop.stderr


# (module, rule, publish args of a matched event, check of its evidence, publish args of an unmatched one, reason)
def _log_evidence(target, event_id):
    assert target["kind"] == "logs"
    assert target["evidence"]["message"]["id"] == event_id
    assert target["evidence"]["log_stream"]


def _api_evidence(target, event_id):
    assert target["kind"] == "api-destination"
    assert target["evidence"]["status"] == "200"
    assert any(event_id in line for line in target["evidence"]["log"])
    assert "myPassword" not in json.dumps(target)


def _execution_evidence(target, event_id):
    assert target["kind"] == "states"
    found = target["evidence"]
    assert found["status"] == "SUCCEEDED"
    assert [s["name"] for s in found["states"]] == ["ProcessOrder", "PublishOrderProcessed"]
    assert found["states"][0]["input"]["id"] == event_id
    onward = target["onward"][0]
    assert onward["bus"] == "Orders" and onward["detail-type"] == "Order Processed"
    assert found["output"]["Entries"][0]["EventId"] == onward["event_id"]


def _sns_evidence(target, event_id):
    assert target["kind"] == "sns"
    message = target["evidence"]["subscriptions"][0]["message"]
    assert message["queue"] == "Orders"
    assert message["sns_envelope"]["Type"] == "Notification"
    assert message["event"]["id"] == event_id


OTHER_SOURCE = ("--source", "com.example.other", "--detail", '{"location": "eu-west"}')
CASES = [
    ("event-bus", "OrdersDevRule", ("--sample", "lab-supplies-eu-west"), _log_evidence, OTHER_SOURCE, "source"),
    ("rules", "OrdersDevRule", ("--sample", "lab-supplies-us-east"), _log_evidence, OTHER_SOURCE, "source"),
    ("api-destination", "OrdersEventsRule", ("--sample", "lab-supplies-us-east"), _api_evidence, OTHER_SOURCE, "source"),
    ("step-functions", "EUOrdersRule", ("--sample", "office-supplies-eu-west"), _execution_evidence,
     ("--sample", "lab-supplies-us-east"), "detail.location"),
    ("sns", "USLabSupplyRule", ("--sample", "lab-supplies-us-east"), _sns_evidence,
     ("--sample", "office-supplies-us-west-signed"), "detail.category"),
    ("prerequisites", "InventoryDevRule", ("--bus", "Inventory", "--detail", '{"sku": 1}'), _log_evidence,
     ("--bus", "Inventory", "--source", "com.example.other", "--detail", '{"sku": 1}'), None),
]


@pytest.mark.parametrize("module,rule_name,matched_args,evidence,unmatched_args,reason", CASES, ids=[c[0] for c in CASES])
def test_trace_matched_and_unmatched(cli, workshop, module, rule_name, matched_args, evidence, unmatched_args, reason):
    event_id = publish(cli, *matched_args)
    document = cli.json("trace", event_id)
    assert document["event_id"] == event_id
    entry = rule(document, rule_name)
    assert entry["matched"] is True and entry["pattern"] is not None
    evidence(only_target(entry), event_id)

    other = publish(cli, *unmatched_args)
    document = cli.json("trace", other)
    entry = rule(document, rule_name)
    if reason is None:  # InventoryDevRule matches every event of this account: all the others are shown instead
        assert entry["matched"] is True
        return
    assert entry["matched"] is False and entry["targets"] == []
    assert reason in entry["reason"], entry


def test_trace_follows_the_lambda_destinations_chain(cli, workshop):
    event_id = publish(cli, "--sample", "office-supplies-eu-west-1200")
    document = cli.json("trace", event_id)
    assert rule(document, "OrderProcessingRule")["matched"] is False
    processed = only_target(rule(document, "EUOrdersRule"))["onward"][0]
    function = only_target(rule(processed, "OrderProcessingRule"))
    assert function["kind"] == "lambda" and function["evidence"]["request_id"]
    assert any(processed["event_id"] in line for line in function["evidence"]["log"])
    record = function["onward"][0]
    assert record["bus"] == "Inventory" and record["detail-type"] == "Lambda Function Invocation Result - Success"
    assert record["detail"]["requestPayload"]["id"] == processed["event_id"]
    _log_evidence(only_target(rule(record, "InventoryDevRule")), record["event_id"])


def test_trace_of_a_scheduled_event(cli, workshop):
    assert cli("sandbox", "tick", "--minutes", "3").returncode == 0
    logged = cli.json("logs", "/aws/events/orders_reconciliation", "--since", "1d")["events"]
    assert logged, "the schedule never fired"
    event_id = json.loads(logged[-1]["message"])["id"]
    entry = rule(cli.json("trace", event_id), "OrdersReconciliation")
    assert entry["matched"] is True and "schedule" in entry["reason"]
    _log_evidence(only_target(entry), event_id)


def test_trace_of_a_disabled_rule_says_so_and_how_to_enable_it(cli, workshop, aws, sandbox):
    events = aws("events")
    events.disable_rule(Name="OrdersDevRule", EventBusName="Orders")
    try:
        event_id = publish(cli, "--sample", "lab-supplies-eu-west")
        entry = rule(cli.json("trace", event_id), "OrdersDevRule")
    finally:
        events.enable_rule(Name="OrdersDevRule", EventBusName="Orders")
    assert entry["matched"] is True and entry["targets"] == []
    assert "disabled" in entry["reason"]
    # pasteable as it is: the AWS CLI pointed at this sandbox (with its any-value credentials)
    assert entry["hint"] == (f"Enable it: `AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url "
                             f"{sandbox.endpoint_url} --region us-east-1 events enable-rule --name OrdersDevRule --event-bus-name Orders`")


def test_trace_of_a_failed_delivery_names_the_error_code(cli, workshop, aws):
    sns = aws("sns")
    topic = sns.create_topic(Name="Orders")["TopicArn"]
    policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    try:
        event_id = publish(cli, "--sample", "lab-supplies-us-east")
        target = rule(cli.json("trace", event_id), "USLabSupplyRule")["targets"][0]
    finally:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy)
    assert target["delivery"]["status"] == "failed"
    assert target["delivery"]["error_code"] == "NO_PERMISSIONS"


def test_trace_of_an_unknown_id_is_bad_input(cli, workshop):
    result = cli("trace", "00000000-0000-0000-0000-000000000000")
    assert result.returncode == 2
    assert "No event 00000000-0000-0000-0000-000000000000 to trace" in result.stderr


def test_trace_piped_never_cuts_values(cli, workshop):
    event_id = publish(cli, "--sample", "office-supplies-us-west-signed")
    result = cli("trace", event_id)
    assert result.returncode == 0, result.stderr
    assert "office-supplies-us-west-signed" not in result.stdout  # samples are named in publish, not the event
    assert '"signature":["John Doe"]' in result.stdout and "…" not in result.stdout


def test_a_disabled_rule_gets_a_hint_about_enabling_it_in_json(cli, workshop, aws, sandbox):
    events = aws("events")
    events.disable_rule(Name="OrdersDevRule", EventBusName="Orders")
    try:
        report = cli.json("verify", "event-bus", expect=1)
    finally:
        events.enable_rule(Name="OrdersDevRule", EventBusName="Orders")
    failed = {c["name"]: c for c in report["checks"] if not c["passed"]}
    rule_check = failed["OrdersDevRule sends Orders events to /aws/events/orders"]
    assert rule_check["hint"] == (f"Enable it: `AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url "
                                  f"{sandbox.endpoint_url} --region us-east-1 events enable-rule --name OrdersDevRule "
                                  "--event-bus-name Orders`.")
    arrived = failed["the event arrived in /aws/events/orders"]
    assert "`workshop trace " in arrived["hint"] and "EVENT_ID" not in arrived["hint"]
    # the delivery check's hint follows what failed: the disabled rule, not patterns or policies
    assert arrived["hint"].startswith("Rule OrdersDevRule is disabled, so it delivers nothing")
    assert "resource policy" not in arrived["hint"]


@pytest.mark.parametrize("event,note", [
    ('{"detail_type": "Order Notification"}', 'The event has "detail_type", but EventBridge\'s field is "detail-type"'),
    ('{"detailType": "Order Notification"}', 'The event has "detailType", but EventBridge\'s field is "detail-type"'),
    ('{"value": 3000}', 'The event has no "detail", but its fields (value) look like one: add --detail'),
])
def test_pattern_explain_names_what_a_filled_envelope_hides(cli, event, note):
    result = cli("pattern", "explain", '{"detail-type": ["Order Notification"], "detail": {"value": [{"numeric": [">", 1]}]}}', event)
    assert note in " ".join(result.stderr.split())
    quiet = cli("pattern", "explain", '{"detail": {"value": [3000]}}', '{"value": 3000}', "--detail")
    assert quiet.returncode == 0 and "Note:" not in quiet.stderr
