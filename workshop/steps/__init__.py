"""Step kinds: one module per kind of action. Each kind has an `Args` dataclass (validated when
scenarios.yaml loads) and `plan(ctx, args) -> list[Instruction]` (idempotent: it looks first).

Importing this package registers every kind; none of them imports boto3 at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class StepKind:
    name: str
    args: type
    plan: Callable


KINDS: dict[str, StepKind] = {}


def step_kind(name: str, args: type):
    def register(plan: Callable) -> Callable:
        KINDS[name] = StepKind(name, args, plan)
        return plan

    return register


from . import api_destination, archive, event_bus, failure_destination, iam, lambda_function, logs, messaging, permissions, publish, rest_api, rule, scheduler, sns_filtering, state_machine  # noqa: E402,F401  (registration)
