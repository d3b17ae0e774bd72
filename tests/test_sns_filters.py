"""SNS subscription filter policies, by SNS's documented rules (attributes and message body)."""

from __future__ import annotations

import json

import pytest

from workshop.sns_filters import Attribute, InvalidFilterPolicyError, matches, validate


def attrs(**values) -> dict[str, Attribute]:
    out = {}
    for name, value in values.items():
        if isinstance(value, list):
            out[name] = Attribute("String.Array", json.dumps(value))
        elif isinstance(value, (int, float)):
            out[name] = Attribute("Number", str(value))
        else:
            out[name] = Attribute("String", value)
    return out


ATTRIBUTE_CASES = [
    # (policy, attributes, passes)
    ({"location": ["eu-west"]}, attrs(location="eu-west"), True),
    ({"location": ["eu-west"]}, attrs(location="us-east"), False),
    ({"location": ["eu-west"]}, {}, False),
    ({"quantity": [{"numeric": [">=", 100]}]}, attrs(quantity=100), True),
    ({"quantity": [{"numeric": [">=", 100]}]}, attrs(quantity=99.5), False),
    ({"quantity": [{"numeric": [">=", 100]}]}, {"quantity": Attribute("String", "150")}, False),  # a string is not a number
    ({"quantity": [100]}, attrs(quantity=100.0), True),  # numbers compare by value
    ({"quantity": [{"numeric": [">", 0, "<=", 5]}]}, attrs(quantity=5), True),
    ({"location": [{"prefix": "eu"}]}, attrs(location="eu-west"), True),
    ({"location": [{"prefix": "eu"}]}, attrs(location="us-east"), False),
    ({"location": [{"suffix": "west"}]}, attrs(location="eu-west"), True),
    ({"location": [{"equals-ignore-case": "EU-WEST"}]}, attrs(location="eu-west"), True),
    ({"location": [{"anything-but": ["us-east", "us-west"]}]}, attrs(location="eu-west"), True),
    ({"location": [{"anything-but": ["us-east", "us-west"]}]}, attrs(location="us-east"), False),
    ({"location": [{"anything-but": {"prefix": "us"}}]}, attrs(location="us-east"), False),
    ({"location": [{"anything-but": "us-east"}]}, {}, False),  # no value to judge
    ({"location": [{"exists": True}]}, attrs(location="x"), True),
    ({"location": [{"exists": False}]}, {}, True),
    ({"location": [{"exists": False}]}, attrs(location="x"), False),
    ({"tags": ["rugby"]}, attrs(tags=["tennis", "rugby"]), True),  # String.Array: any element
    ({"tags": ["rugby"]}, {"tags": Attribute("String", '["rugby"]')}, False),  # a String is not an array
    ({"price": [{"anything-but": [100, 500]}]}, {"price": Attribute("Number.Array", "[100, 50]")}, True),  # 50 is neither
    ({"price": [{"numeric": [">", 400]}]}, {"price": Attribute("Number.Array", "[100, 500]")}, True),
    ({"price": [{"numeric": [">", 400]}]}, {"price": Attribute("Number.Array", "[100, 50]")}, False),
    ({"price": [100]}, {"price": Attribute("Number.float", "100.0")}, True),  # a custom Number type is a number
    ({"blob": [{"exists": True}]}, {"blob": Attribute("Binary", "AAE=")}, True),
    ({"blob": ["AAE="]}, {"blob": Attribute("Binary", "AAE=")}, False),  # Binary never matches a value
    ({"location": ["eu-west"], "quantity": [{"numeric": [">=", 100]}]}, attrs(location="eu-west", quantity=150), True),
    ({"location": ["eu-west"], "quantity": [{"numeric": [">=", 100]}]}, attrs(location="eu-west", quantity=50), False),
    ({"$or": [{"location": ["eu-west"]}, {"quantity": [{"numeric": [">", 10]}]}]}, attrs(quantity=11), True),
    ({"$or": [{"location": ["eu-west"]}, {"quantity": [{"numeric": [">", 10]}]}]}, attrs(quantity=1), False),
]


@pytest.mark.parametrize("policy,attributes,passes", ATTRIBUTE_CASES)
def test_message_attributes(policy, attributes, passes):
    assert matches(policy, attributes=attributes) is passes


BODY_CASES = [
    ({"category": ["books"]}, {"category": "books"}, True),
    ({"category": ["books"]}, {"category": "lab-supplies"}, False),
    ({"order": {"category": ["books"]}}, {"order": {"category": "books"}}, True),
    ({"order": {"category": ["books"]}}, {"order": {"kind": "books"}}, False),
    ({"items": {"category": ["books"]}}, {"items": [{"category": "toys"}, {"category": "books"}]}, True),
    ({"tags": ["a"]}, {"tags": ["b", "a"]}, True),
    ({"quantity": [{"numeric": [">=", 100]}]}, {"quantity": 100}, True),
    ({"quantity": [{"numeric": [">=", 100]}]}, {"quantity": "100"}, False),
    ({"paid": [True]}, {"paid": True}, True),
    ({"note": [None]}, {"note": None}, True),
    ({"note": [{"exists": False}]}, {"other": 1}, True),
]


@pytest.mark.parametrize("policy,body,passes", BODY_CASES)
def test_message_body(policy, body, passes):
    assert matches(policy, scope="MessageBody", body=json.dumps(body)) is passes


def test_a_body_policy_needs_a_json_object():
    assert matches({"category": ["books"]}, scope="MessageBody", body="books") is False
    assert matches({"category": ["books"]}, scope="MessageBody", body="[1]") is False


@pytest.mark.parametrize("policy,scope", [
    ({}, "MessageAttributes"),
    ({"a": "x"}, "MessageAttributes"),
    ({"a": []}, "MessageAttributes"),
    ({"a": {"b": ["x"]}}, "MessageAttributes"),  # nesting needs the body scope
    ({"a": [{"wildcard": "x*"}]}, "MessageAttributes"),
    ({"a": [{"numeric": ["=>", 1]}]}, "MessageAttributes"),
    ({"a": [{"numeric": ["<", 1, ">", 5]}]}, "MessageAttributes"),
    ({"a": [{"exists": "yes"}]}, "MessageAttributes"),
    ({k: ["x"] for k in "abcdef"}, "MessageAttributes"),  # more than five keys
    ({"a": list(range(13)), "b": list(range(13))}, "MessageAttributes"),  # 169 combinations
    ({"a": ["x"]}, "Everything"),
])
def test_invalid_policies_are_refused(policy, scope):
    with pytest.raises(InvalidFilterPolicyError):
        validate(policy, scope)


def test_a_policy_may_be_json_text():
    assert validate('{"a": ["x"]}') == {"a": ["x"]}
    with pytest.raises(InvalidFilterPolicyError):
        validate("{not json")
