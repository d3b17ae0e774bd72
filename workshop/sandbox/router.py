"""Which rules and targets an event reaches: read from moto's control plane, cached until it changes.

The front tells us about every successful control-plane write, so the cache is exact: a rule or
target is seen by the very next PutEvents after the call that created it returns.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from .. import patterns

ENABLED_STATES = {"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}


@dataclass
class Route:
    rule_name: str
    rule_arn: str
    bus_name: str
    enabled: bool
    matcher: object | None  # compiled pattern; None for schedule-only rules
    schedule: str | None
    targets: list[dict] = field(default_factory=list)


@dataclass
class BusRoutes:
    name: str
    arn: str
    account: str
    routes: list[Route]
    _index: object | None = field(default=None, repr=False)
    _ranked: dict[str, tuple[int, Route]] = field(default_factory=dict, repr=False)  # name -> (position, route)

    def matching(self, event: dict) -> list[Route]:
        """The enabled rules whose pattern matches, in the bus's order; with the pattern engine's
        RuleIndex the cost hardly grows with the number of rules (only candidates are tested)."""
        index = self._index
        if index is None:
            index = self.prepare()
        if index is False:
            return [r for r in self.routes if r.enabled and r.matcher is not None and r.matcher.matches(event)]
        names = index.matching(event)
        if not names:
            return []
        # In the bus's order, without walking all of its rules.
        ranked = self._ranked
        if len(names) == 1:
            (name,) = names
            return [ranked[name][1]]
        return [route for _, route in sorted(ranked[name] for name in names)]

    def prepare(self):
        """Index the rules (done once, when the bus is read)."""
        self._ranked = {route.rule_name: (n, route) for n, route in enumerate(self.routes)}
        index = self._index = _index_of(self.routes)
        return index


def _index_of(routes: list[Route]):
    try:
        from ..patterns.index import RuleIndex
    except ImportError:  # an engine without the index: every rule is tested
        return False
    index = RuleIndex()
    for route in routes:
        if route.enabled and route.matcher is not None:
            index.add(route.rule_name, route.matcher)
    index.build()
    return index


class Router:
    """Buses' rules by (region, name), read through `read_bus(region, name)` (moto_backends.bus_rules:
    the bus ARN and each rule with its targets, or None) and kept until the next control-plane write."""

    def __init__(self, read_bus):
        self.read_bus = read_bus
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one reader at a time: the others wait for its answer
        self._generation = 0
        self._cache: dict[tuple[str, str], BusRoutes | None] = {}
        self._compiled: dict[str, object] = {}  # pattern text -> matcher: rereading a bus recompiles nothing

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()

    def bus(self, region: str, bus_name_or_arn: str) -> BusRoutes | None:
        name = bus_name_or_arn.rsplit("/", 1)[-1] if bus_name_or_arn.startswith("arn:") else bus_name_or_arn
        key = (region, name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        with self._loading:  # a bus of 300 rules takes a while: PutEvents arriving meanwhile wait for it
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
                generation = self._generation
            loaded = self._load(region, name)
            with self._lock:
                if generation == self._generation:  # nothing changed while we read: safe to keep
                    self._cache[key] = loaded
            return loaded

    def matching(self, region: str, bus: BusRoutes, event: dict) -> list[Route]:
        return bus.matching(event)

    def _load(self, region: str, name: str) -> BusRoutes | None:
        found = self.read_bus(region, name)
        if found is None:
            return None
        arn, rules = found
        routes = [Route(rule_name=rule["Name"], rule_arn=rule["Arn"], bus_name=name,
                        enabled=rule.get("State") in ENABLED_STATES, matcher=self._matcher(rule.get("EventPattern")),
                        schedule=rule.get("ScheduleExpression"), targets=targets)
                  for rule, targets in rules]
        bus = BusRoutes(name, arn, arn.split(":")[4], routes)
        bus.prepare()
        return bus

    def _matcher(self, pattern: str | None):
        if not pattern:
            return None
        matcher = self._compiled.get(pattern)
        if matcher is None:
            matcher = patterns.compile(json.loads(pattern))
            with self._lock:
                if len(self._compiled) >= _MAX_COMPILED:
                    self._compiled.clear()
                self._compiled[pattern] = matcher
        return matcher


_MAX_COMPILED = 10_000
