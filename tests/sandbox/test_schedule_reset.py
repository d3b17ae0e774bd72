"""A reset takes the sandbox clock back to real time, and schedules fire from real time again, even
when a firing read the moved clock just before the reset (workshop/sandbox/plane.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from workshop.sandbox.plane import DataPlane


class _NoBuses:
    def bus(self, region, name):
        return None


def _plane(tmp_path) -> DataPlane:
    plane = DataPlane(tmp_path)
    plane.router, plane.services = _NoBuses(), []  # fire_schedules reads these; start() is not needed
    return plane


def test_a_firing_that_read_the_moved_clock_before_a_reset_does_not_fire_ahead(tmp_path):
    plane = _plane(tmp_path)
    plane.clock.advance(2 * 24 * 60)  # a test moved the clock two days ahead
    plane.fire_schedules(plane.clock.now())
    stale = plane.clock.now()  # the schedule loop reads the clock ...
    plane.reset_schedules()    # ... a reset takes it back ...
    plane.fire_schedules(stale)  # ... and the loop fires with what it read
    now = datetime.now(timezone.utc)
    assert plane.clock.offset.total_seconds() == 0
    assert plane._last_fired is not None and plane._last_fired <= now  # real time again, not two days on


def test_a_reset_forgets_what_fired(tmp_path):
    plane = _plane(tmp_path)
    plane.clock.advance(90)
    plane.fire_schedules(plane.clock.now())
    assert plane._last_fired > datetime.now(timezone.utc)
    plane.reset_schedules()
    assert plane._last_fired is None and plane.clock.offset.total_seconds() == 0
