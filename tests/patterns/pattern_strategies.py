"""Hypothesis strategies for patterns and events, shared by the property tests."""

from hypothesis import strategies as st

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
