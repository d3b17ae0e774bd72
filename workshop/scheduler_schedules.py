"""EventBridge Scheduler's schedules: when one fires. Pure (no AWS, no I/O), like `schedules.py`,
which it builds on: the sandbox fires schedules with it and the checks predict the next firing.

A schedule is GetSchedule's answer: `cron(...)` (AWS's six fields) evaluated in its
ScheduleExpressionTimezone, from the minute after it was created; `rate(...)` counted from its
StartDate or else its creation; `at(yyyy-mm-ddThh:mm:ss)` once, in its time zone; never before
StartDate, nor at or after EndDate.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functools import lru_cache

from . import schedules

_parse = lru_cache(maxsize=256)(schedules.parse)  # a firing is asked minute by minute

AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def minute_of(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(second=0, microsecond=0)


def _date(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def fires_at(schedule: dict, minute: datetime, created: datetime) -> bool:
    """Whether this schedule (GetSchedule's answer) fires during this UTC minute."""
    expression = schedule.get("ScheduleExpression", "")
    try:
        zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return False
    start, end = _date(schedule.get("StartDate")), _date(schedule.get("EndDate"))
    if (start and minute < minute_of(start)) or (end and minute >= end):
        return False
    found = AT.match(expression)
    if found:
        when = datetime.fromisoformat(found.group(1)).replace(tzinfo=zone)
        return minute_of(when) == minute
    try:
        parsed = _parse(expression)
    except schedules.InvalidScheduleError:
        return False
    if parsed.kind == "rate":
        return parsed.fires_at(minute, start or created)
    if minute <= minute_of(created):
        return False
    return parsed.fires_at(minute.astimezone(zone).replace(tzinfo=None))


def next_firing(schedule: dict, after: datetime, created: datetime, limit_minutes: int = 8 * 24 * 60) -> datetime | None:
    """The first minute after `after` when the schedule fires, within about a week (None if none)."""
    minute = minute_of(after) + timedelta(minutes=1)
    for _ in range(limit_minutes):
        if fires_at(schedule, minute, created):
            return minute
        minute += timedelta(minutes=1)
    return None
