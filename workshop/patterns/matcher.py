"""Compiling sub-rules into closures that test an event.

Each sub-rule becomes a tree of field checks built once; matching walks only the fields the
pattern names. Where the event holds an array of objects, the fields below it must all be
satisfied by the same element (event-ruler's "array consistency", rulesForJSONEvent).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Iterable

from .eventpaths import MISSING, expand, objects, scalars
from .jsonio import load_event
from .rules import Leaf, Path, SubRule
from .syntax import parse

# Stands for "no object here": every field below it is missing.
NOTHING: Any = MappingProxyType({})

ValueTest = Callable[[Any], bool]
ObjectTest = Callable[[Any], bool]


def _scalar_test(leaf: Leaf) -> ValueTest | None:
    """One test for all the value conditions of a leaf (exists aside), or None if none."""
    strings = frozenset(
        cond.plain_string for cond in leaf.conditions if cond.plain_string is not None
    )
    others = tuple(
        cond.test
        for cond in leaf.conditions
        if cond.exists is None and cond.plain_string is None
    )
    if not others:
        return strings.__contains__ if strings else None
    if not strings and len(others) == 1:
        return others[0]

    def accept(value: Any) -> bool:
        if value in strings:
            return True
        for test in others:
            if test(value):
                return True
        return False

    return accept


def leaf_test(leaf: Leaf) -> ValueTest:
    """Tests what the event holds at the leaf's path (MISSING, a scalar, an array, an object)."""
    accept = _scalar_test(leaf) or (lambda _value: False)
    if_absent = any(cond.exists is False for cond in leaf.conditions)
    if_present = any(cond.exists is True for cond in leaf.conditions)

    # exists applies to leaf values only: an object, or an array without scalars, is absence.
    def test(value: Any) -> bool:
        kind = type(value)
        if kind is list:
            found = False
            for item in scalars(value):
                if if_present or accept(item):
                    return True
                found = True
            return if_absent and not found
        if kind is dict or value is MISSING:
            return if_absent
        return if_present or accept(value)

    return test


def _descend(below: ObjectTest) -> ValueTest:
    def test(value: Any) -> bool:
        kind = type(value)
        if kind is dict:
            return below(value)
        if kind is list:
            elements = objects(value)
            if elements:
                return any(below(element) for element in elements)
        return below(NOTHING)

    return test


def _field_check(name: str, leaf: ValueTest | None, below: ObjectTest | None) -> ObjectTest:
    if below is None:
        return lambda obj: leaf(obj.get(name, MISSING))
    descend = _descend(below)
    if leaf is None:
        return lambda obj: descend(obj.get(name, MISSING))
    return lambda obj: leaf(obj.get(name, MISSING)) and descend(obj.get(name, MISSING))


def _dotted_keys(paths: Iterable[Path]) -> tuple[str, ...]:
    """The dotted event keys that spell a path, or its start: ("a", "b", "c") gives "a.b", "a.b.c"."""
    return tuple(
        sorted({".".join(path[:end]) for path in paths for end in range(2, len(path) + 1)})
    )


def _all_pass(checks: tuple[ObjectTest, ...], obj: Any) -> bool:
    for check in checks:
        if not check(obj):
            return False
    return True


def _object_test(fields: dict[Path, Leaf]) -> ObjectTest:
    """A test of one object against fields whose paths are relative to it.

    An event key such as "state.status" is the field state.status (event-ruler's paths), so
    an object holding a dotted key the fields could reach is expanded first (eventpaths.expand).
    Expanding only adds values, and more values never turn a pass into a failure unless the
    pattern asks for absence; so the object is expanded only when a key that could change the
    answer is there: after a failed check, a key reaching its fields; after a passed one, a
    key reaching a field that must be absent. Events without such keys pay a lookup or two.
    """
    leaves: dict[str, Leaf] = {}
    nested: dict[str, dict[Path, Leaf]] = {}
    for path, leaf in fields.items():
        if len(path) == 1:
            leaves[path[0]] = leaf
        else:
            nested.setdefault(path[0], {})[path[1:]] = leaf
    names = list(dict.fromkeys([*leaves, *nested]))
    checks = tuple(
        _field_check(
            name,
            leaf_test(leaves[name]) if name in leaves else None,
            _object_test(nested[name]) if name in nested else None,
        )
        for name in names
    )
    reaching = tuple(_dotted_keys(p for p in fields if p[0] == name) for name in names)
    if not any(reaching):
        if len(checks) == 1:
            return checks[0]

        def test(obj: Any) -> bool:
            for check in checks:
                if not check(obj):
                    return False
            return True

        return test

    # Only a key reaching a field that must be absent can turn a pass into a failure.
    flipping = tuple(
        _dotted_keys(p for p, leaf in fields.items() if p[0] == name and _wants_absence(leaf))
        for name in names
    )
    keys_if_failed = dict(zip(checks, reaching))
    keys_if_passed = tuple(key for keys in flipping for key in keys)

    def test_dotted(obj: Any) -> bool:
        for check in checks:
            if not check(obj):
                passed, keys = False, keys_if_failed[check]
                break
        else:
            if not keys_if_passed:
                return True
            passed, keys = True, keys_if_passed
        if type(obj) is dict:
            for key in keys:
                if key in obj:
                    return _all_pass(checks, expand(obj))
        return passed

    return test_dotted


def _wants_absence(leaf: Leaf) -> bool:
    return any(cond.exists is False for cond in leaf.conditions)


def rule_test(rule: SubRule) -> ObjectTest:
    return _object_test(rule.fields)


class Matcher:
    """A validated, compiled pattern; reuse it for many events."""

    __slots__ = ("pattern", "rules", "_test")

    def __init__(self, pattern: Any) -> None:
        self.pattern, self.rules = parse(pattern)
        tests = tuple(rule_test(rule) for rule in self.rules)
        if len(tests) == 1:
            self._test = tests[0]
        else:
            self._test = lambda event: any(test(event) for test in tests)

    def matches(self, event: Any) -> bool:
        if type(event) is not dict:
            event = load_event(event)
        return self._test(event)


def compile(pattern: Any) -> Matcher:  # noqa: A001 - the public name the CLI uses
    return Matcher(pattern)


def matches(pattern: Any, event: Any) -> bool:
    return Matcher(pattern).matches(event)
