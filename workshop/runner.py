"""Walks a module: its steps (plan, then execute), then its checks; records progress.

`verify` re-publishes the module's sample events (publishing is behaviour, not a resource) and runs
every check. `selftest` proves the scenario file itself: each check fails before its step and
passes after.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import steps, verify
from .context import Context
from .errors import WorkshopError
from .scenario import Check, Module, Step
from .steps.plan import DisplayOnlyExecutor, Executor


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str
    hint: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail, "hint": self.hint or None}


@dataclass
class ModuleResult:
    module: str
    passed: bool
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    actions: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"module": self.module, "passed": self.passed, "checks": [c.as_json() for c in self.checks]}


class Runner:
    def __init__(self, ctx: Context, progress=None):
        self.ctx = ctx
        self.progress = progress
        self.executor = DisplayOnlyExecutor(ctx) if ctx.dry_run else Executor(ctx)
        self._deployed: set[str] = set()

    @property
    def ui(self):
        return self.ctx.ui

    # steps -----------------------------------------------------------------------------------
    def with_requirements(self, module_ids: list[str]) -> list[Module]:
        """The modules asked for, each preceded by what it requires, each once, in file order."""
        wanted: list[str] = []

        def add(module_id: str) -> None:
            module = self.ctx.scenario.module(module_id)
            for required in module.requires:
                add(required)
            if module_id not in wanted:
                wanted.append(module_id)

        for module_id in module_ids:
            add(module_id)
        order = [m.id for m in self.ctx.scenario.modules]
        return [self.ctx.scenario.module(m) for m in sorted(wanted, key=order.index)]

    def run_step(self, step: Step) -> list[str]:
        self.ui.step(step.name, step.explain)
        challenge_id = getattr(step.args, "challenge", None)
        if step.kind in ("rule", "sns_filtered_subscription") and challenge_id and challenge_id not in self.ctx.patterns:
            from .challenge import pattern_for_step

            chosen = pattern_for_step(self.ctx, step.args, self.ctx.scenario.challenge(challenge_id), self.progress)
            if chosen is not None:
                self.ctx.patterns[challenge_id] = chosen
        plan = steps.KINDS[step.kind].plan(self.ctx, step.args)
        actions = self.executor.run(plan)
        if step.kind == "rule" and not self.ctx.dry_run:
            self.ui.show_rule(step.args.pattern if not challenge_id else self.ctx.pattern_for(challenge_id),
                              step.args.schedule, [f"{t.kind.replace('_', ' ')} {t.ref}" for t in step.args.targets])
        if step.kind == "publish" and not self.ctx.dry_run:  # an EventBridge event: its journey can be traced
            self.show_journey(self.ctx.published.get(step.args.sample, [])[-1:])
        return actions

    def show_journey(self, event_ids: list[str]) -> None:
        """The compact trace of what was just published: which rules took it, and where it went."""
        if self.ui.quiet or not event_ids:
            return
        from .trace import Tracer

        tracer = Tracer(self.ctx.backend, evidence=False)
        for event_id in event_ids:
            try:
                self.ui.print_trace(tracer.trace(event_id), compact=True, to_stdout=False)
            except Exception as exc:  # a view only: an unreadable hop never fails the run
                if not isinstance(exc, WorkshopError) and not type(exc).__module__.startswith("botocore"):
                    raise
                self.ui.say(f"  [dim](could not trace {event_id}: {exc})[/]")

    def deploy(self, module: Module, *, include_publish: bool = True) -> list[str]:
        self.ctx.module_id = module.id
        actions = []
        for step in module.steps:
            if steps.KINDS[step.kind].behaviour and not include_publish:
                continue
            actions += self.run_step(step)
        self._deployed.add(module.id)
        return actions

    def run(self, module: Module, requested: bool = True) -> ModuleResult:
        """Deploy a module and verify it; a module pulled in as a requirement is only deployed."""
        started = time.monotonic()
        self.ui.heading(module.title if requested else f"{module.title} (required)", module.summary if requested else "")
        if module.reading and requested:
            self.ui.say(module.reading)
        actions = self.deploy(module, include_publish=requested)
        optional = [c for c in module.challenges if c.optional]
        if optional and requested and not self.ctx.dry_run:
            from .challenge import extra_credit

            extra_credit(self.ctx, optional, self.progress)
        if self.ctx.dry_run or not requested:
            if self.progress and not self.ctx.dry_run:
                self.progress.mark(module.id, deployed=True)
            return ModuleResult(module.id, True, [], time.monotonic() - started, actions)
        checks = self._checks(module)
        result = ModuleResult(module.id, all(c.passed for c in checks), checks, time.monotonic() - started, actions)
        if self.progress:
            self.progress.mark(module.id, deployed=True, verified=result.passed)
        return result

    # checks ----------------------------------------------------------------------------------
    def verify(self, module: Module) -> ModuleResult:
        started = time.monotonic()
        self.ctx.module_id = module.id
        self.ui.heading(f"Verify: {module.title}")
        for step in module.steps:
            if steps.KINDS[step.kind].behaviour:
                self.run_step(step)
        checks = self._checks(module)
        result = ModuleResult(module.id, all(c.passed for c in checks), checks, time.monotonic() - started)
        if self.progress:
            self.progress.mark(module.id, verified=result.passed)
        return result

    def _checks(self, module: Module) -> list[CheckResult]:
        self.ui.say("[bold]Checks[/]")
        return [self.run_check(check) for check in module.checks]

    def run_check(self, check: Check, quiet: bool = False) -> CheckResult:
        outcome = verify.KINDS[check.kind].run(self.ctx, check.args)
        detail = outcome.detail if outcome.passed or not check.fail else f"{check.fail} ({outcome.detail})"
        from .hints import for_check

        result = CheckResult(check.name, outcome.passed, detail, for_check(check, outcome.passed, outcome.detail, self.ctx))
        if not quiet:
            self.ui.check_line(result.name, result.passed, outcome.detail, result.hint)
        return result

    # selftest --------------------------------------------------------------------------------
    def selftest(self, modules: list[Module]) -> list[dict]:
        """Every check must fail before its step and pass after: proves the checks can fail."""
        findings = []
        for module in modules:
            self.ctx.module_id = module.id
            self.ui.heading(f"Selftest: {module.title}")
            for step in module.steps:
                before = [self.run_check(c, quiet=True) for c in step.checks]
                self.run_step(step)
                after = [self.run_check(c, quiet=True) for c in step.checks]
                for b, a in zip(before, after):
                    ok = (not b.passed) and a.passed
                    findings.append({"module": module.id, "step": step.name, "check": b.name, "failed_before": not b.passed,
                                     "passed_after": a.passed, "ok": ok,
                                     "detail": a.detail if not a.passed else (b.detail if b.passed else "")})
                    self.ui.check_line(f"{b.name}", ok,
                                       "fails before, passes after" if ok else
                                       ("passed BEFORE its step ran" if b.passed else f"still fails after its step: {a.detail}"))
        return findings
