"""Reading a pattern: AWS's validation rules, and its expansion into sub-rules.

The checks and their messages follow event-ruler's JsonRuleCompiler, CIDR and WildcardParser
(github.com/aws/event-ruler), which is what EventBridge reports in InvalidEventPatternException.
Like event-ruler, a pattern is expanded into sub-rules: one per combination of `$or` branches,
each a flat map from field path to leaf conditions. A path written again in the same sub-rule
replaces the earlier one (event-ruler's default "overriding").
"""

from __future__ import annotations

import re
from typing import Any

from . import conditions as c
from .conditions import Condition
from .complexity import check_complexity
from .errors import InvalidPatternError
from .glob import check_wildcard
from .jsonio import load_pattern
from .rules import OR, Leaf, Path, SubRule

# Default EventBridge quota "Event pattern size" (adjustable up to the API maximum of 4096).
MAX_PATTERN_LENGTH = 2048

# A guard of this engine, not of AWS: each `$or` multiplies the sub-rules.
MAX_SUBRULES = 1024

# Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP: not allowed as field names inside `$or`.
RESERVED_IN_OR = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex",
        "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    }
)


def fail(reason: str) -> None:
    raise InvalidPatternError(reason)


def parse(
    pattern: Any, max_length: int = MAX_PATTERN_LENGTH
) -> tuple[dict[str, Any], list[SubRule]]:
    """The pattern as a dict, and its sub-rules; raises InvalidPatternError."""
    value, length = load_pattern(pattern)
    if length > max_length:
        fail(f"Event pattern is {length} characters long; the limit is {max_length}")
    if not isinstance(value, dict):
        fail("Filter is not an object")
    rules: list[SubRule] = []
    _object(value, (), rules, inside_or=False)
    check_complexity(rules)
    return value, rules


def _object(obj: dict[str, Any], path: Path, rules: list[SubRule], inside_or: bool) -> None:
    if not obj:
        fail("Empty objects are not allowed")
    for name, value in obj.items():
        if not isinstance(name, str):
            fail(f"Field names must be strings, not {name!r}")
        if name == OR:
            _or(value, path, rules)
            continue
        if inside_or and name in RESERVED_IN_OR:
            fail(f"{name} is Ruler reserved fieldName which cannot be used inside {OR}.")
        # event-ruler names fields by dotted paths: "a.b" is the field b inside a.
        here = (*path, *name.split("."))
        if isinstance(value, dict):
            _object(value, here, rules, inside_or)
        elif isinstance(value, list):
            leaf = Leaf(tuple(_match_value(item) for item in value))
            if not leaf.conditions:
                fail("Empty arrays are not allowed")
            if not rules:
                rules.append(SubRule())
            for rule in rules:
                rule.fields[here] = leaf
        else:
            fail(f'"{name}" must be an object or an array')


def _or(value: Any, path: Path, rules: list[SubRule]) -> None:
    before = [SubRule(dict(r.fields), r.choices) for r in rules] or [SubRule()]
    rules.clear()
    if not isinstance(value, list):
        fail(f"It must be an Array followed with {OR}.")
    for index, branch in enumerate(value):
        if not isinstance(branch, dict):
            fail(f"Only JSON object is allowed in array of {OR} relationship.")
        forked = [SubRule(dict(r.fields), (*r.choices, (path, index))) for r in before]
        _object(branch, path, forked, inside_or=True)
        rules.extend(forked)
        if len(rules) > MAX_SUBRULES:
            fail(f"Too many {OR} combinations (more than {MAX_SUBRULES})")
    if len(value) < 2:
        fail(f"There must have at least 2 Objects in {OR} relationship.")


def _match_value(item: Any) -> Condition:
    if isinstance(item, dict):
        return _match_expression(item)
    if item is None or isinstance(item, (str, bool)) or c.is_number(item):
        return c.equals(item)
    fail("Match value must be String, number, true, false, or null")


_ONE_KEY = "Only one key allowed in match expression"
# event-ruler reports extra keys after "numeric" and "anything-but" with this message.
_TOO_MANY_NUMERIC = "Too many elements in numeric expression"


