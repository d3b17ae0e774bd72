"""How a behaviour check waits: until it passes, until its deadline, or (on the sandbox) until
nothing more can arrive, when one more look is the last word."""

from __future__ import annotations

from workshop.verify import Outcome, poll


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
