"""Amazon SNS subscription filter policies: validate a policy and decide whether a message passes.

Pure (no AWS, no I/O), like `patterns/`: the challenges grade a learner's filter policy with it,
and tests compare it with what the sandbox delivers. It follows SNS's documented rules, which are
close to EventBridge patterns but not the same:

- Scope `MessageAttributes` (the default): each policy key names a message attribute; values are
  typed by the attribute's DataType. `String` matches string conditions; `Number` matches numbers
  (exact value or `numeric`); `String.Array` and `Number.Array` are JSON arrays whose elements are
  matched one by one (any may match); a `String` holding a JSON array is one string. `Binary`
  attributes never match. Policies are flat: no nested keys.
- Scope `MessageBody`: the body must be a JSON object; nested policy objects follow nested body
  objects; an array in the body matches when any element does.
- Every key of the policy must be satisfied (AND); within a key, any one condition (OR); `$or`
  lists alternative sub-policies. A key absent from the message satisfies only `{"exists": false}`.
- Conditions: exact strings or numbers, `prefix`, `suffix`, `equals-ignore-case`, `anything-but`
  (a value, a list, or `{"prefix"|"suffix": ...}`), `numeric` (one or two comparisons), `exists`.
- Numbers are compared by value (`100` equals `100.0`); a numeric condition never matches a string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SCOPES = ("MessageAttributes", "MessageBody")
MAX_KEYS = 5              # SNS: at most five keys (attribute or body property names) per policy
MAX_COMBINATIONS = 150    # SNS: the product of the number of values of each key
_OPERATORS = {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"}
_COMPARISONS = {"=", "<", "<=", ">", ">="}


class InvalidFilterPolicyError(ValueError):
    """What SNS answers to a policy it refuses (SetSubscriptionAttributes fails with InvalidParameter)."""


@dataclass(frozen=True)
class Attribute:
    """A message attribute as SNS's Publish takes it."""

    data_type: str  # String | Number | String.Array | Binary
    value: str


# validation ----------------------------------------------------------------------------------
def validate(policy, scope: str = "MessageAttributes") -> dict:
    """The policy as data; raises InvalidFilterPolicyError with SNS's kind of reason."""
    if isinstance(policy, (str, bytes)):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise InvalidFilterPolicyError(f"FilterPolicy: failed to parse JSON ({exc})") from None
    if scope not in SCOPES:
        raise InvalidFilterPolicyError(f"FilterPolicyScope: must be one of {', '.join(SCOPES)}")
    if not isinstance(policy, dict) or not policy:
        raise InvalidFilterPolicyError("FilterPolicy: the policy must be a non-empty JSON object")
    leaves = _leaves(policy, scope, "")
    if len(leaves) > MAX_KEYS:
        raise InvalidFilterPolicyError(f"FilterPolicy: Filter policy can not have more than {MAX_KEYS} keys")
    combinations = 1
    for _, conditions in leaves:
        combinations *= len(conditions)
    if combinations > MAX_COMBINATIONS:
        raise InvalidFilterPolicyError(f"FilterPolicy: Filter policy is too complex ({combinations} combinations, "
                                       f"at most {MAX_COMBINATIONS})")
    return policy


def _leaves(policy: dict, scope: str, path: str) -> list[tuple[str, list]]:
    found = []
    for key, value in policy.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) and v for v in value):
                raise InvalidFilterPolicyError(f"FilterPolicy: {where} must be a list of at least two policies")
            for alternative in value:
                found += _leaves(alternative, scope, path)
            continue
        if isinstance(value, dict):
            if scope == "MessageAttributes":
                raise InvalidFilterPolicyError(f"FilterPolicy: {where}: nested keys need FilterPolicyScope MessageBody")
            if not value:
                raise InvalidFilterPolicyError(f"FilterPolicy: {where} is an empty object")
            found += _leaves(value, scope, where)
            continue
        if not isinstance(value, list) or not value:
            raise InvalidFilterPolicyError(f"FilterPolicy: {where} must be a non-empty array of conditions")
        for condition in value:
            _check_condition(condition, where)
        found.append((where, value))
    return found


def _check_condition(condition, where: str) -> None:
    if condition is None or isinstance(condition, (str, bool)) or _is_number(condition):
        return
    if not isinstance(condition, dict) or len(condition) != 1:
        raise InvalidFilterPolicyError(f"FilterPolicy: {where}: a condition is a value or an object with one operator")
    operator, operand = next(iter(condition.items()))
    if operator not in _OPERATORS:
        raise InvalidFilterPolicyError(f"FilterPolicy: {where}: Unrecognized match type {operator}")
    if operator in ("prefix", "suffix", "equals-ignore-case") and not (isinstance(operand, str) and operand):
        raise InvalidFilterPolicyError(f"FilterPolicy: {where}: {operator} match pattern must be a non-empty string")
    if operator == "exists" and not isinstance(operand, bool):
        raise InvalidFilterPolicyError(f"FilterPolicy: {where}: exists match pattern must be either true or false.")
    if operator == "numeric":
        _check_numeric(operand, where)
    if operator == "anything-but":
        if isinstance(operand, dict):
            if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix") or not isinstance(next(iter(operand.values())), str):
                raise InvalidFilterPolicyError(f"FilterPolicy: {where}: anything-but takes values, or one prefix or suffix")
        elif isinstance(operand, list):
            if not operand or not all(isinstance(v, str) or _is_number(v) for v in operand):
                raise InvalidFilterPolicyError(f"FilterPolicy: {where}: anything-but list must hold strings or numbers")
        elif not (isinstance(operand, str) or _is_number(operand)):
            raise InvalidFilterPolicyError(f"FilterPolicy: {where}: anything-but takes a string, a number or a list")