def _only_key(expression: dict[str, Any], message: str = _ONE_KEY) -> None:
    if len(expression) > 1:
        fail(message)


def _match_expression(expression: dict[str, Any]) -> Condition:
    if not expression:
        fail("Match expression name not found")
    name, value = next(iter(expression.items()))
    if name in ("prefix", "suffix"):
        if isinstance(value, dict):
            condition = _ignore_case_affix(name, value)
        elif isinstance(value, str):
            condition = c.prefix(value) if name == "prefix" else c.suffix(value)
        else:
            fail(f"{name} match pattern must be a string")
        _only_key(expression)
        return condition
    if name == "equals-ignore-case":
        if not isinstance(value, str):
            fail("equals-ignore-case match pattern must be a string")
        _only_key(expression)
        return c.equals_ignore_case(value)
    if name == "wildcard":
        if not isinstance(value, str):
            fail("wildcard match pattern must be a string")
        check_wildcard(value)
        _only_key(expression)
        return c.wildcard(value)
    if name == "numeric":
        if not isinstance(value, list):
            fail("Value of numeric must be an array.")
        condition = _numeric(value)
        _only_key(expression, _TOO_MANY_NUMERIC)
        return condition
    if name == "anything-but":
        condition = _anything_but(value)
        _only_key(expression, _TOO_MANY_NUMERIC)
        return condition
    if name == "exists":
        if not isinstance(value, bool):
            fail("exists match pattern must be either true or false.")
        _only_key(expression)
        return c.exists(value)
    if name == "cidr":
        if not isinstance(value, str):
            fail("prefix match pattern must be a string")  # sic: event-ruler's wording
        condition = _cidr(value)
        _only_key(expression)
        return condition
    fail(f"Unrecognized match type {name}")


def _ignore_case_affix(name: str, inner: dict[str, Any]) -> Condition:
    if not inner:
        fail(f"{name.capitalize()} expression name not found")
    op, text = next(iter(inner.items()))
    if op != "equals-ignore-case":
        fail(f"Unsupported {name} pattern: {op}")
    if not isinstance(text, str):
        fail("equals-ignore-case match pattern must be a string")
    _only_key(inner)
    affix = c.prefix if name == "prefix" else c.suffix
    return affix(text, ignore_case=True)


def _numeric_value(number: Any) -> None:
    if not -c.NUMERIC_LIMIT <= number <= c.NUMERIC_LIMIT:
        fail("Value must be between -5.0E9 and 5.0E9, inclusive")
    if c.decimal_places(number) > c.NUMERIC_DECIMALS:
        fail("Only values upto 6 decimals are supported")


def _token_text(terms: list[Any], index: int) -> str:
    """What Jackson's getText() shows for the token at index."""
    if index >= len(terms):
        return "]"
    term = terms[index]
    if isinstance(term, (dict, list)):
        return "{" if isinstance(term, dict) else "["
    return term if isinstance(term, str) else c.quote(term)


def _numeric(terms: list[Any]) -> Condition:
    def number_at(index: int, op: str) -> Any:
        if index >= len(terms) or not c.is_number(terms[index]):
            fail(f"Value of {'equals' if op == '=' else op} must be numeric")
        return terms[index]

    if not terms or not isinstance(terms[0], str):
        fail(f"Invalid member in numeric match: {_token_text(terms, 0)}")
    op = terms[0]
    if op == "=":
        value = number_at(1, op)
        if len(terms) > 2:
            fail(_TOO_MANY_NUMERIC)
        _numeric_value(value)
        return c.numeric(value, False, value, False, f"= {c.quote(value)}")
    if op in ("<", "<="):
        top = number_at(1, op)
        if len(terms) > 2:
            fail(_TOO_MANY_NUMERIC)
        _check_order(-c.NUMERIC_LIMIT, top)
        return c.numeric(None, False, top, op == "<", f"{op} {c.quote(top)}")
    if op not in (">", ">="):
        fail(f"Unrecognized numeric range operator: {op}")
    bottom = number_at(1, op)
    if len(terms) == 2:
        _check_order(bottom, c.NUMERIC_LIMIT)
        return c.numeric(bottom, op == ">", None, False, f"{op} {c.quote(bottom)}")
    top_op = terms[2]
    if not isinstance(top_op, str):
        fail(f"Bad value in numeric range: {_token_text(terms, 2)}")
    if top_op not in ("<", "<="):
        fail(f"Bad numeric range operator: {top_op}")
    top = number_at(3, top_op)
    if len(terms) > 4:
        fail("Too many terms in numeric range expression")
    _check_order(bottom, top)
    return c.numeric(
        bottom, op == ">", top, top_op == "<",
        f"{op} {c.quote(bottom)} and {top_op} {c.quote(top)}",
    )


