"""What a rule target receives: Input, InputPath and InputTransformer as EventBridge applies them.

Cases come from the AWS docs page "Amazon EventBridge input transformation" and from LocalStack's
AWS-validated snapshots (tests/aws/services/events/test_events_inputs.snapshot.json).
"""

import json

import pytest

from workshop.sandbox.input_shaping import InputShapingError, JSONPathError, select, shape, validate_target

RULE_NAME = "example"
RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/example"

# The AWS docs' example EC2 event.
EC2_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}
DOCS_PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}

# LocalStack's validated event (EVENT_DETAIL in tests/aws/services/events/test_events.py).
ACCOUNT_EVENT = {
    "version": "0", "id": "0d5c6bd1-3e2f-4bbd-9c2a-2d8cb3c3a0b1",
    "detail-type": "core.update-account-command", "source": "core.update-account-command",
    "account": "111111111111", "time": "2024-05-13T12:27:07Z", "region": "us-east-1", "resources": [],
    "detail": {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
}


def run(target, event=EC2_EVENT, **kwargs):
    return shape(target, event, rule_name=RULE_NAME, rule_arn=RULE_ARN, **kwargs)


def transformer(template, paths=DOCS_PATHS):
    return {"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "InputTransformer": {
        "InputPathsMap": paths, "InputTemplate": template}}


def test_no_shaping_delivers_the_event_as_minified_json():
    body = run({"Id": "t1"})
    assert json.loads(body) == EC2_EVENT
    assert body.startswith('{"version":"0","id":') and ": " not in body and ", " not in body


def test_input_constant_is_delivered_as_written():
    text = '{ "fixed" : [1, 2] }'
    assert run({"Id": "t1", "Input": text}) == text


@pytest.mark.parametrize("path, expected", [
    ("$", EC2_EVENT),
    ("$.detail", {"instance-id": "i-0123456789", "state": "RUNNING"}),
    ("$.detail.state", "RUNNING"),
    ("$.detail-type", "EC2 Instance State-change Notification"),
    ("$.resources[0]", "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"),
    ("$.detail['instance-id']", "i-0123456789"),
    ('$["detail"]["state"]', "RUNNING"),
    ("$.detail.*", ["i-0123456789", "RUNNING"]),
    ("$.resources[*]", ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]),
])
def test_input_path_selects_json(path, expected):
    assert json.loads(run({"Id": "t1", "InputPath": path})) == expected


def test_input_path_string_is_delivered_quoted():
    # AWS-validated: InputPath "$.detail.payload.sf_id" delivers the body "\"baz\"".
    assert run({"Id": "t1", "InputPath": "$.detail.payload.sf_id"}, ACCOUNT_EVENT) == '"baz"'


def test_input_path_that_matches_nothing_delivers_an_empty_payload():
    assert run({"Id": "t1", "InputPath": "$.detail.nothing"}) == ""
    assert run({"Id": "t1", "InputPath": "$.resources[5]"}) == ""


# The AWS docs' table of templates and outputs (EC2 example event).
@pytest.mark.parametrize("template, expected", [
    ('"instance <instance> is in <state>"', '"instance i-0123456789 is in RUNNING"'),
    ('"instance \\"<instance>\\" is in <state>"', '"instance \\"i-0123456789\\" is in RUNNING"'),
    ('{\n  "instance" : <instance>,\n  "state": <state>\n}', '{"instance":"i-0123456789","state":"RUNNING"}'),
    ('{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\" is in <state>"}',
     '{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}'),
    ('{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}',
     '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'),
    ('"<aws.events.rule-name> triggered"', '"example triggered"'),
])
def test_docs_template_examples(template, expected):
    assert run(transformer(template)) == expected


def test_docs_reserved_variables_in_json():
    template = ('{"instance" : <instance>, "state": <state>, "ruleArn" : <aws.events.rule-arn>, '
                '"ruleName" : <aws.events.rule-name>, "originalEvent" : <aws.events.event>}')
    out = json.loads(run(transformer(template)))
    assert out["instance"] == "i-0123456789" and out["state"] == "RUNNING"
    assert out["ruleArn"] == RULE_ARN and out["ruleName"] == RULE_NAME
    # AWS-validated: the original event without `detail`, detail-type spelt detailType.
    assert out["originalEvent"] == {
        "id": EC2_EVENT["id"], "account": "123456789012", "detailType": EC2_EVENT["detail-type"],
        "time": EC2_EVENT["time"], "source": "aws.ec2", "region": "us-east-1",
        "resources": EC2_EVENT["resources"], "version": "0"}


