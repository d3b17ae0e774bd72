"""The parts a pattern is read into: sub-rules, each a map from field path to a leaf."""

from __future__ import annotations

from dataclasses import dataclass, field

from .conditions import Condition

OR = "$or"

Path = tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    """The conditions on one field: it matches when any of them does."""

    conditions: tuple[Condition, ...]

    @property
    def description(self) -> str:
        parts = [cond.description for cond in self.conditions]
        if len(parts) == 1:
            return parts[0]
        if all(cond.kind == "equals" for cond in self.conditions):
            return "one of " + ", ".join(parts)
        return " or ".join(parts)


@dataclass
class SubRule:
    """One way for the pattern to match. choices: the `$or` branches taken, as (where, index)."""

    fields: dict[Path, Leaf] = field(default_factory=dict)
    choices: tuple[tuple[Path, int], ...] = ()

    @property
    def label(self) -> str:
        return " + ".join(
            f"{'.'.join((*where, OR))}[{index}]" for where, index in self.choices
        )
