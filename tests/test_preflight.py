"""The preflight plans the modules side by side, each with its own module id, and says its refusals
in the modules' order (stand-in step kinds: no backend)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from workshop import steps
from workshop.context import Context
from workshop.ownership import ForeignResource, ForeignResources
from workshop.preflight import refuse_foreign


def test_modules_are_planned_side_by_side_and_refusals_keep_the_modules_order(monkeypatch):
    together = threading.Barrier(2, timeout=10)
    seen: list[tuple[str, bool]] = []

    def plan(ctx, args):
        seen.append((ctx.module_id, ctx.dry_run))
        together.wait()  # the first two modules are planned at once, or this times out
        if args == "slow":
            time.sleep(0.1)  # the first module's refusal comes last, yet is said first
        raise ForeignResource(f"thing of {ctx.module_id}", "no mark")

    monkeypatch.setitem(steps.KINDS, "stand_in", SimpleNamespace(plan=plan))
    modules = [SimpleNamespace(id="first", steps=[SimpleNamespace(kind="stand_in", args="slow")]),
               SimpleNamespace(id="second", steps=[SimpleNamespace(kind="stand_in", args="fast")])]
    ctx = Context(backend=None, ui=None, scenario=None, module_id="before")
    with pytest.raises(ForeignResources) as refused:
        refuse_foreign(ctx, modules)
    assert [line.split(" exists")[0] for line in refused.value.refusals] == ["thing of first", "thing of second"]
    assert sorted(seen) == [("first", True), ("second", True)]
    assert (ctx.module_id, ctx.dry_run) == ("before", False)  # the run's own context is untouched


@pytest.mark.parametrize("untouched, planned", [(True, []), (False, ["only"])])
def test_an_untouched_sandbox_is_not_planned_ahead_any_other_is(monkeypatch, untouched, planned):
    """Nothing exists on a sandbox that has answered reads only: nobody else's resource to refuse."""
    seen: list[str] = []
    monkeypatch.setitem(steps.KINDS, "stand_in", SimpleNamespace(plan=lambda ctx, args: seen.append(ctx.module_id)))
    control = SimpleNamespace(untouched=lambda: untouched)
    backend = SimpleNamespace(sandbox_control=lambda: control)
    ctx = Context(backend=backend, ui=None, scenario=None)
    refuse_foreign(ctx, [SimpleNamespace(id="only", steps=[SimpleNamespace(kind="stand_in", args=None)])])
    assert seen == planned


def test_a_backend_that_is_not_the_sandbox_is_always_planned_ahead(monkeypatch):
    seen: list[str] = []
    monkeypatch.setitem(steps.KINDS, "stand_in", SimpleNamespace(plan=lambda ctx, args: seen.append(ctx.module_id)))
    ctx = Context(backend=SimpleNamespace(sandbox_control=lambda: None), ui=None, scenario=None)
    refuse_foreign(ctx, [SimpleNamespace(id="only", steps=[SimpleNamespace(kind="stand_in", args=None)])])
    assert seen == ["only"]
