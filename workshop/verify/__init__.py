"""Check kinds: one module per kind of proof. Each has an `Args` dataclass and
`run(ctx, args) -> Outcome`; behaviour checks poll with a deadline, never a single look.

A check kind names the backend capabilities it needs (see `workshop/capabilities.py`): where the
backend lacks one, the check is `unsupported` at once, with the reason, instead of waiting to fail.
A kind that needs a new one declares it in its own module with `@capability(name, description)` on
the probe that settles it: `workshop doctor` shows its row (after the built-in ones) and runs it.
A check that cannot be proved now (a MON-FRI schedule at a weekend) is `unverifiable`, saying when
it can be. Nothing passes without evidence."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Callable


PASSED, FAILED, UNSUPPORTED, UNVERIFIABLE = "passed", "failed", "unsupported", "unverifiable"


@dataclass(frozen=True)
class CheckKind:
    name: str
    args: type
    run: Callable
    needs: tuple[str, ...] = ()  # capabilities the backend must have for this check to run


@dataclass
class Outcome:
    passed: bool
    detail: str
    final: bool = False  # a failure that waiting cannot mend (e.g. the execution FAILED): stop polling
    status: str = ""  # passed/failed by default; unsupported or unverifiable when it could not be proved
    hops: tuple = ()  # evidence as a chain: (title, [(what happened, when or which id), ...]); renderers draw it

    def __post_init__(self):
        if not self.status:
            self.status = PASSED if self.passed else FAILED
        if self.status in (UNSUPPORTED, UNVERIFIABLE):
            self.passed, self.final = False, True

    @classmethod
    def unverifiable(cls, reason: str) -> "Outcome":
        return cls(False, reason, status=UNVERIFIABLE)

    @classmethod
    def unsupported(cls, reason: str) -> "Outcome":
        return cls(False, reason, status=UNSUPPORTED)


KINDS: dict[str, CheckKind] = {}


def check_kind(name: str, args: type, needs: tuple[str, ...] = ()):
    def register(run: Callable) -> Callable:
        KINDS[name] = CheckKind(name, args, run, tuple(needs))
        return run

    return register


@dataclass(frozen=True)
class DeclaredCapability:
    name: str
    description: str  # what doctor's row says
    probe: Callable  # probe(run: probes.support.Probe) -> None, saying run.say(name, ok, reason)
    target: str = ""  # a mark in a target ARN that needs it (":firehose:"): explains a failed delivery


CAPABILITIES: dict[str, DeclaredCapability] = {}


def capability(name: str, description: str, target: str = ""):
    """Declare, on its probe, a capability a check kind of this module needs (see the module doc)."""
    def register(probe: Callable) -> Callable:
        CAPABILITIES[name] = DeclaredCapability(name, description, probe, target)
        return probe

    return register


def brief(value) -> str:
    """Evidence as one line: compact JSON (a JSON string inside is read as JSON first), never cut."""
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value.strip()
    return json.dumps(value, separators=(", ", ": "), default=str)


def existence(found, present: str, absent: str) -> Outcome:
    """The answer of a plain existence check: what to say when the lookup found it, and when not."""
    return Outcome(True, present) if found else Outcome(False, absent)


def published(run: Callable) -> Callable:
    """A behaviour check needs the event its step published: it runs with that sample's event ids,
    and fails at once (it can only fail) before the event is published."""

    @functools.wraps(run)
    def checked(ctx, args) -> Outcome:
        ids = ctx.published.get(args.sample, [])
        if not ids and args.sample in ctx.publish_errors:
            return ctx.publish_errors[args.sample]  # why it could not be published (unsupported, or a failure)
        if not ids:
            return Outcome(False, f"the sample event {args.sample} has not been published yet")
        return run(ctx, args, ids)

    return checked


SETTLE_S = 10.0  # on AWS, how long to keep listening for what must NOT arrive (or arrive only once)


def listen_for_strays(ctx, look: Callable[[], Outcome | None]) -> tuple[Outcome | None, str]:
    """Before saying something did not arrive (or arrived just once): on the sandbox, once all that
    was published has been delivered one look is exact; elsewhere keep looking for SETTLE_S. Answers
    the first look that found something (else None), and how long was listened (" within 10s", or "")."""
    if ctx.backend.settle():
        return look(), ""
    end = time.monotonic() + SETTLE_S
    while time.monotonic() < end:
        found = look()
        if found:
            return found, f" within {SETTLE_S:.0f}s"
        time.sleep(0.5)
    return look(), f" within {SETTLE_S:.0f}s"


def poll(probe: Callable[[], Outcome], deadline_s: float, interval_s: float = 0.05,
         settled: Callable[[], bool] | None = None) -> Outcome:
    """Ask until the probe passes or the deadline passes; the last answer explains a failure.
    `settled` (Context.settled) says when nothing more can arrive: then one more look is final, and
    a failing check on the sandbox fails at once instead of waiting out the deadline. The first
    looks come quickly (what a local backend does takes milliseconds), then as far apart as before
    (a service's request quota is not spent on them)."""
    end = time.monotonic() + deadline_s
    while True:
        outcome = probe()
        if outcome.passed or outcome.final or time.monotonic() >= end:
            return outcome
        if settled is not None and settled():
            return probe()
        time.sleep(min(interval_s, max(0.0, end - time.monotonic())))
        interval_s = min(interval_s * (2.0 if interval_s < 0.25 else 1.5), 2.0)


def _discover() -> None:
    """Import every module of this package: each registers its check kinds (listed nowhere else)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_discover()
