"""Walks a module: its steps (plan, then execute), then its checks; records progress.

`verify` re-publishes the module's sample events (publishing is behaviour, not a resource) and runs
every check. `selftest` proves the scenario file itself: each check fails before its step and
passes after.
"""

from __future__ import annotations

import time

from . import steps, verify
from .context import Context
from .errors import WorkshopError
from .scenario import Check, Module, Step
from .results import COULD_NOT_RUN, CheckResult, ModuleResult, SelftestCheck, SelftestResult
from .steps.plan import DisplayOnlyExecutor, Executor
from .verify import PASSED, Outcome

# a target ARN's marker -> the capability of delivering to it
TARGET_CAPABILITIES = ((":states:", "deliver_stepfunctions"), (":sns:", "deliver_sns"), (":lambda:", "deliver_lambda"),
                       (":api-destination/", "deliver_api_destination"), (":sqs:", "deliver_sqs"),
                       (":logs:", "deliver_logs"))


class Runner:
    def __init__(self, ctx: Context, progress=None):
        self.ctx = ctx
        self.progress = progress
        self.executor = DisplayOnlyExecutor(ctx) if ctx.dry_run else Executor(ctx)
        self._deployed: set[str] = set()
        self._capabilities = None

    def capabilities(self):
        """What this backend can do (probed once per endpoint, then cached); checks consult it."""
        if self._capabilities is None:
            from . import capabilities

            self._capabilities = capabilities.for_backend(self.ctx.backend, self.ui)
        return self._capabilities

    def needs(self, check: Check) -> tuple[str, ...]:
        return tuple(verify.KINDS[check.kind].needs) + tuple(getattr(check, "needs", ()) or ())

    def cannot_run(self, step: Step) -> str | None:
        """Why a behaviour step (publishing) is pointless here: every check it feeds is unsupported."""
        if not steps.KINDS[step.kind].puts_events or not step.checks or self.ctx.dry_run:
            return None
        caps = self.capabilities()
        if all(caps.lacks(self.needs(c)) for c in step.checks):
            return caps.reasons(sorted({n for c in step.checks for n in self.needs(c)}))
        return None

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

    def run_step(self, step: Step, explain: bool = True) -> list[str]:
        """One line per step (its actions tallied in it), its explanation beneath; --dry-run shows every
        call, and --adopt every change (it may touch what someone else made)."""
        self.ui.steps_in_full = self.ctx.dry_run or bool(getattr(self.ctx, "adopt", False))
        self.ui.step(step.name, step.explain)
        why_not = self.cannot_run(step)
        if why_not:
            self.ui.step_note(f"skipped: this backend lacks {why_not}", "warn")
            self.ui.end_step(explain)
            return []
        kind = steps.KINDS[step.kind]
        if kind.puts_events and not self.ctx.dry_run:  # an EventBridge event: its journey can be traced
            actions = self._publish(step)
            self.ui.end_step(explain)
            self.show_journey(self.ctx.published.get(step.args.sample, [])[-1:])
            return actions
        challenge_id = getattr(step.args, "challenge", None)
        if kind.challenge and challenge_id and challenge_id not in self.ctx.patterns:
            from .challenge import pattern_for_step

            with self.ui.loud():
                chosen = pattern_for_step(self.ctx, step.args, self.ctx.scenario.challenge(challenge_id), self.progress)
            if chosen is not None:
                self.ctx.patterns[challenge_id] = chosen
        actions = self.executor.run(kind.plan(self.ctx, step.args))
        self.ui.end_step(explain)
        if kind.show and not self.ctx.dry_run:
            kind.show(self.ctx, step.args)
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

    def _publish(self, step: Step) -> list[str]:
        """Publishing is behaviour: when the backend refuses it, the checks that needed the event
        fail saying so, and the run goes on."""
        import botocore.exceptions

        from .errors import BackendError, WorkshopError

        try:
            return self.executor.run(steps.KINDS[step.kind].plan(self.ctx, step.args))
        except BackendError:
            raise
        except (WorkshopError, botocore.exceptions.ClientError) as exc:
            message = describe_error(exc, self.ctx.backend)
            lacking = self._undeliverable_targets(step) if _server_error(exc) else ""
            if lacking:  # the backend fails PutEvents because of a target kind it cannot deliver to
                outcome = Outcome.unsupported(f"{message}: this backend fails PutEvents on a bus whose rules target {lacking}")
            else:
                outcome = Outcome(False, f"the sample event {step.args.sample} could not be published: {message}", final=True)
            self.ctx.publish_errors[step.args.sample] = outcome
            self.ui.step_note(f"could not publish {step.args.sample}: {outcome.detail}", "warn" if lacking else "fail")
            return []

    def _undeliverable_targets(self, step: Step) -> str:
        """The rules on the sample's bus whose target kind this backend cannot deliver to, said with why."""
        bus = self.ctx.sample(step.args.sample).bus
        events, caps, found = self.ctx.client("events"), self.capabilities(), []
        marks = TARGET_CAPABILITIES + tuple((d.target, d.name) for d in verify.CAPABILITIES.values() if d.target)
        try:
            for rule in events.list_rules(EventBusName=bus).get("Rules", []):
                for target in events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus).get("Targets", []):
                    need = next((c for marker, c in marks if marker in target.get("Arn", "")), None)
                    if need and caps.lacks([need]):
                        found.append(f"{rule['Name']} → {caps.reasons([need])}")
        except Exception:  # only an explanation: without it the failure stands as it is
            return ""
        return "; ".join(found)

    def deploy(self, module: Module, *, include_publish: bool = True) -> list[str]:
        """A module asked for teaches (each step's explanation); one pulled in as a requirement is only built."""
        self.ctx.module_id = module.id
        actions = []
        for step in module.steps:
            if steps.KINDS[step.kind].behaviour and not include_publish:
                continue
            actions += self.run_step(step, explain=include_publish)
        self._deployed.add(module.id)
        return actions

    def run(self, module: Module, requested: bool = True) -> ModuleResult:
        """Deploy a module and verify it; a module pulled in as a requirement is only deployed."""
        started = time.monotonic()
        self.ui.heading(module.title if requested else f"{module.title} (required)", module.summary if requested else "")
        if module.reading and requested:
            self.ui.indented(module.reading, 0)
        actions = self.deploy(module, include_publish=requested)
        optional = [c for c in module.challenges if c.optional]
        if optional and requested and not self.ctx.dry_run:
            from .challenge import extra_credit

            with self.ui.loud():
                extra_credit(self.ctx, optional, self.progress)
        if self.ctx.dry_run or not requested:
            if self.progress and not self.ctx.dry_run:
                self.progress.mark(module.id, deployed=True)
            return ModuleResult(module.id, True, [], time.monotonic() - started, actions)
        checks = self._checks(module)
        result = ModuleResult.of(module.id, checks, time.monotonic() - started, actions)
        self._record(module.id, result, deployed=True)
        return result

    def _record(self, module_id: str, result: ModuleResult | None, **fields) -> None:
        """Progress: verified only with evidence for every check; an error clears an old "verified"."""
        if not self.progress:
            return
        if result is None:
            self.progress.mark(module_id, verified=False, could_not_run=0, status="error", **fields)
        else:
            self.progress.mark(module_id, verified=result.status == PASSED, could_not_run=len(result.could_not_run),
                               status=result.status, error="", **fields)

    def record_error(self, module_id: str, message: str) -> None:
        self._record(module_id, None, error=message)

    def run_all(self, modules: list[Module], wanted: list[str]) -> tuple[list[ModuleResult], list[dict]]:
        """Run each module in turn, carrying on past one that errors or fails: a module whose
        requirement did not pass is skipped (saying which), the others still run."""
        from .errors import BackendError, WorkshopError

        results, errors, broken = [], [], set()
        for module in modules:
            blocked = [r for r in module.requires if r in broken]
            if blocked:
                broken.add(module.id)
                errors.append({"module": module.id, "type": "skipped", "exit_code": 1,
                               "message": f"not run: it requires {', '.join(blocked)}, which did not pass"})
                self.ui.say(f"[yellow]Skipping {module.id}:[/] it requires {', '.join(blocked)}, which did not pass.")
                continue
            try:
                result = self.run(module, requested=module.id in wanted)
            except BackendError:
                raise  # unreachable or not allowed: every other module would fail the same way
            except Exception as exc:
                error = exc if isinstance(exc, WorkshopError) else _as_workshop_error(exc, self.ctx.backend)
                if error is None:
                    raise
                broken.add(module.id)
                message = str(error)  # the sentence the CLI gives for it, classified by cause
                errors.append({"module": module.id, "type": type(error).__name__, "exit_code": error.exit_code,
                               "message": message})
                self.record_error(module.id, message)
                self.ui.error(f"{module.id}: {message}")
                continue
            results.append(result)
            if not result.passed:
                broken.add(module.id)
        return results, errors

    # checks ----------------------------------------------------------------------------------
    def verify(self, module: Module) -> ModuleResult:
        started = time.monotonic()
        self.ctx.module_id = module.id
        self.ui.heading(f"Verify: {module.title}")
        for step in module.steps:
            if steps.KINDS[step.kind].behaviour:
                self.run_step(step, explain=False)
        checks = self._checks(module)
        result = ModuleResult.of(module.id, checks, time.monotonic() - started)
        self._record(module.id, result)
        return result

    def _checks(self, module: Module) -> list[CheckResult]:
        self.ui.say("[bold]Checks[/]")
        return [self.run_check(check) for check in module.checks]

    def run_check(self, check: Check, quiet: bool = False) -> CheckResult:
        caps = self.capabilities()
        needs = self.needs(check)
        if caps.lacks(needs):  # decided before any waiting
            outcome = Outcome.unsupported(f"this backend lacks {caps.reasons(needs)}")
        else:
            self.ctx.last_look_settled = False
            outcome = verify.KINDS[check.kind].run(self.ctx, check.args)
        if outcome.status in COULD_NOT_RUN:
            result = CheckResult(check.name, False, outcome.detail, "", outcome.status, outcome.detail)
        else:
            from .hints import for_check

            detail = outcome.detail if outcome.passed or not check.fail else f"{check.fail} ({outcome.detail})"
            result = CheckResult(check.name, outcome.passed, detail, for_check(check, outcome.passed, outcome.detail, self.ctx))
        if not quiet:
            if outcome.hops:
                self.ui.tree(*outcome.hops)
            self.ui.check_line(result.name, result.passed, outcome.detail, result.hint, status=result.status)
        return result

    # selftest --------------------------------------------------------------------------------
    def selftest(self, modules: list[Module]) -> SelftestResult:
        """Every check must fail before its step and pass after: proves the checks can fail."""
        findings = []
        for module in modules:
            self.ctx.module_id = module.id
            self.ui.heading(f"Selftest: {module.title}")
            for step in module.steps:
                before = [self.run_check(c, quiet=True) for c in step.checks]
                self.run_step(step, explain=False)
                after = [self.run_check(c, quiet=True) for c in step.checks]
                for b, a in zip(before, after):
                    finding = SelftestCheck(module.id, step.name, b, a)
                    self.ui.check_line(finding.name, finding.ok, finding.verdict)
                    findings.append(finding)
        return SelftestResult(findings)


def describe_error(exc: BaseException, backend=None) -> str:
    """One sentence for a backend's refusal; an HTTP error page is named by its status, not pasted."""
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        operation = getattr(exc, "operation_name", "the call")
        if code.isdigit() or message.lstrip().startswith("<"):
            return f"the backend answered HTTP {status or code} to {operation}"
        return f"{operation} failed: {code}: {message}"
    return str(exc)


def _as_workshop_error(exc: BaseException, backend):
    """A botocore failure as the CLI would report it (None for anything else: a bug, re-raised)."""
    if not type(exc).__module__.startswith("botocore"):
        return None
    from .backend import translate_aws_error

    return translate_aws_error(exc, backend)


def _server_error(exc: BaseException) -> bool:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500
