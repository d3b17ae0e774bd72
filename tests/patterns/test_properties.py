"""Properties that hold for any valid pattern and any event."""

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pattern_strategies import event_values, events, patterns

from workshop.patterns import compile, explain, matches, validate

# Matching cost grows with the `$or` combinations a pattern expands to: no wall-clock deadline.
bounded = settings(max_examples=100, deadline=None)


@bounded
@given(patterns, events, event_values)
def test_a_field_the_pattern_does_not_name_changes_nothing(pattern, event, extra):
    assert matches(pattern, {**event, "unmentioned": extra}) == matches(pattern, event)


@bounded
@given(patterns, events)
def test_or_of_a_pattern_with_itself_is_the_pattern(pattern, event):
    assume(len(json.dumps(pattern, separators=(",", ":"))) < 1000)  # doubled, still under 2048
    assert matches({"$or": [pattern, pattern]}, event) == matches(pattern, event)


@bounded
@given(patterns, st.lists(events, min_size=1, max_size=4))
def test_a_compiled_matcher_answers_like_matches(pattern, batch):
    matcher = compile(json.dumps(pattern))
    assert [matcher.matches(e) for e in batch] == [matches(pattern, e) for e in batch]


@bounded
@given(patterns, events)
def test_explain_agrees_with_matches(pattern, event):
    explanation = explain(pattern, event)
    assert explanation.matched == matches(pattern, event)
    if explanation.matched:
        assert all(field.matched for field in explanation.fields)
    else:
        assert explanation.summary


@bounded
@given(patterns)
def test_validate_accepts_generated_patterns_and_returns_them(pattern):
    assert validate(pattern) == pattern
