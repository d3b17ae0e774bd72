"""Checks poll quickly at first (a local backend answers in milliseconds), then at the old pace."""

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