def _check_numeric(operand, where: str) -> None:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise InvalidFilterPolicyError(f"FilterPolicy: {where}: numeric takes one or two comparisons, e.g. [\">=\", 100]")
    pairs = [operand[i:i + 2] for i in range(0, len(operand), 2)]
    for op, value in pairs:
        if op not in _COMPARISONS or not _is_number(value):
            raise InvalidFilterPolicyError(f"FilterPolicy: {where}: Unrecognized numeric range operator: {op}")
    if len(pairs) == 2:
        (low_op, low), (high_op, high) = pairs
        if low_op not in (">", ">=") or high_op not in ("<", "<=") or Decimal(str(low)) >= Decimal(str(high)):
            raise InvalidFilterPolicyError(f"FilterPolicy: {where}: a numeric range is a lower bound then a higher upper bound")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# matching ------------------------------------------------------------------------------------
def matches(policy, *, scope: str = "MessageAttributes", attributes: dict[str, Attribute] | None = None,
            body: str | None = None) -> bool:
    """Whether a message with these attributes (or this body) passes the subscription's policy."""
    policy = validate(policy, scope)
    if scope == "MessageAttributes":
        values = {name: _attribute_values(attr) for name, attr in (attributes or {}).items()}
        return _all_keys(policy, lambda key: values.get(key))
    try:
        document = json.loads(body or "")
    except ValueError:
        return False  # SNS applies a body policy to JSON objects only
    return isinstance(document, dict) and _body_matches(policy, [document])


def _attribute_values(attribute: Attribute) -> list | None:
    """The values an attribute offers to conditions; None when it can match nothing but exists."""
    kind = attribute.data_type.split(".", 1)[0]  # custom types ("Number.float") keep their base type
    if attribute.data_type.endswith(".Array") and kind in ("String", "Number"):
        try:
            items = json.loads(attribute.value)
        except ValueError:
            return []
        items = items if isinstance(items, list) else [items]
        return [Decimal(str(i)) if _is_number(i) else i for i in items]
    if kind == "Number":
        try:
            return [Decimal(attribute.value)]
        except InvalidOperation:
            return []
    if kind == "String":
        return [attribute.value]
    return []  # Binary: present, but never equal to anything


def _all_keys(policy: dict, lookup) -> bool:
    for key, conditions in policy.items():
        if key == "$or":
            if not any(_all_keys(alternative, lookup) for alternative in conditions):
                return False
        elif not _key_matches(conditions, lookup(key)):
            return False
    return True


def _body_matches(policy: dict, objects: list) -> bool:
    """Every key holds for some object among `objects` (arrays in the body fan out)."""
    for key, rule in policy.items():
        if key == "$or":
            if not any(_body_matches(alternative, objects) for alternative in rule):
                return False
            continue
        present = [o[key] for o in objects if isinstance(o, dict) and key in o]
        if isinstance(rule, dict):
            nested = [item for value in present for item in (value if isinstance(value, list) else [value])
                      if isinstance(item, dict)]
            if not nested or not _body_matches(rule, nested):
                return False
            continue
        values = None
        if present:
            values = []
            for value in present:
                for item in value if isinstance(value, list) else [value]:
                    values.append(Decimal(str(item)) if _is_number(item) else item)
        if not _key_matches(rule, values):
            return False
    return True


def _key_matches(conditions: list, values: list | None) -> bool:
    """Any condition holds for any of the key's values; None means the key is absent."""
    for condition in conditions:
        if isinstance(condition, dict) and "exists" in condition:
            if condition["exists"] == (values is not None):
                return True
            continue
        if values is None:
            continue
        if any(_condition_holds(condition, value) for value in values):
            return True
    return False


def _condition_holds(condition, value) -> bool:
    if condition is None or isinstance(condition, bool):
        return value is condition
    if isinstance(condition, str):
        return isinstance(value, str) and value == condition
    if _is_number(condition):
        return isinstance(value, Decimal) and value == Decimal(str(condition))
    operator, operand = next(iter(condition.items()))
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == operand.casefold()
    if operator == "numeric":
        return isinstance(value, Decimal) and _in_range(operand, value)
    if operator == "anything-but":
        return _anything_but(operand, value)
    return False


def _in_range(operand: list, value: Decimal) -> bool:
    for op, bound in (operand[i:i + 2] for i in range(0, len(operand), 2)):
        limit = Decimal(str(bound))
        if not {"=": value == limit, "<": value < limit, "<=": value <= limit,
                ">": value > limit, ">=": value >= limit}[op]:
            return False
    return True


def _anything_but(operand, value) -> bool:
    if isinstance(operand, dict):
        kind, text = next(iter(operand.items()))
        if not isinstance(value, str):
            return True
        return not (value.startswith(text) if kind == "prefix" else value.endswith(text))
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_condition_holds(item, value) for item in excluded)
