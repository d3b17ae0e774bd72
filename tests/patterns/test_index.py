"""RuleIndex: the same answers as testing every rule, from looking up only a few."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pattern_strategies import SCALAR, events, patterns

from workshop.patterns import RuleIndex, compile

ORDERS = {"source": "com.aws.orders", "detail-type": "Order Notification", "detail": {"v": 1}}


def _rules(count: int, source: str = "other") -> dict[str, object]:
    return {f"r{n}": compile({"source": [f"{source}.{n}"], "detail-type": ["x"]}) for n in range(count)}


def test_only_rules_naming_the_events_strings_are_tested():
    index = RuleIndex()
    for name, matcher in _rules(300).items():
        index.add(name, matcher)
    index.add("orders", compile({"source": ["com.aws.orders"], "detail": {"v": [1]}}))
    index.add("by-type", compile({"detail-type": ["Order Notification"]}))
    index.add("anything-but", compile({"source": [{"anything-but": "x"}]}))
    assert index.candidates(ORDERS) == {"orders", "by-type", "anything-but"}
    assert index.matching(ORDERS) == {"orders", "by-type", "anything-but"}
    assert index.matching({**ORDERS, "detail": {"v": 2}}) == {"by-type", "anything-but"}


def test_add_replaces_and_remove_forgets():
    index = RuleIndex()
    index.add("a", compile({"source": ["com.aws.orders"]}))
    index.add("a", compile({"source": ["elsewhere"]}))
    assert len(index) == 1 and "a" in index
    assert index.matching(ORDERS) == set()
    index.remove("a")
    index.remove("a")  # removing twice is harmless
    assert len(index) == 0 and index.candidates({"source": "elsewhere"}) == set()
    index.add("b", compile({"$or": [{"source": ["s"]}, {"detail": {"v": [{"numeric": [">", 0]}]}}]}))
    assert index.matching(ORDERS) == {"b"}  # one branch cannot be indexed: always tested


def test_values_in_arrays_and_under_dotted_keys_are_found():
    index = RuleIndex()
    index.add("res", compile({"resources": ["arn:1"]}))
    index.add("state", compile({"detail": {"state": {"status": ["running"]}}}))
    assert index.matching({"resources": ["arn:0", "arn:1"]}) == {"res"}
    assert index.matching({"detail": {"state.status": "running"}}) == {"state"}
    assert index.matching({"detail": [{"state": {"status": ["running"]}}]}) == {"state"}


named_patterns = st.dictionaries(st.sampled_from(list("pqrstuvw")), patterns, max_size=6)


@settings(max_examples=150, deadline=None)
@given(named_patterns, st.lists(events, min_size=1, max_size=3), st.data())
def test_matching_equals_testing_every_rule(rules, batch, data):
    index = RuleIndex()
    matchers = {name: compile(pattern) for name, pattern in rules.items()}
    for name, matcher in matchers.items():
        index.add(name, matcher)
    for name in data.draw(st.lists(st.sampled_from(sorted(rules) or ["none"]), max_size=2)):
        index.remove(name)
        matchers.pop(name, None)
    for event in batch:
        event = {**event, "source": data.draw(SCALAR)}
        expected = {name for name, matcher in matchers.items() if matcher.matches(event)}
        assert index.matching(event) == expected


def test_a_rule_is_looked_up_by_the_field_fewest_rules_share_and_by_prefix():
    index = RuleIndex()
    index.add("orders", compile({"source": ["com.aws.orders"]}))
    for n in range(100):  # one source shared by 200 rules: their detail-type or prefix tells them apart
        index.add(f"type-{n}", compile({"source": ["com.aws.orders"], "detail-type": [f"Type {n}"]}))
        index.add(f"prefix-{n}", compile({"source": ["com.aws.orders"],
                                          "detail": {"location": [{"prefix": f"zz-{n}-"}], "v": [{"numeric": [">", 5]}]}}))
    event = {**ORDERS, "detail": {"location": "eu-west", "v": 9}}
    assert index.candidates(event) == {"orders"}
    assert index.candidates({**event, "detail-type": "Type 7"}) == {"orders", "type-7"}
    assert index.candidates({**event, "detail": {"location": "zz-42-x", "v": 9}}) == {"orders", "prefix-42"}
    assert index.matching({**event, "detail": {"location": "zz-42-x", "v": 9}}) == {"orders", "prefix-42"}
    assert index.matching({**event, "detail": {"location": "zz-42-x", "v": 1}}) == {"orders"}
    index.remove("prefix-42")
    assert index.candidates({**event, "detail": {"location": "zz-42-x", "v": 9}}) == {"orders"}
    index.add("any-prefix", compile({"detail": {"location": [{"prefix": ""}, "exact"]}}))
    assert index.matching(event) == {"orders", "any-prefix"}
