"""EventBridge's "Rule is too complex" check for wildcards (event-ruler's MachineComplexityEvaluator).

event-ruler matches the quoted UTF-8 bytes of a value against a machine built from every
pattern on a field. Its complexity is the most wildcard-pattern prefixes that a single input
could match at once: `*aa` scores 3 on "aa" (`*`, `*a`, `*aa`), `*a*a*a*a*a*a*a*a*` scores 17.
Each prefix is a state the matcher carries along, so the score is its worst-case cost per
byte. EventBridge refuses a rule whose machine scores more than 10 (the per-rule limit
event-ruler's README gives as the example for "30 rules containing wildcards per bus", which is
EventBridge's documented quota).

The score here is exact for the model: a search over the sets of pattern positions that some
input reaches, stopped as soon as the limit is passed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from .errors import InvalidPatternError
from .glob import STAR, tokens
from .rules import SubRule

Identity = tuple[str, tuple[str, ...]]  # (condition kind, its wildcard texts): one pattern

MAX_COMPLEXITY = 10
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating "
    "character sequences after a wildcard character"
)
QUOTE = ord('"')
_OTHER = -2  # a byte that no pattern names
_MAX_SETS = 20_000  # a guard on the search itself; no pattern under 2048 characters needs it


def check_complexity(rules: Iterable[SubRule]) -> None:
    """Raise InvalidPatternError if any field's wildcards make the rule too complex."""
    for wildcards in set(map(frozenset, field_wildcards(rules).values())):
        if _score(wildcards) > MAX_COMPLEXITY:
            raise InvalidPatternError(TOO_COMPLEX)


@lru_cache(maxsize=512)
def _score(wildcards: frozenset[Identity]) -> int:
    return complexity(wildcards)


def field_wildcards(rules: Iterable[SubRule]) -> dict[tuple, set[Identity]]:
    """The wildcard patterns that share one of event-ruler's machines.

    event-ruler visits a rule's fields in name order; a field's machine is shared by the
    sub-rules that agree on every field before it.
    """
    groups: dict[tuple, set[Identity]] = {}
    for rule in rules:
        if not any(cond.wildcards for leaf in rule.fields.values() for cond in leaf.conditions):
            continue
        before: tuple = ()
        for path, leaf in sorted(rule.fields.items(), key=lambda item: ".".join(item[0])):
            found = {
                (cond.kind, tuple(sorted(set(cond.wildcards))))
                for cond in leaf.conditions
                if cond.wildcards
            }
            if found:
                groups.setdefault((before, path), set()).update(found)
            before = (*before, (path, tuple(sorted(c.description for c in leaf.conditions))))
    return groups


def complexity(
    patterns: Iterable[str | Identity], ceiling: int = MAX_COMPLEXITY, quoted: bool = True
) -> int:
    """The worst-case number of wildcard prefixes matching one input, or the first value
    found above ceiling. patterns: wildcard texts, or (kind, texts) for one pattern with
    several values (an anything-but list). quoted: as in a rule, where event-ruler adds the
    value's quotes."""
    ends = [QUOTE] if quoted else []
    identities = sorted({("wildcard", (p,)) if isinstance(p, str) else p for p in patterns})
    machines: list[list[int]] = []
    # A state of the machine, as event-ruler shares them: one pattern's values share the
    # states up to their first star (a trie), and no state after it.
    names: list[list[tuple]] = []
    for number, (_kind, texts) in enumerate(identities):
        for text in texts:
            machine = [*ends, *tokens(text), *ends]
            first_star = machine.index(STAR) if STAR in machine else len(machine)
            names.append([
                (number, tuple(machine[:p])) if p <= first_star + 1 else (number, len(machines), p)
                for p in range(len(machine) + 1)
            ])
            machines.append(machine)
    if not machines:
        return 0
    start = tuple(_closure(machine, {0}) for machine in machines)
    seen = {start}
    pending = [start]
    worst = 0
    while pending:
        active = pending.pop()
        for byte in _bytes_that_matter(machines, active):
            following = tuple(
                _step(machine, positions, byte) for machine, positions in zip(machines, active)
            )
            score = len({names[m][p] for m, positions in enumerate(following) for p in positions})
            if score > worst:
                worst = score
                if worst > ceiling:
                    return worst
            if score and following not in seen:
                if len(seen) >= _MAX_SETS:
                    return ceiling + 1
                seen.add(following)
                pending.append(following)
    return worst


def _bytes_that_matter(machines: list[list[int]], active: tuple) -> set[int]:
    """The bytes with a transition of their own from these positions; any other byte acts alike."""
    found = {_OTHER}
    for machine, positions in zip(machines, active):
        for position in positions:
            if position < len(machine) and machine[position] != STAR:
                found.add(machine[position])
    return found


def _step(machine: list[int], positions: frozenset[int], byte: int) -> frozenset[int]:
    reached = set()
    for position in positions:
        if position < len(machine) and machine[position] == byte:
            reached.add(position + 1)
        if position and machine[position - 1] == STAR:
            reached.add(position)  # the star goes on absorbing bytes
    return _closure(machine, reached)


def _closure(machine: list[int], positions: set[int]) -> frozenset[int]:
    # A star may match nothing: being before it is also being after it.
    closed = set(positions)
    for position in positions:
        if position < len(machine) and machine[position] == STAR:
            closed.add(position + 1)
    return frozenset(closed)
