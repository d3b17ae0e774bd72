"""Check kinds: one module per kind of proof. Each has an `Args` dataclass and
`run(ctx, args) -> Outcome`; behaviour checks poll with a deadline, never a single look."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class CheckKind:
    name: str
    args: type
    run: Callable


@dataclass
class Outcome:
    passed: bool
    detail: str
    final: bool = False  # a failure that waiting cannot mend (e.g. the execution FAILED): stop polling


KINDS: dict[str, CheckKind] = {}


def check_kind(name: str, args: type):
    def register(run: Callable) -> Callable:
        KINDS[name] = CheckKind(name, args, run)
        return run

    return register


def existence(found, present: str, absent: str) -> Outcome:
    """The answer of a plain existence check: what to say when the lookup found it, and when not."""
    return Outcome(True, present) if found else Outcome(False, absent)


def published(run: Callable) -> Callable:
    """A behaviour check needs the event its step published: it runs with that sample's event ids,
    and fails at once (it can only fail) before the event is published."""

    @functools.wraps(run)
    def checked(ctx, args) -> Outcome:
        ids = ctx.published.get(args.sample, [])
        if not ids:
            return Outcome(False, f"the sample event {args.sample} has not been published yet")
        return run(ctx, args, ids)

    return checked


def poll(probe: Callable[[], Outcome], deadline_s: float, interval_s: float = 0.25) -> Outcome:
    """Ask until the probe passes or the deadline passes; the last answer explains a failure."""
    end = time.monotonic() + deadline_s
    while True:
        outcome = probe()
        if outcome.passed or outcome.final or time.monotonic() >= end:
            return outcome
        time.sleep(min(interval_s, max(0.0, end - time.monotonic())))
        interval_s = min(interval_s * 1.5, 2.0)


def _discover() -> None:
    """Import every module of this package: each registers its check kinds (listed nowhere else)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_discover()