def test_whole_event_json_and_ingestion_time():
    template = '{"originalEventJson": <aws.events.event.json>, "at": <aws.events.event.ingestion-time>}'
    out = json.loads(run(transformer(template, {}), ingestion_time="2015-11-11T21:29:55Z"))
    assert out == {"originalEventJson": EC2_EVENT, "at": "2015-11-11T21:29:55Z"}
    text = run(transformer('"at <aws.events.event.ingestion-time> by <aws.events.rule-arn>"', {}))
    assert text == f'"at {EC2_EVENT["time"]} by {RULE_ARN}"'  # defaults to the event's time


# LocalStack's AWS-validated snapshots: a path that matches nothing becomes an empty string.
ACCOUNT_PATHS = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"}
MISSING_PATHS = dict(ACCOUNT_PATHS, command="$.detail.notinmessage")


@pytest.mark.parametrize("paths, expected", [
    (ACCOUNT_PATHS, '"Event of core.update-account-command type, at time 2024-05-13T12:27:07Z, '
                    'info extracted from detail update-account"'),
    (MISSING_PATHS, '"Event of core.update-account-command type, at time 2024-05-13T12:27:07Z, '
                    'info extracted from detail "'),
])
def test_validated_string_template(paths, expected):
    template = '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    assert run(transformer(template, paths), ACCOUNT_EVENT) == expected


@pytest.mark.parametrize("paths, command", [(ACCOUNT_PATHS, "update-account"), (MISSING_PATHS, "")])
def test_validated_json_template(paths, command):
    template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'
    out = json.loads(run(transformer(template, paths), ACCOUNT_EVENT))
    assert out == {"detailType": "core.update-account-command", "time": "2024-05-13T12:27:07Z", "command": command}


def test_validated_special_characters_in_string_template():
    template = '"{[/Check with special starting characters for event of <detail-type> type"'
    assert run(transformer(template, ACCOUNT_PATHS), ACCOUNT_EVENT) == \
        '"{[/Check with special starting characters for event of core.update-account-command type"'


def test_values_keep_their_json_type_unquoted_and_become_text_inside_quotes():
    event = dict(EC2_EVENT, detail={"value": 415, "ok": True, "tags": ["a", "b"], "none": None,
                                    "note": 'say "hi"\n'})
    paths = {"v": "$.detail.value", "ok": "$.detail.ok", "tags": "$.detail.tags", "none": "$.detail.none",
             "note": "$.detail.note"}
    out = json.loads(run(transformer('{"v": <v>, "ok": <ok>, "tags": <tags>, "none": <none>, '
                                     '"text": "<v>/<ok>/<tags>/<note>"}', paths), event))
    assert out == {"v": 415, "ok": True, "tags": ["a", "b"], "none": None, "text": '415/true/["a","b"]/say "hi"\n'}


def test_non_ascii_text_is_kept():
    event = dict(EC2_EVENT, detail={"city": "Zürich"})
    assert run(transformer('"in <c>"', {"c": "$.detail.city"}), event) == '"in Zürich"'


@pytest.mark.parametrize("target, message", [
    (transformer('"Event of <detail-type> type, with not defined key <notdefinedkey>"', ACCOUNT_PATHS),
     "contains invalid placeholder notdefinedkey"),  # AWS-validated message
    (transformer('{"a": <instance>'), "not valid JSON"),
    (transformer("instance <instance> is in <state>"), "not valid JSON"),
    (transformer('"copy: <aws.events.event.json>"', {}), "only be used as a JSON value"),
    (transformer('"x"', {"aws.events.rule-name": "$.source"}), "reserved"),
    (transformer('"x"', {"bad key": "$.source"}), "letters, digits"),
    (transformer('"<a>"', {"a": "detail.state"}), "must start with '$'"),
    (transformer('"<a>"', {"a": "$..state"}), "not supported"),
    ({"Id": "t1", "Input": "{not json"}, "not a valid JSON text"),
    ({"Id": "t1", "Input": "{}", "InputPath": "$.detail"}, "Only one of Input, InputPath, or InputTransformer"),
    ({"Id": "t1", "InputPath": "$.detail[?(@.x)]"}, "not supported"),
])
def test_invalid_targets_are_rejected(target, message):
    with pytest.raises(InputShapingError) as info:
        validate_target(target)
    assert message in str(info.value)
    with pytest.raises(InputShapingError):
        run(target)


def test_valid_targets_pass_validation():
    for target in (transformer('{"s": <state>, "e": <aws.events.event.json>}'), {"Id": "t1", "InputPath": "$"},
                   {"Id": "t1", "Input": '"hello"'}, {"Id": "t1"}):
        validate_target(target)  # does not raise


def test_select_returns_default_when_nothing_matches():
    assert select(EC2_EVENT, "$.detail.state") == "RUNNING"
    assert select(EC2_EVENT, "$.detail.missing") is None
    assert select(EC2_EVENT, "$.detail.missing", default="x") == "x"
    assert select({"a": None}, "$.a", default="x") is None  # a present null is a value
    with pytest.raises(JSONPathError):
        select(EC2_EVENT, "detail")
