"""What run, verify and selftest found, one type for all three: a check's result (`CheckResult`), a
module's (`ModuleResult`), and selftest's pair of them per check (`SelftestCheck`: the check before
its step ran, and after). Each renders itself as the JSON the commands print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .verify import FAILED, PASSED, UNSUPPORTED, UNVERIFIABLE

COULD_NOT_RUN = (UNSUPPORTED, UNVERIFIABLE)


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str
    hint: str = ""
    status: str = ""  # passed, failed, unsupported or unverifiable
    reason: str = ""  # why it could not run (unsupported, unverifiable)

    def __post_init__(self):
        self.status = self.status or (PASSED if self.passed else FAILED)

    def as_json(self) -> dict:
        document = {"name": self.name, "passed": self.passed, "status": self.status, "detail": self.detail,
                    "hint": self.hint or None}
        if self.status in COULD_NOT_RUN:
            document["reason"] = self.reason or self.detail
        return document


@dataclass
class ModuleResult:
    module: str
    passed: bool  # no check failed (exit 0); `status` says whether every check could be proved
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    actions: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, module: str, checks: list[CheckResult], seconds: float = 0.0, actions=None) -> "ModuleResult":
        return cls(module, not any(c.status == FAILED for c in checks), checks, seconds, actions or [])

    @property
    def could_not_run(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status in COULD_NOT_RUN]

    @property
    def status(self) -> str:
        """failed when a check failed; passed when every check passed; else the first reason none failed."""
        if not self.passed:
            return FAILED
        return self.could_not_run[0].status if self.could_not_run else PASSED

    def as_json(self) -> dict:
        return {"module": self.module, "passed": self.passed, "status": self.status,
                "could_not_run": len(self.could_not_run), "checks": [c.as_json() for c in self.checks]}


@dataclass
class SelftestCheck:
    """One check of a selftest: it must fail before its step runs and pass after."""
    module: str
    step: str
    before: CheckResult
    after: CheckResult

    @property
    def name(self) -> str:
        return self.before.name

    @property
    def ok(self) -> bool:
        return not self.before.passed and self.after.passed

    @property
    def verdict(self) -> str:
        if self.ok:
            return "fails before, passes after"
        return "passed BEFORE its step ran" if self.before.passed else f"still fails after its step: {self.after.detail}"

    def as_json(self) -> dict:
        detail = self.after.detail if not self.after.passed else (self.before.detail if self.before.passed else "")
        return {"module": self.module, "step": self.step, "check": self.name, "failed_before": not self.before.passed,
                "passed_after": self.after.passed, "ok": self.ok, "detail": detail}


@dataclass
class SelftestResult:
    checks: list[SelftestCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    def summary(self) -> str:
        good = sum(c.ok for c in self.checks)
        return f"{good} of {len(self.checks)} checks fail before their step and pass after."

    def as_json(self) -> dict:
        return {"passed": self.passed, "checks": [c.as_json() for c in self.checks]}
