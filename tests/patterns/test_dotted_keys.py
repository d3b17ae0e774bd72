"""Dotted keys, as event-ruler names fields: "a.b" in a pattern or an event is b inside a."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pattern_strategies import event_values, events, patterns

from workshop.patterns import explain, matches

RUNNING = {"state": {"status": "running"}}


def test_a_dotted_pattern_key_reaches_into_nested_objects():
    assert matches({"state.status": ["running"]}, RUNNING)
    assert not matches({"state.status": ["stopped"]}, RUNNING)
    assert matches({"detail": {"state.status": [{"prefix": "run"}]}}, {"detail": RUNNING})


def test_a_nested_pattern_reaches_a_dotted_event_key():
    assert matches({"state": {"status": ["running"]}}, {"state.status": "running"})
    assert matches({"a": {"b": {"c": [1]}}}, {"a.b": {"c": 1}})
    assert matches({"a": {"b": {"c": [1]}}}, {"a": {"b.c": 1}})
    assert not matches({"state": {"status": ["running"]}}, {"state.status": "stopped"})


def test_both_spellings_in_one_event_give_the_field_two_values():
    event = {"state.status": "running", "state": {"status": "stopped", "code": 16}}
    assert matches({"state": {"status": ["running"]}}, event)
    assert matches({"state": {"status": ["stopped"], "code": [16]}}, event)
    assert not matches({"state": {"status": [{"exists": False}]}}, event)


def test_dotted_keys_inside_arrays_of_objects_keep_array_consistency():
    event = {"items": [{"sku.id": "a", "qty": 1}, {"sku": {"id": "b"}, "qty": 2}]}
    assert matches({"items": {"sku": {"id": ["a"]}, "qty": [1]}}, event)
    assert not matches({"items": {"sku.id": ["a"], "qty": [2]}}, event)


def test_the_same_path_written_twice_keeps_the_last_as_event_ruler_overrides():
    assert matches('{"state.status": ["a"], "state": {"status": ["b"]}}', {"state": {"status": "b"}})


def test_explain_shows_values_found_under_dotted_keys():
    explanation = explain({"state": {"status": ["stopped"]}}, {"state.status": "running"})
    assert not explanation.matched
    (field,) = explanation.fields
    assert field.path == "state.status" and field.actual == '"running"'
    assert explain({"state.status": ["running"]}, RUNNING).matched


def dotted(value):
    """The event with every object inside an object written as dotted keys instead."""
    if type(value) is list:
        return [dotted(item) for item in value]
    if type(value) is not dict:
        return value
    flat = {}
    for key, inner in value.items():
        inner = dotted(inner)
        if type(inner) is dict and inner:
            flat.update({f"{key}.{k}": v for k, v in inner.items()})
        else:
            flat[key] = inner
    return flat


def dotted_pattern(pattern):
    """The pattern with nested objects (not $or) folded into dotted keys."""
    flat = {}
    for key, inner in pattern.items():
        if key == "$or":
            flat[key] = [dotted_pattern(branch) for branch in inner]
        elif type(inner) is dict and "$or" not in inner:
            flat.update({f"{key}.{k}": v for k, v in dotted_pattern(inner).items()})
        else:
            flat[key] = dotted_pattern(inner) if type(inner) is dict else inner
    return flat


bounded = settings(max_examples=150, deadline=None)


@bounded
@given(patterns, events)
def test_writing_an_event_with_dotted_keys_changes_no_answer(pattern, event):
    assert matches(pattern, dotted(event)) == matches(pattern, event)
    assert explain(pattern, dotted(event)).matched == matches(pattern, event)


@bounded
@given(patterns, events)
def test_writing_a_pattern_with_dotted_keys_changes_no_answer(pattern, event):
    assert matches(dotted_pattern(pattern), event) == matches(pattern, event)


@bounded
@given(st.dictionaries(st.sampled_from(["a", "b"]), event_values, max_size=2))
def test_dotting_keeps_fields_apart_from_unrelated_ones(extra):
    pattern = {"x": {"y": ["v"]}}
    assert matches(pattern, {"x.y": "v", **extra})
