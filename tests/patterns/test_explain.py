"""explain(): which condition failed, and why, in words a learner can act on."""

import pytest

from workshop.patterns import InvalidPatternError, explain

US_LAB_EXTRA = {
    "source": ["com.aws.orders"],
    "detail": {
        "location": [{"prefix": "us-"}],
        "category": ["lab-supplies"],
        "signature": [{"exists": False}],
    },
}


def event(**detail):
    return {"source": "com.aws.orders", "detail-type": "Order Notification", "detail": detail}


def by_path(explanation):
    return {field.path: field for field in explanation.fields}


def test_a_match_lists_every_field_as_matched():
    result = explain(
        {"source": ["com.aws.orders"], "detail": {"location": ["eu-west", "eu-east"]}},
        event(location="eu-west"),
    )
    assert result.matched
    fields = by_path(result)
    assert set(fields) == {"source", "detail.location"}
    assert fields["detail.location"].expected == 'one of "eu-west", "eu-east"'
    assert fields["detail.location"].actual == '"eu-west"'
    assert all(f.matched and not f.reason for f in result.fields)
    assert result.branches == []
    assert "matches" in result.summary


def test_the_failing_condition_is_named():
    result = explain(US_LAB_EXTRA, event(category="office-supplies", location="us-west", signature=["John Doe"]))
    assert not result.matched
    fields = by_path(result)
    assert fields["detail.location"].matched
    assert fields["detail.location"].expected == 'prefix "us-"'
    assert not fields["detail.category"].matched
    assert fields["detail.category"].actual == '"office-supplies"'
    assert "not \"lab-supplies\"" in fields["detail.category"].reason
    signature = fields["detail.signature"]
    assert (signature.expected, signature.matched) == ("must not exist", False)
    assert signature.actual == '["John Doe"]'
    assert "absent" in signature.reason
    assert "1 more field" in result.summary


def test_missing_fields_say_so():
    result = explain({"detail": {"value": [{"numeric": [">", 1000]}]}}, event())
    field = by_path(result)["detail.value"]
    assert (field.actual, field.expected, field.matched) == ("(missing)", "numeric > 1000", False)
    assert "missing" in field.reason


@pytest.mark.parametrize(
    "pattern, value, hint",
    [
        ({"detail": {"value": [300]}}, "300", "types never match across"),
        ({"detail": {"value": ["300"]}}, 300, "types never match across"),
        ({"detail": {"value": [{"numeric": [">", 1]}]}}, "300", "only applies to JSON numbers"),
        ({"detail": {"value": ["x"]}}, {"nested": "x"}, "nest the pattern"),
    ],
)
def test_common_mistakes_get_a_hint(pattern, value, hint):
    field = by_path(explain(pattern, event(value=value)))["detail.value"]
    assert not field.matched
    assert hint in field.reason


def test_or_explains_each_branch():
    pattern = {
        "source": ["com.aws.orders"],
        "$or": [{"detail": {"location": ["eu-west"]}}, {"detail": {"value": [{"numeric": [">", 1000]}]}}],
    }
    result = explain(pattern, event(location="us-east", value=3000))
    assert result.matched
    assert [(b.label, b.matched) for b in result.branches] == [("$or[0]", False), ("$or[1]", True)]
    assert by_path(result)["detail.value"].matched  # the deciding branch is the one that matched
    assert "$or[1]" in result.summary
    failed = result.branches[0]
    assert [f.path for f in failed.fields if not f.matched] == ["detail.location"]


def test_nested_or_labels_name_where_the_or_sits():
    pattern = {"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}
    result = explain(pattern, event(a="0", b="0"))
    assert not result.matched
    assert [b.label for b in result.branches] == ["detail.$or[0]", "detail.$or[1]"]
    assert result.summary.startswith("No $or branch matches")


def test_array_consistency_is_explained():
    pattern = {"detail": {"items": {"sku": ["A"], "qty": [2]}}}
    result = explain(pattern, event(items=[{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]))
    assert not result.matched
    assert all(f.matched for f in result.fields)
    assert "same element" in result.summary
    assert by_path(result)["detail.items.sku"].actual == '"A", "B"'


def test_invalid_patterns_are_refused():
    with pytest.raises(InvalidPatternError):
        explain({"source": "com.aws.orders"}, event())


def test_json_text_is_accepted():
    result = explain('{"source": ["com.aws.orders"]}', '{"source": "com.aws.orders"}')
    assert result.matched
