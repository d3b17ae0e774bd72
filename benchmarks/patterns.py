"""Matches per second of the workshop's patterns: our compiled matcher beside moto's; and
events routed per second through a bus of 1 or 300 rules, by RuleIndex and by testing each rule.

    python benchmarks/patterns.py [--json] [--events N]

Each pattern is tried against the workshop's sample events (REFERENCE.md) in turn; "mixed"
tries every pattern. Both engines see the same dict events and answer the same questions; the
table also counts the events on which they disagree. For routing, the bus holds the workshop's
patterns plus rules on other sources and detail-types (which never match), as on a busy bus.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.events.models import EventPattern  # noqa: E402

from workshop.patterns import RuleIndex  # noqa: E402
from workshop.patterns import compile as compile_pattern  # noqa: E402

PATTERNS: dict[str, dict[str, Any]] = {
    "source only": {"source": ["com.aws.orders"]},
    "EU locations": {
        "source": ["com.aws.orders"],
        "detail": {"location": ["eu-west", "eu-east"]},
    },
    "US lab supplies": {
        "source": ["com.aws.orders"],
        "detail": {
            "location": [{"prefix": "us-"}],
            "category": ["lab-supplies"],
            "signature": [{"exists": False}],
        },
    },
    "EU over 1000": {
        "source": ["com.aws.orders"],
        "detail": {"location": [{"prefix": "eu-"}], "value": [{"numeric": [">", 1000]}]},
    },
}

DETAILS = [
    {"category": "lab-supplies", "value": 415, "location": "eu-west"},
    {"category": "lab-supplies", "value": 415, "location": "us-east"},
    {"category": "office-supplies", "value": 300, "location": "eu-west"},
    {"category": "tech-supplies", "value": 3000, "location": "eu-east"},
    {
        "category": "office-supplies",
        "value": 1050,
        "location": "us-west",
        "signature": ["John Doe"],
    },
    {"category": "office-supplies", "value": 1200, "location": "eu-west"},
]


def sample_event(index: int, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"00000000-0000-0000-0000-{index:012d}",
        "detail-type": "Order Notification",
        "source": "com.aws.orders",
        "account": "123456789012",
        "time": "2026-11-26T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


EVENTS = [sample_event(i, d) for i, d in enumerate(DETAILS)]


def rate(tests: list[Callable[[dict], bool]], events: list[dict], count: int) -> float:
    """Matches per second over count calls, cycling through tests × events."""
    pairs = [(test, event) for test in tests for event in events]
    rounds = max(1, count // len(pairs))
    start = time.perf_counter()
    for _ in range(rounds):
        for test, event in pairs:
            test(event)
    return rounds * len(pairs) / (time.perf_counter() - start)


def disagreements(ours: list[Callable], theirs: list[Callable], events: list[dict]) -> int:
    return sum(
        a(event) != b(event) for a, b in zip(ours, theirs) for event in events
    )


def measure(count: int) -> list[dict[str, Any]]:
    rows = []
    sets = {name: [pattern] for name, pattern in PATTERNS.items()}
    sets["mixed"] = list(PATTERNS.values())
    for name, patterns in sets.items():
        ours = [compile_pattern(p).matches for p in patterns]
        theirs = [EventPattern.load(json.dumps(p)).matches_event for p in patterns]
        ours_rate = rate(ours, EVENTS, count)
        moto_rate = rate(theirs, EVENTS, count // 10)  # moto is slow; fewer calls suffice
        rows.append(
            {
                "patterns": name,
                "ours_per_s": round(ours_rate),
                "moto_per_s": round(moto_rate),
                "speedup": round(ours_rate / moto_rate, 1),
                "disagreements": disagreements(ours, theirs, EVENTS),
            }
        )
    return rows


def other_rule(n: int) -> dict[str, Any]:
    """A rule of another team on the bus: its own source or detail-type, never an order."""
    if n % 2:
        return {"source": [f"com.example.team{n}"], "detail": {"state": ["ready"]}}
    return {"detail-type": [f"Team {n} Notification"], "detail": {"v": [{"numeric": [">", n]}]}}


def bus(extra: int) -> dict[str, Any]:
    rules = {name: compile_pattern(p) for name, p in PATTERNS.items()}
    rules.update({f"other-{n}": compile_pattern(other_rule(n)) for n in range(extra)})
    return rules


def routing(count: int, sizes: tuple[int, ...] = (0, 300)) -> list[dict[str, Any]]:
    rows = []
    for extra in sizes:
        rules = bus(extra)
        index = RuleIndex()
        for name, matcher in rules.items():
            index.add(name, matcher)
        tests = list(rules.values())

        def scan(event: dict) -> list[bool]:
            return [test.matches(event) for test in tests]

        rounds = max(1, count // len(EVENTS) // 20)
        indexed, scanned = [], []
        for _ in range(5):  # best of five: the machine is shared
            indexed.append(_per_second(index.matching, rounds))
            scanned.append(_per_second(scan, max(1, rounds // (1 + extra // 10))))
        assert all(
            index.matching(e) == {n for n, m in rules.items() if m.matches(e)} for e in EVENTS
        )
        rows.append(
            {
                "rules": len(rules),
                "indexed_events_per_s": round(max(indexed)),
                "each_rule_events_per_s": round(max(scanned)),
            }
        )
    return rows


def _per_second(route: Callable[[dict], Any], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for event in EVENTS:
            route(event)
    return rounds * len(EVENTS) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--events", type=int, default=300_000, help="calls per engine and set")
    args = parser.parse_args()
    rows = measure(args.events)
    routes = routing(args.events)
    if args.json:
        print(json.dumps({"unit": "matches per second", "results": rows,
                          "routing": {"unit": "events per second", "results": routes}}, indent=2))
        return
    print(f"{'patterns':<18}{'ours/s':>12}{'moto/s':>12}{'speedup':>9}{'disagree':>10}")
    for row in rows:
        print(
            f"{row['patterns']:<18}{row['ours_per_s']:>12,}{row['moto_per_s']:>12,}"
            f"{row['speedup']:>8}x{row['disagreements']:>10}"
        )
    print(f"\n{'rules on the bus':<18}{'indexed/s':>12}{'each rule/s':>13}")
    for row in routes:
        print(
            f"{row['rules']:<18}{row['indexed_events_per_s']:>12,}"
            f"{row['each_rule_events_per_s']:>13,}"
        )


if __name__ == "__main__":
    main()