def _check_order(bottom: Any, top: Any) -> None:
    # event-ruler's Range checks the order before the bounds of each value.
    if bottom >= top:
        fail("Bottom must be less than top")
    _numeric_value(bottom)
    _numeric_value(top)


_ANYTHING_BUT_SETS = {
    "equals-ignore-case": c.anything_but_ignore_case,
    "prefix": c.anything_but_prefix,
    "suffix": c.anything_but_suffix,
    "wildcard": c.anything_but_wildcard,
}


def _anything_but(value: Any) -> Condition:
    if isinstance(value, dict):
        return _anything_but_set(value)
    if isinstance(value, list):
        for item in value:
            if not (isinstance(item, str) or c.is_number(item)):
                fail("Inside anything but list, start|null|boolean is not supported.")
        kinds = {isinstance(item, str) for item in value}
        if len(kinds) != 1:
            fail(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        values = value
    elif isinstance(value, str) or c.is_number(value):
        values = [value]
    else:
        fail("Value of anything-but must be an array or single string/number value.")
    for item in values:
        if c.is_number(item):
            _numeric_value(item)
    return c.anything_but(values)


def _anything_but_set(inner: dict[str, Any]) -> Condition:
    if not inner:
        fail("Anything-But expression name not found")
    op, value = next(iter(inner.items()))
    if op not in _ANYTHING_BUT_SETS:
        fail(f"Unsupported anything-but pattern: {op}")
    if not isinstance(value, (list, str)) and not c.is_number(value):
        fail("Value of anything-but must be an array or single string/number value.")
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, str):
            if op == "equals-ignore-case":
                fail(
                    "Inside anything-but/equals-ignore-case list, "
                    "number|start|null|boolean is not supported."
                )
            if op == "wildcard":
                fail("wildcard match pattern must be a string")
            fail("prefix/suffix match pattern must be a string")
        if op in ("prefix", "suffix") and not item:
            fail("Null prefix/suffix not allowed")
        if op == "wildcard":
            check_wildcard(item)
    _only_key(inner, _TOO_MANY_NUMERIC)
    return _ANYTHING_BUT_SETS[op](values)


_JAVA_INT = re.compile(r"[+-]?[0-9]+")  # what Integer.parseInt accepts


def _cidr(text: str) -> Condition:
    parts = text.split("/")
    while len(parts) > 1 and not parts[-1]:
        parts.pop()  # Java's String.split drops trailing empty strings
    if len(parts) != 2:
        fail("Malformed CIDR, one '/' required")
    address_text, mask_text = parts
    if not _JAVA_INT.fullmatch(mask_text):
        fail("Malformed CIDR, mask bits must be an integer")
    mask = int(mask_text)
    if mask < 0:
        fail("Malformed CIDR, mask bits must not be negative")
    address = c.ip_address(address_text)
    if address is None:
        if c.looks_like_ip(address_text):
            fail(f"Invalid IP address: {address_text}")
        fail(f"Nonstandard IP address: {address_text}")
    if address.version == 4 and mask > 31:
        fail("IPv4 mask bits must be < 32")
    if address.version == 6 and mask > 127:
        fail("IPv6 mask bits must be < 128")
    return c.cidr(address, mask, text)
