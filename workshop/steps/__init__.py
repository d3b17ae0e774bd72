"""Step kinds: one module per kind of action. Each kind has an `Args` dataclass (validated when
scenarios.yaml loads) and `plan(ctx, args) -> list[Instruction]` (idempotent: it looks first), and
declares what the runner must know about it (`behaviour`, `puts_events`, `challenge`, `show`), so
the runner never asks for a kind by name.

Importing this package imports every module in it, which registers every kind (a new kind is a new
module, listed nowhere else); none of them imports boto3 at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class StepKind:
    name: str
    args: type
    plan: Callable
    # A behaviour step (it publishes events) creates nothing: `verify` runs it again, and a module
    # pulled in only as a requirement skips it.
    behaviour: bool = False
    # It puts an EventBridge event: `run` shows the event's journey, a refusal fails the checks that
    # needed the event (the run goes on), and it is skipped when every such check is unsupported.
    puts_events: bool = False
    # Its args may name a challenge: the learner's answer (pattern or filter policy) is asked for first.
    challenge: bool = False
    # What the learner sees once it has run (ctx, args), e.g. the rule's pattern and targets.
    show: Callable | None = None


KINDS: dict[str, StepKind] = {}


def step_kind(name: str, args: type, *, behaviour: bool = False, puts_events: bool = False, challenge: bool = False,
              show: Callable | None = None):
    def register(plan: Callable) -> Callable:
        KINDS[name] = StepKind(name, args, plan, behaviour, puts_events, challenge, show)
        return plan

    return register


def _discover() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_discover()
