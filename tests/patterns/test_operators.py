"""Each operator: what matches, what does not, what AWS refuses (AWS docs and event-ruler)."""

import json

import pytest

from workshop.patterns import (
    MAX_PATTERN_LENGTH,
    InvalidEventError,
    InvalidPatternError,
    compile,
    matches,
    validate,
)


def order(**detail):
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order Notification",
        "source": "com.aws.orders",
        "account": "123456789012",
        "time": "2026-11-26T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


EU = {"source": ["com.aws.orders"], "detail": {"location": ["eu-west", "eu-east"]}}
EU_OVER_1000 = {
    "source": ["com.aws.orders"],
    "detail": {"location": [{"prefix": "eu-"}], "value": [{"numeric": [">", 1000]}]},
}
US_LAB = {
    "source": ["com.aws.orders"],
    "detail": {"location": ["us-west", "us-east"], "category": ["lab-supplies"]},
}
US_LAB_EXTRA = {
    "source": ["com.aws.orders"],
    "detail": {
        "location": [{"prefix": "us-"}],
        "category": ["lab-supplies"],
        "signature": [{"exists": False}],
    },
}
REPLAY = {"replay-name": [{"exists": True}], "source": ["com.aws.orders"]}

# (pattern, event, expected)
CASES = [
    # the workshop's own patterns and events (REFERENCE.md)
    ({"source": ["com.aws.orders"]}, order(category="lab-supplies", value=415, location="eu-west"), True),
    ({"source": ["com.aws.orders"]}, {**order(), "source": "com.aws.inventory"}, False),
    (EU, order(category="office-supplies", value=300, location="eu-west"), True),
    (EU, order(category="tech-supplies", value=3000, location="eu-east"), True),
    (EU, order(category="lab-supplies", value=415, location="us-east"), False),
    (EU, {**order(), "detail": {"OrderId": "new_id", "OrderDetails": {"location": "eu-west"}}}, False),
    (EU_OVER_1000, order(category="office-supplies", value=300, location="eu-west"), False),
    (EU_OVER_1000, order(category="tech-supplies", value=3000, location="eu-east"), True),
    (US_LAB, order(category="lab-supplies", value=415, location="us-east"), True),
    (US_LAB, order(category="office-supplies", value=1050, location="us-west", signature=["John Doe"]), False),
    (US_LAB_EXTRA, order(category="lab-supplies", value=415, location="us-east"), True),
    (US_LAB_EXTRA, order(category="lab-supplies", value=415, location="us-east", signature=["John Doe"]), False),
    (REPLAY, {**order(), "replay-name": "r1"}, True),
    (REPLAY, order(), False),
    ({"detail-type": ["Order Processed"]}, {**order(), "detail-type": "Order Processed"}, True),
    # exact values; types never cross
    ({"a": ["300"]}, {"a": 300}, False),
    ({"a": [300]}, {"a": "300"}, False),
    ({"a": [300]}, {"a": 300.0}, True),
    ({"a": [300]}, {"a": 3e2}, True),
    ({"a": [123456789012]}, {"a": 123456789012}, True),
    ({"a": [True]}, {"a": 1}, False),
    ({"a": [1]}, {"a": True}, False),
    ({"a": [True]}, {"a": True}, True),
    ({"a": [None]}, {"a": None}, True),
    ({"a": [None]}, {}, False),
    ({"a": [None]}, {"a": ""}, False),
    ({"a": [""]}, {"a": ""}, True),
    ({"a": ["x"]}, {"a": "X"}, False),
    ({"a": ["10.0.0.1"]}, {"a": "10.0.0.1"}, True),
    ({"a": ["::1"]}, {"a": "0:0:0:0:0:0:0:1"}, True),
    # arrays in events
    ({"resources": ["arn:1", "arn:2"]}, {"resources": ["arn:0", "arn:2"]}, True),
    ({"resources": ["arn:1"]}, {"resources": ["arn:0", "arn:2"]}, False),
    ({"a": ["x"]}, {"a": [["y"], ["x"]]}, True),
    ({"a": ["x"]}, {"a": {"b": "x"}}, False),
    # arrays of objects: fields must match in the same element
    ({"e": {"first": ["Anna"]}}, {"e": [{"first": "John"}, {"first": "Anna"}]}, True),
    ({"e": {"first": ["Anna"], "last": ["Smith"]}}, {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]}, True),
    ({"e": {"first": ["Anna"], "last": ["Jones"]}}, {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]}, False),
    ({"e": {"first": ["Anna"], "last": ["Jones"]}}, {"e": [[{"first": "Anna"}], [{"last": "Jones"}]]}, False),
    ({"e": {"a": [1], "b": [{"exists": False}]}}, {"e": [{"a": 1, "b": 2}, {"a": 1}]}, True),
    # prefix / suffix
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-02T18:43:48Z"}, True),
    ({"time": [{"prefix": "2017-10-02"}]}, {"time": "2017-10-03T18:43:48Z"}, False),
    ({"a": [{"prefix": "1"}]}, {"a": 123}, False),
    ({"a": [{"prefix": ""}]}, {"a": "anything"}, True),
    ({"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"s": "eventbridge"}, True),
    ({"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"s": "Events"}, False),
    ({"f": [{"suffix": ".png"}]}, {"f": "image.png"}, True),
    ({"f": [{"suffix": ".png"}]}, {"f": "image.PNG"}, False),
    ({"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.PNG"}, True),
    # equals-ignore-case
    ({"n": [{"equals-ignore-case": "alice"}]}, {"n": "ALICE"}, True),
    ({"n": [{"equals-ignore-case": "alice"}]}, {"n": "alicia"}, False),
    # wildcard
    ({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a/b.png"}, True),
    ({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a.jpg"}, False),
    ({"f": [{"wildcard": "*"}]}, {"f": ""}, True),
    ({"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"}, True),
    ({"f": [{"wildcard": "a\\*b"}]}, {"f": "axb"}, False),
    ({"f": [{"wildcard": "a\\\\b"}]}, {"f": "a\\b"}, True),
    ({"f": [{"wildcard": "*"}]}, {"f": 5}, False),
    # anything-but
    ({"state": [{"anything-but": "initializing"}]}, {"state": "running"}, True),
    ({"state": [{"anything-but": "initializing"}]}, {"state": "initializing"}, False),
    ({"state": [{"anything-but": "initializing"}]}, {}, False),
    ({"state": [{"anything-but": "initializing"}]}, {"state": 5}, True),
    ({"x": [{"anything-but": 123}]}, {"x": 123.0}, False),
    ({"x": [{"anything-but": 123}]}, {"x": "123"}, True),
    ({"x": [{"anything-but": [100, 200]}]}, {"x": 300}, True),
    ({"state": [{"anything-but": ["stopped", "overloaded"]}]}, {"state": "stopped"}, False),
    ({"state": [{"anything-but": ["stopped"]}]}, {"state": ["stopped", "running"]}, True),
    ({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "us-east-1"}, False),
    ({"r": [{"anything-but": {"prefix": "us-"}}]}, {"r": "eu-west-1"}, True),
    ({"r": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}, {"r": "eu-west-1"}, False),
    ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.png"}, False),
    ({"f": [{"anything-but": {"suffix": ".png"}}]}, {"f": "a.jpg"}, True),
    ({"s": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, {"s": "INITIALIZING"}, False),
    ({"s": [{"anything-but": {"equals-ignore-case": ["a", "b"]}}]}, {"s": "C"}, True),
    ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"}, False),
    ({"p": [{"anything-but": {"wildcard": ["*/lib/*", "*.so"]}}]}, {"p": "/usr/bin/x"}, True),
    # numeric
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5}, True),
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 0}, False),
    ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5.000001}, False),
    ({"c": [{"numeric": ["<", 10]}]}, {"c": -3}, True),
    ({"c": [{"numeric": ["<", 10]}]}, {"c": 10}, False),
    ({"c": [{"numeric": [">=", 10]}]}, {"c": 10}, True),
    ({"c": [{"numeric": ["=", 301.8]}]}, {"c": 301.8}, True),
    ({"c": [{"numeric": ["=", 3.018e2]}]}, {"c": 301.80}, True),
    ({"c": [{"numeric": [">", 0]}]}, {"c": "5"}, False),
    ({"c": [{"numeric": [">", 0]}]}, {"c": True}, False),
    ({"c": [{"numeric": [">", 0]}]}, {"c": 6e9}, False),
    ({"c": [{"numeric": [">", 0]}]}, {"c": [0, 7]}, True),
    # exists
    ({"c": [{"exists": True}]}, {"c": 5}, True),
    ({"c": [{"exists": True}]}, {"c": None}, True),
    ({"c": [{"exists": True}]}, {}, False),
    ({"c": [{"exists": True}]}, {"c": {"c1": 100}}, False),
    ({"c": [{"exists": True}]}, {"c": []}, False),
    ({"c": [{"exists": False}]}, {}, True),
    ({"c": [{"exists": False}]}, {"c": 5}, False),
    ({"c": [{"exists": False}]}, {"c": {"c1": 100}}, True),
    ({"d": {"c": [{"exists": False}]}}, {"x": 1}, True),
    ({"d": {"c": [{"exists": False}]}}, {"d": "scalar"}, True),
    ({"c": ["x", {"exists": False}]}, {}, True),
    ({"c": ["x", {"exists": False}]}, {"c": "y"}, False),
    # cidr
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "not an ip"}, False),
    ({"ip": [{"cidr": "10.0.0.5/24"}]}, {"ip": "10.0.0.1"}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8:1::1"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
    # $or
    ({"source": ["s"], "$or": [{"a": [1]}, {"b": [2]}]}, {"source": "s", "b": 2}, True),
    ({"source": ["s"], "$or": [{"a": [1]}, {"b": [2]}]}, {"source": "s", "b": 3}, False),
    ({"detail": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"d": [{"numeric": ["<", 10]}]}]}}, {"detail": {"d": 3}}, True),
    ({"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [3]}]}]}, {"c": 3}, True),
    ({"a": [1], "$or": [{"a": [2]}, {"b": [3]}]}, {"a": 2}, True),  # later path overrides
    ({"$or": [{"e": {"x": [1]}}, {"z": [1]}], "e": {"y": [2]}}, {"e": [{"x": 1}, {"y": 2}]}, False),
    ({"$or": [{"e": {"x": [1]}}, {"z": [1]}], "e": {"y": [2]}}, {"e": [{"x": 1, "y": 2}]}, True),
]


@pytest.mark.parametrize("pattern, event, expected", CASES)
def test_match(pattern, event, expected):
    assert matches(pattern, event) is expected


@pytest.mark.parametrize("pattern, event, expected", CASES)
def test_json_text_gives_the_same_answer(pattern, event, expected):
    assert compile(json.dumps(pattern)).matches(json.dumps(event)) is expected


# (pattern, the reason AWS gives)
INVALID = [
    ([], "Filter is not an object"),
    ('"source"', "Filter is not an object"),
    ({}, "Empty objects are not allowed"),
    ({"detail": {}}, "Empty objects are not allowed"),
    ({"source": "com.aws.orders"}, '"source" must be an object or an array'),
    ({"source": 5}, '"source" must be an object or an array'),
    ({"source": []}, "Empty arrays are not allowed"),
    ({"source": [["a"]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{}]}, "Match expression name not found"),
    ({"a": [{"contains": "x"}]}, "Unrecognized match type contains"),
    ({"a": [{"prefix": 5}]}, "prefix match pattern must be a string"),
    ({"a": [{"prefix": "a", "suffix": "b"}]}, "Only one key allowed in match expression"),
    ({"a": [{"prefix": {"wildcard": "a"}}]}, "Unsupported prefix pattern: wildcard"),
    ({"a": [{"suffix": {}}]}, "Suffix expression name not found"),
    ({"a": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"a": [{"equals-ignore-case": ["a"]}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 2"),
    ({"a": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 2"),
    ({"a": [{"wildcard": 5}]}, "wildcard match pattern must be a string"),
    ({"a": [{"exists": "true"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"exists": True, "prefix": "x"}]}, "Only one key allowed in match expression"),
    ({"a": [{"anything-but": None}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": True}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": ["a", 1]}]}, "mixed type is not supported"),
    ({"a": [{"anything-but": []}]}, "mixed type is not supported"),
    ({"a": [{"anything-but": [None]}]}, "Inside anything but list, start|null|boolean is not supported."),
    ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported anything-but pattern: numeric"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"a": [{"anything-but": {"prefix": 5}}]}, "prefix/suffix match pattern must be a string"),
    ({"a": [{"anything-but": {"equals-ignore-case": [1]}}]}, "number|start|null|boolean is not supported"),
    ({"a": [{"anything-but": {"wildcard": "a**"}}]}, "Consecutive wildcard characters"),
    ({"a": [{"anything-but": 6e9}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"numeric": ">"}]}, "Value of numeric must be an array."),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"a": [{"numeric": [5]}]}, "Invalid member in numeric match: 5"),
    ({"a": [{"numeric": ["!=", 5]}]}, "Unrecognized numeric range operator: !="),
    ({"a": [{"numeric": [">", "5"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": ["=", True]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": ["<", 5, ">", 1]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 5, ">", 1]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 5, 6]}]}, "Bad value in numeric range: 6"),
    ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": [">", 0, "<", 5, "x"]}]}, "Too many terms in numeric range expression"),
    ({"a": [{"numeric": [">", 0, "<", 6e9]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"numeric": ["=", 1.0000001]}]}, "Only values upto 6 decimals are supported"),
    ({"a": [{"numeric": [">", 5e9]}]}, "Bottom must be less than top"),
    ({"ip": [{"cidr": 5}]}, "prefix match pattern must be a string"),
    ({"ip": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"ip": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"ip": [{"cidr": "10.0.0.0/-1"}]}, "Malformed CIDR, mask bits must not be negative"),
    ({"ip": [{"cidr": "10.0.0.0/32"}]}, "IPv4 mask bits must be < 32"),
    ({"ip": [{"cidr": "::/128"}]}, "IPv6 mask bits must be < 128"),
    ({"ip": [{"cidr": "10.0.0.300/24"}]}, "Invalid IP address: 10.0.0.300"),
    ({"ip": [{"cidr": "example.com/24"}]}, "Nonstandard IP address: example.com"),
    ({"$or": {"a": [1]}}, "It must be an Array followed with $or."),
    ({"$or": [{"a": [1]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"$or": [{"a": [1]}, ["b"]]}, "Only JSON object is allowed in array of $or relationship."),
    ({"$or": [{"a": [1]}, {"numeric": [1]}]}, "numeric is Ruler reserved fieldName which cannot be used inside $or."),
    ({"$or": [{"a": [1]}, {}]}, "Empty objects are not allowed"),
    ('{"source": ["a"]', "Expecting"),
    ('{"a": [NaN]}', "Non-standard token"),
    ({"a": [float("nan")]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{1, 2}]}, "Match value must be String, number, true, false, or null"),
]


@pytest.mark.parametrize("pattern, reason", INVALID)
def test_invalid_pattern(pattern, reason):
    with pytest.raises(InvalidPatternError) as caught:
        validate(pattern)
    assert str(caught.value).startswith("Event pattern is not valid. Reason: ")
    assert reason in caught.value.reason


def test_pattern_size_limit_counts_characters():
    pad = "x" * (MAX_PATTERN_LENGTH - len('{"a":[""]}'))
    assert validate(json.dumps({"a": [pad]}, separators=(",", ":")))
    with pytest.raises(InvalidPatternError, match="2048"):
        validate(json.dumps({"a": [pad + "x"]}, separators=(",", ":")))


def test_validate_returns_the_parsed_pattern():
    assert validate('{"source": ["com.aws.orders"]}') == {"source": ["com.aws.orders"]}


def test_duplicate_keys_merge_objects_and_keep_the_last_leaf():
    text = '{"detail": {"a": ["1"]}, "detail": {"b": ["2"]}, "source": ["x"], "source": ["y"]}'
    assert validate(text) == {"detail": {"a": ["1"], "b": ["2"]}, "source": ["y"]}
    assert matches(text, {"source": "y", "detail": {"a": "1", "b": "2"}})
    assert not matches(text, {"source": "x", "detail": {"a": "1", "b": "2"}})


@pytest.mark.parametrize("event", ['["a"]', "5", "null", "{not json", ["a"], 5])
def test_events_must_be_json_objects(event):
    with pytest.raises(InvalidEventError):
        compile({"a": ["x"]}).matches(event)
