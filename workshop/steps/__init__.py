"""Step kinds: one module per kind of action. Each kind has an `Args` dataclass (validated when
scenarios.yaml loads) and `plan(ctx, args) -> list[Instruction]` (idempotent: it looks first), and
declares what the runner must know about it (`behaviour`).

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
    # A behaviour step (it publishes events) creates nothing: `verify` runs it again, a module pulled
    # in only as a requirement skips it, and `run` shows the journey of the event it published.
    behaviour: bool = False


KINDS: dict[str, StepKind] = {}


def step_kind(name: str, args: type, *, behaviour: bool = False):
    def register(plan: Callable) -> Callable:
        KINDS[name] = StepKind(name, args, plan, behaviour)
        return plan

    return register


def _discover() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_discover()
