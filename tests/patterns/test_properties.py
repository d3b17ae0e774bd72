"""Properties that hold for any valid pattern and any event."""

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workshop.patterns import compile, explain, matches, validate

KEYS = st.sampled_from(["a", "b", "c"])
TEXT = st.text(alphabet="abAB-*", max_size=4)
NUMBER = st.integers(-3, 3) | st.sampled_from([0.5, 2.0, 1000])
SCALAR = TEXT | NUMBER | st.booleans() | st.none()

event_values = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
events = st.dictionaries(KEYS, event_values, max_size=3)

wildcards = st.text(alphabet="ab*", max_size=4).filter(lambda w: "**" not in w)
conditions = st.one_of(
    SCALAR,
    st.builds(lambda t: {"prefix": t}, TEXT),
    st.builds(lambda t: {"suffix": {"equals-ignore-case": t}}, TEXT),
    st.builds(lambda t: {"equals-ignore-case": t}, TEXT),
    st.builds(lambda w: {"wildcard": w}, wildcards),
    st.builds(lambda v: {"anything-but": v}, TEXT | st.lists(NUMBER, min_size=1, max_size=2)),
    st.builds(lambda t: {"anything-but": {"prefix": t}}, TEXT.filter(bool)),
    st.builds(lambda n: {"numeric": [">", n]}, NUMBER),
    st.builds(lambda n: {"numeric": [">=", n, "<", n + 2]}, NUMBER),
    st.builds(lambda f: {"exists": f}, st.booleans()),
)
leaves = st.lists(conditions, min_size=1, max_size=3)


def _objects(children):
    plain = st.dictionaries(KEYS, children, min_size=1, max_size=3)
    with_or = st.builds(
        lambda base, branches: {**base, "$or": branches},
        st.dictionaries(KEYS, children, max_size=2),
        st.lists(plain, min_size=2, max_size=2),
    )
    return plain | with_or


patterns = st.recursive(_objects(leaves), lambda inner: _objects(leaves | inner), max_leaves=3)
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
