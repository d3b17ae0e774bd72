"""Routing an event through many rules at once: an index over the strings rules name.

EventBridge compiles all of a bus's rules into one machine, so its routing cost hardly grows
with the number of rules. Most of that comes from one fact: nearly every rule names a field
that must equal one of a few strings (its source, its detail-type), or start with one (a
prefix). A rule can only match an event that holds such a string there, so the index looks the
event's strings (and their prefixes) up and tests only the rules found, plus the few rules it
could not index. Of the fields a rule names, it is indexed by the one fewest rules share (on a
bus where 200 rules name one source, a rule's detail-type or prefix tells them apart), chosen
when the index is next used after a change.

    index = RuleIndex()
    index.add("orders", compile('{"source": ["com.aws.orders"]}'))
    index.matching(event)  # {"orders"} or set()
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from .eventpaths import MISSING, leaf_values, scalars
from .matcher import Matcher
from .rules import Leaf, Path, SubRule

# Fields most rules name: between equally selective fields, these are preferred.
_PREFERRED: tuple[Path, ...] = (("source",), ("detail-type",))

# (path, is_prefix, strings): the field must equal (or start with) one of the strings.
Key = tuple[Path, bool, frozenset[str]]


class _Tables:
    """What candidates() reads: built whole, then swapped in (readers never see half of it)."""

    def __init__(self) -> None:
        self.exact: dict[Path, dict[str, set[str]]] = {}
        self.prefixes: dict[Path, tuple[dict[str, set[str]], tuple[int, ...]]] = {}
        self.unindexed: set[str] = set()


class RuleIndex:
    """Compiled patterns by name; matching(event) gives the names whose pattern matches."""

    def __init__(self) -> None:
        self._matchers: dict[str, Matcher] = {}
        self._keys: dict[str, list[list[Key]] | None] = {}  # per sub-rule, every key it could use
        self._tables: _Tables | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._matchers)

    def __contains__(self, name: object) -> bool:
        return name in self._matchers

    def add(self, name: str, matcher: Matcher) -> None:
        """Index a compiled pattern under name, replacing any pattern already there."""
        keys = [index_keys(rule) for rule in matcher.rules]
        with self._lock:
            self._matchers[name] = matcher
            self._keys[name] = keys if keys and all(keys) else None
            self._tables = None

    def remove(self, name: str) -> None:
        with self._lock:
            if self._matchers.pop(name, None) is not None:
                self._keys.pop(name, None)
                self._tables = None

    def candidates(self, event: dict[str, Any]) -> set[str]:
        """The names whose pattern could match: a superset of matching(event)."""
        tables = self._tables or self._build()
        found = set(tables.unindexed)
        for path, table in tables.exact.items():
            for text in _strings_at(event, path):
                names = table.get(text)
                if names:
                    found |= names
        for path, (table, lengths) in tables.prefixes.items():
            for text in _strings_at(event, path):
                for length in lengths:
                    if length > len(text):
                        break
                    names = table.get(text[:length])
                    if names:
                        found |= names
        return found

    def matching(self, event: dict[str, Any]) -> set[str]:
        """The names whose pattern matches the event (a dict, as Matcher.matches takes)."""
        matchers = self._matchers
        return {name for name in self.candidates(event) if name in matchers and matchers[name].matches(event)}

    def build(self) -> None:
        """Build the lookup tables now (else the first candidates() after a change does)."""
        if self._tables is None:
            self._build()

    def _build(self) -> _Tables:
        with self._lock:
            if self._tables is not None:
                return self._tables
            # How many rules could be indexed under each string at each field: the fewer, the better.
            shared: Counter = Counter()
            for keys in self._keys.values():
                for path, is_prefix, text in {(k[0], k[1], t) for rule in keys or () for k in rule for t in k[2]}:
                    shared[path, is_prefix, text] += 1
            tables = _Tables()
            prefix_tables: dict[Path, dict[str, set[str]]] = {}
            for name, keys in self._keys.items():
                if keys is None:
                    tables.unindexed.add(name)
                    continue
                for rule_keys in keys:
                    path, is_prefix, strings = min(rule_keys, key=lambda k: _cost(k, shared))
                    table = (prefix_tables if is_prefix else tables.exact).setdefault(path, {})
                    for text in strings:
                        table.setdefault(text, set()).add(name)
            tables.prefixes = {path: (table, tuple(sorted({len(t) for t in table})))
                               for path, table in prefix_tables.items()}
            self._tables = tables
            return tables


def _cost(key: Key, shared: Counter) -> tuple:
    path, is_prefix, strings = key
    preferred = _PREFERRED.index(path) if path in _PREFERRED else len(_PREFERRED)
    return (sum(shared[path, is_prefix, text] for text in strings), is_prefix, preferred, len(path), path)


def index_keys(rule: SubRule) -> list[Key]:
    """Every field the sub-rule needs to equal (or start with) one of some strings."""
    keys = []
    for path, leaf in rule.fields.items():
        key = _key_of(path, leaf)
        if key is not None:
            keys.append(key)
    return keys


def _key_of(path: Path, leaf: Leaf) -> Key | None:
    """The strings a leaf needs the field to equal, or to start with when any condition is a
    prefix (an exact string is a prefix of itself, so the lookup still finds every match)."""
    exact = [cond.plain_string for cond in leaf.conditions]
    if all(text is not None for text in exact):
        return (path, False, frozenset(exact)) if exact else None
    texts = [cond.plain_string if cond.plain_string is not None else cond.plain_prefix for cond in leaf.conditions]
    if any(text is None for text in texts):
        return None
    return path, True, frozenset(texts)


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
