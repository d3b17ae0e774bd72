"""Limits as AWS's: sizes, nesting and non-standard JSON refused with one clear sentence."""

import json

import pytest

from workshop.patterns import (
    MAX_ENTRY_BYTES,
    MAX_NESTING_DEPTH,
    InvalidEventError,
    InvalidPatternError,
    TooDeep,
    compile,
    entry_size,
    event_entry_size,
    explain,
    load_json,
    matches,
    nesting_depth,
    validate,
)

EVENT = {"source": "s", "detail-type": "t", "detail": {}}


def nested(depth: int, leaf=1):
    """A value `depth` arrays deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_depth_counts_objects_and_arrays_without_recursing():
    assert nesting_depth(1) == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    assert nesting_depth(nested(50_000), stop_above=10**6) == 50_000


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_patterns_are_refused_as_text_and_as_values(depth):
    text = '{"a":' * depth + "[1]" + "}" * depth
    for pattern in (text, json.loads(text) if depth < 900 else {"a": nested(depth)}):
        with pytest.raises(InvalidPatternError, match=f"nested more than {MAX_NESTING_DEPTH} levels"):
            validate(pattern)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_events_are_refused_as_text(depth):
    text = '{"source":"s","detail":' + "[" * depth + "]" * depth + "}"
    with pytest.raises(InvalidEventError, match=f"Event is nested more than {MAX_NESTING_DEPTH}"):
        matches({"source": ["s"]}, text)
    with pytest.raises(InvalidEventError, match="nested more than"):
        explain({"source": ["s"]}, text)


def test_the_depth_limit_is_inclusive():
    at_limit = {"source": "s", "detail": nested(MAX_NESTING_DEPTH - 1)}
    assert matches({"source": ["s"]}, json.dumps(at_limit))
    over = {"source": "s", "detail": nested(MAX_NESTING_DEPTH)}
    with pytest.raises(InvalidEventError):
        explain({"source": ["s"]}, over)


def test_a_compiled_matcher_walks_deep_event_arrays_without_recursing():
    event = {"source": "s", "detail": {"a": nested(20_000, "x")}}
    assert compile({"detail": {"a": ["x"]}}).matches(event)
    assert not compile({"detail": {"a": ["y"]}}).matches(event)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_numbers_are_refused(token):
    with pytest.raises(InvalidPatternError, match=f"Non-standard token '{token}'"):
        validate(f'{{"a": [{token}]}}')
    with pytest.raises(InvalidEventError, match="not valid JSON"):
        matches({"a": [1]}, f'{{"a": {token}}}')
    with pytest.raises(ValueError, match="Non-standard"):
        load_json(f"[{token}]")


def test_load_json_says_too_deep_instead_of_recursing():
    with pytest.raises(TooDeep):
        load_json("[" * 5_000 + "]" * 5_000)
    assert load_json('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}


def test_entry_size_counts_as_aws_documents():
    entry = {"Time": "2026-01-01T00:00:00Z", "Source": "é", "DetailType": "t",
             "Detail": '{"k":"v"}', "Resources": ["arn:1", "arn:22"]}
    assert entry_size(entry) == 14 + 2 + 1 + 9 + 5 + 6
    assert entry_size({"Source": "s", "DetailType": "t"}) == 2
    assert event_entry_size({**EVENT, "time": "x", "detail": {"k": "v"}, "resources": ["r"]}) == 14 + 2 + 9 + 1


def test_events_over_256_kb_are_refused():
    room = MAX_ENTRY_BYTES - event_entry_size({**EVENT, "detail": {"k": ""}})
    fits = {**EVENT, "detail": {"k": "x" * room}}
    assert event_entry_size(fits) == MAX_ENTRY_BYTES
    assert matches({"source": ["s"]}, json.dumps(fits))
    too_big = {**EVENT, "detail": {"k": "x" * (room + 1)}}
    with pytest.raises(InvalidEventError, match=f"the limit is {MAX_ENTRY_BYTES}"):
        matches({"source": ["s"]}, json.dumps(too_big))


def test_patterns_over_2048_characters_are_refused():
    with pytest.raises(InvalidPatternError, match="the limit is 2048"):
        validate({"source": ["x" * 2100]})
