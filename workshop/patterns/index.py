"""Routing an event through many rules at once: an index over the exact strings rules name.

EventBridge compiles all of a bus's rules into one machine, so its routing cost hardly grows
with the number of rules. Most of that comes from one fact: nearly every rule names a field
that must equal one of a few strings (its source, its detail-type). A rule can only match an
event that holds one of those strings there, so the index looks the event's strings up and
tests only the rules found, plus the few rules it could not index.

    index = RuleIndex()
    index.add("orders", compile('{"source": ["com.aws.orders"]}'))
    index.matching(event)  # {"orders"} or set()
"""

from __future__ import annotations

from typing import Any

from .eventpaths import MISSING, leaf_values, scalars
from .matcher import Matcher
from .rules import Leaf, Path, SubRule

# Fields most rules name, tried first so that most rules share a lookup.
_PREFERRED: tuple[Path, ...] = (("source",), ("detail-type",))

Key = tuple[Path, frozenset[str]]


class RuleIndex:
    """Compiled patterns by name; matching(event) gives the names whose pattern matches."""

    def __init__(self) -> None:
        self._matchers: dict[str, Matcher] = {}
        self._keys: dict[str, list[Key]] = {}
        self._tables: dict[Path, dict[str, set[str]]] = {}
        self._unindexed: set[str] = set()

    def __len__(self) -> int:
        return len(self._matchers)

    def __contains__(self, name: object) -> bool:
        return name in self._matchers

    def add(self, name: str, matcher: Matcher) -> None:
        """Index a compiled pattern under name, replacing any pattern already there."""
        self.remove(name)
        self._matchers[name] = matcher
        keys = list(dict.fromkeys(index_key(rule) for rule in matcher.rules))
        if any(key is None for key in keys):
            self._unindexed.add(name)
            return
        self._keys[name] = keys
        for path, strings in keys:
            table = self._tables.setdefault(path, {})
            for text in strings:
                table.setdefault(text, set()).add(name)

    def remove(self, name: str) -> None:
        if self._matchers.pop(name, None) is None:
            return
        self._unindexed.discard(name)
        for path, strings in self._keys.pop(name, ()):
            table = self._tables[path]
            for text in strings:
                names = table.get(text)
                if names is not None:
                    names.discard(name)
                    if not names:
                        del table[text]
            if not table:
                del self._tables[path]

    def candidates(self, event: dict[str, Any]) -> set[str]:
        """The names whose pattern could match: a superset of matching(event)."""
        found = set(self._unindexed)
        for path, table in self._tables.items():
            for text in _strings_at(event, path):
                names = table.get(text)
                if names:
                    found |= names
        return found

    def matching(self, event: dict[str, Any]) -> set[str]:
        """The names whose pattern matches the event (a dict, as Matcher.matches takes)."""
        matchers = self._matchers
        return {name for name in self.candidates(event) if matchers[name].matches(event)}


def index_key(rule: SubRule) -> Key | None:
    """A field the sub-rule needs to equal one of some strings, and those strings; else None."""
    exact = {path: leaf for path, leaf in rule.fields.items() if _exact_strings(leaf)}
    if not exact:
        return None
    for path in _PREFERRED:
        if path in exact:
            return path, _exact_strings(exact[path])
    path = min(exact, key=lambda p: (len(p), len(exact[p].conditions), p))
    return path, _exact_strings(exact[path])


def _exact_strings(leaf: Leaf) -> frozenset[str]:
    """The strings a leaf accepts, when it accepts nothing else (an empty set otherwise)."""
    strings = [cond.plain_string for cond in leaf.conditions]
    if any(text is None for text in strings):
        return frozenset()
    return frozenset(strings)


def _strings_at(event: dict[str, Any], path: Path) -> list[str]:
    if len(path) == 1:
        # One step needs no dotted-key care: a key "source.x" adds no string to "source".
        value = event.get(path[0], MISSING)
        if type(value) is str:
            return [value]
        if type(value) is list:
            return [v for v in scalars(value) if type(v) is str]
        return []
    return [v for v in leaf_values(event, path) if type(v) is str]
