"""The sandbox clock: real time plus an offset that `workshop sandbox tick` moves forward.

Schedule rules fire on it, so a learner (or a test) can see a week of cron firings in a second.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from .service import Service


class Clock(Service):
    priority = 130

    def __init__(self):
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(timezone.utc) + self._offset

    @property
    def offset(self) -> timedelta:
        """How far ahead of real time the clock is (one attribute read: no lock needed)."""
        return self._offset

    def advance(self, minutes: int) -> tuple[datetime, datetime]:
        """Move forward; returns (before, after) so schedules can fire for every minute in between."""
        with self._lock:
            before = datetime.now(timezone.utc) + self._offset
            self._offset += timedelta(minutes=minutes)
            return before, before + timedelta(minutes=minutes)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()

    @staticmethod
    def schedule_problem(expression: str) -> str | None:
        from .. import schedules

        try:
            schedules.parse(expression)
        except schedules.InvalidScheduleError as exc:
            return str(exc)
        return None
