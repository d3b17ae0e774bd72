"""How a behaviour check waits: quickly at first (a local backend answers in milliseconds), then at the
old pace; until it passes, until its deadline, or (on the sandbox) until nothing more can arrive,
when one more look is the last word."""

from __future__ import annotations

import pytest

from workshop import verify
from workshop.verify import Outcome, poll


def test_the_first_looks_come_quickly_then_no_faster_than_before(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(verify.time, "sleep", slept.append)
    answers = iter([Outcome(False, "not yet")] * 9 + [Outcome(True, "arrived")])
    assert poll(lambda: next(answers), deadline_s=60).detail == "arrived"
    assert slept[:4] == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert all(later >= earlier * 1.5 - 1e-9 or later == 2.0 for earlier, later in zip(slept[3:], slept[4:]))
    assert max(slept) <= 2.0 and len(slept) == 9


def test_a_passing_probe_ends_the_wait_at_once():
    answers = iter([Outcome(False, "not yet"), Outcome(True, "arrived")])
    assert poll(lambda: next(answers), deadline_s=30, interval_s=0.01).detail == "arrived"


def test_once_settled_one_more_look_is_final():
    looks, asked = [], []

    def probe() -> Outcome:
        looks.append(1)
        return Outcome(False, f"look {len(looks)}")

    def settled() -> bool:
        asked.append(1)
        return len(asked) == 2  # busy at first, then nothing more in flight

    outcome = poll(probe, deadline_s=600, interval_s=0.01, settled=settled)
    assert outcome.detail == "look 3" and not outcome.passed  # the look after settling, not the deadline
    assert len(asked) == 2


def test_an_arrival_on_the_last_look_passes():
    answers = iter([Outcome(False, "not yet"), Outcome(True, "it landed while settling")])
    assert poll(lambda: next(answers), deadline_s=600, settled=lambda: True).passed


def test_without_settled_the_deadline_bounds_the_wait():
    looks = []

    def probe() -> Outcome:
        looks.append(1)
        return Outcome(False, "never")

    assert not poll(probe, deadline_s=0.2, interval_s=0.05).passed
    assert 2 <= len(looks) <= 10
