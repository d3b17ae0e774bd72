"""`workshop pattern test|explain`, and the sandbox agreeing with them (same engine)."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from workshop import patterns
from workshop.inputs import complete_event

EU = '{"source":["com.aws.orders"],"detail":{"location":[{"prefix":"eu-"}]}}'


def test_exit_codes(cli):
    ok = cli("pattern", "test", EU, '{"source":"com.aws.orders","detail":{"location":"eu-west"}}')
    assert ok.returncode == 0 and "event 1: match" in ok.stdout
    one_fails = cli("pattern", "test", EU, '{"source":"com.aws.orders","detail":{"location":"eu-west"}}',
                    '{"source":"com.aws.orders","detail":{"location":"us-west"}}')
    assert one_fails.returncode == 1 and "event 2: no match" in one_fails.stdout
    invalid = cli("pattern", "test", '{"source":"com.aws.orders"}', "{}")
    assert invalid.returncode == 2 and "Event pattern is not valid" in invalid.stderr
    bad_event = cli("pattern", "test", EU, "{nope")
    assert bad_event.returncode == 2 and "not valid JSON" in bad_event.stderr


def test_files_stdin_and_detail_only(cli, tmp_path):
    pattern = tmp_path / "p.json"
    pattern.write_text('{"detail":{"value":[{"numeric":[">",1000]}]}}')
    result = cli("pattern", "test", f"@{pattern}", "--detail", "-", input='{"value": 3000}')
    assert result.returncode == 0, result.stderr
    missing = cli("pattern", "test", f"@{tmp_path / 'absent.json'}", "{}")
    assert missing.returncode == 2 and "Cannot read" in missing.stderr


def test_envelope_defaults_are_announced(cli):
    result = cli("pattern", "test", '{"source":["com.aws.orders"]}', '{"detail":{}}')
    assert result.returncode == 0
    assert "Filled envelope fields" in result.stderr and "source" in result.stderr


def test_explain_names_the_failing_condition(cli):
    pattern = '{"detail":{"category":["lab-supplies"],"signature":[{"exists":false}]}}'
    explained = cli.json("pattern", "explain", pattern, "--detail", '{"category":"lab-supplies","signature":["John Doe"]}',
                         expect=1)
    assert explained["matched"] is False
    fields = {f["path"]: f for f in explained["fields"]}
    assert fields["detail.category"]["matched"] is True
    assert fields["detail.signature"]["matched"] is False and fields["detail.signature"]["reason"]


CASES = [
    ({"source": ["com.aws.orders"]}, {"source": "com.aws.orders"}),
    ({"detail": {"value": [300]}}, {"detail": {"value": 300.0}}),
    ({"detail": {"value": [300]}}, {"detail": {"value": "300"}}),
    ({"detail": {"items": {"sku": ["a"], "qty": [2]}}}, {"detail": {"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]}}),
    ({"detail": {"signature": [{"exists": False}]}}, {"detail": {"signature": ["John Doe"]}}),
    ({"detail": {"location": [{"anything-but": {"prefix": "us-"}}]}}, {"detail": {"location": "eu-west"}}),
    ({"$or": [{"detail": {"value": [{"numeric": [">", 1000]}]}}, {"source": ["x"]}]}, {"source": "y", "detail": {"value": 1001}}),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, {"detail": {"ip": "10.0.0.255"}}),
]


@pytest.mark.parametrize("pattern,event", CASES)
def test_sandbox_test_event_pattern_agrees_with_the_engine(sandbox, aws, pattern, event):
    full, _ = complete_event(event)
    expected = patterns.matches(pattern, full)
    answer = aws("events").test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(full))["Result"]
    assert answer is expected


TOO_COMPLEX = {"detail": {"a": [{"wildcard": "*a*a*a*a*a*a*a*a*a*a*a*a*b"}]}}
TOO_COMPLEX_MESSAGE = "Rule is too complex - try using fewer wildcard characters"


def test_a_too_complex_wildcard_is_bad_input(cli):
    result = cli("pattern", "test", json.dumps(TOO_COMPLEX), "--detail", json.dumps({"a": "a" * 200}))
    assert result.returncode == 2
    assert TOO_COMPLEX_MESSAGE in result.stderr and "Traceback" not in result.stderr


def test_the_sandbox_refuses_a_too_complex_wildcard(sandbox, aws):
    events = aws("events")
    full, _ = complete_event({"detail": {"a": "a" * 200}})
    with pytest.raises(botocore.exceptions.ClientError) as put:
        events.put_rule(Name="too-complex", EventPattern=json.dumps(TOO_COMPLEX))
    with pytest.raises(botocore.exceptions.ClientError) as tried:
        events.test_event_pattern(EventPattern=json.dumps(TOO_COMPLEX), Event=json.dumps(full))
    for raised in (put.value, tried.value):
        assert raised.response["Error"]["Code"] == "InvalidEventPatternException"
        assert TOO_COMPLEX_MESSAGE in raised.response["Error"]["Message"]


@pytest.mark.parametrize("detail", ["[" * 1000 + "]" * 1000, '{"v": NaN}', '{"v": -Infinity}'])
def test_the_sandbox_refuses_deep_or_non_standard_json_without_failing(sandbox, aws, detail):
    events = aws("events")
    deep_detail = '{"d":' + detail + "}"
    outcome = events.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": deep_detail}])
    assert outcome["FailedEntryCount"] == 1 and outcome["Entries"][0]["ErrorCode"] == "MalformedDetail"
    full, _ = complete_event({})
    event_text = json.dumps(full)[:-1] + ', "detail": ' + deep_detail + "}"
    with pytest.raises(botocore.exceptions.ClientError) as tried:
        events.test_event_pattern(EventPattern='{"source": ["s"]}', Event=event_text)
    assert tried.value.response["Error"]["Code"] == "ValidationException"
    assert events.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": "{}"}])["FailedEntryCount"] == 0
