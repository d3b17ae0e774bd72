"""Cleanup deletes side by side what needs nothing else, in levels, and reads the same as in order
(stand-in kinds and a stand-in backend: no sandbox)."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace


from workshop import cleanup
from workshop.ledger import Ledger, Resource, Scope
from workshop.steps import resources  # the package registers every kind
from workshop.steps.plan import Custom

SCOPE = Scope("sandbox", "123456789012", "us-east-1")


def _workshop_like() -> list[Resource]:
    """One resource of every kind the workshop registers (two of some), newest last."""
    made, clock = [], itertools.count(1)
    for kind in sorted(resources.KINDS):
        for n in range(2 if kind in ("rule", "target", "sqs_queue") else 1):
            made.append(Resource(kind, f"{kind}-{n}", {"function": "InventoryFunction", "queue": "Q", "topic_arn": "arn:t"},
                                 created_at=float(next(clock))))
    return made


def _uses_transitively(kind: str) -> set[str]:
    seen, todo = set(), [kind]
    while todo:
        for used in resources.KINDS[todo.pop()].uses:
            if used not in seen and used in resources.KINDS:
                seen.add(used)
                todo.append(used)
    return seen - {kind}


def test_a_level_never_holds_what_it_or_an_earlier_level_still_needs():
    made = _workshop_like()
    levels = resources.deletion_levels(made)
    level_of = {r.key: i for i, level in enumerate(levels) for lane in level for r in lane}
    assert sorted(level_of) == sorted(r.key for r in made)  # each resource once
    for resource in made:
        for used in _uses_transitively(resource.kind):
            for other in (r for r in made if r.kind == used):
                assert level_of[other.key] > level_of[resource.key], (resource.kind, used)
    assert len(levels) >= 3  # targets, then rules and functions, then buses and roles


def test_deletions_that_edit_one_document_share_a_lane_in_deletion_order():
    made = _workshop_like()
    order = [r.key for r in resources.deletion_order(made)]
    lanes = [lane for level in resources.deletion_levels(made) for lane in level]
    (async_lane,) = [lane for lane in lanes if any(r.kind == "lambda_destination" for r in lane)]
    assert {r.kind for r in async_lane} == {"lambda_destination", "lambda_failure_destination", "lambda_event_invoke_config"}
    for lane in lanes:
        assert [r.key for r in lane] == sorted((r.key for r in lane), key=order.index)
    assert all(len(lane) == 1 for lane in lanes if lane is not async_lane and lane[0].kind in ("rule", "target", "sqs_queue"))


class _Ui:
    def __init__(self):
        self.notes: list[str] = []

    def step_note(self, summary, kind="done"):
        self.notes.append(summary)


def test_one_level_runs_side_by_side_and_says_it_in_the_ledgers_order(tmp_path, monkeypatch):
    together = threading.Barrier(2, timeout=10)
    in_lane, overlapped = threading.Lock(), []

    def side_by_side(r):
        return [Custom("events", f"Delete {r.name}", lambda client: together.wait())]

    def one_document(r):
        def run(client):
            if not in_lane.acquire(blocking=False):
                overlapped.append(r.name)
                return
            time.sleep(0.05)
            in_lane.release()
        return [Custom("lambda", f"Edit {r.name}", run)]

    monkeypatch.setitem(resources.KINDS, "stand_in_parallel", resources.Kind("stand-in", side_by_side))
    monkeypatch.setitem(resources.KINDS, "stand_in_lane", resources.Kind("stand-in", one_document, lane=lambda r: "one document"))
    ledger = Ledger(SCOPE, tmp_path)
    for i, (kind, name) in enumerate([("stand_in_parallel", "A"), ("stand_in_parallel", "B"),
                                      ("stand_in_lane", "C"), ("stand_in_lane", "D")]):
        ledger.record(Resource(kind, name, {}, "m", created_at=float(10 - i)))
    backend = SimpleNamespace(ledger=ledger, client=lambda service: None)
    ui = _Ui()
    done = cleanup.execute(backend, ui, cleanup.planned(ledger))
    assert [d.status for d in done] == ["deleted"] * 4 and ledger.resources() == []
    # A and B waited for each other (one barrier of two), C and D never overlapped
    assert overlapped == [] and together.n_waiting == 0 and not together.broken
    assert ui.notes == [f"{'Edit' if d.resource.kind == 'stand_in_lane' else 'Delete'} {d.resource.name}" for d in done]
