"""When an EventBridge Scheduler schedule fires: time zones, at(), start and end dates, rate()."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from workshop.scheduler_schedules import fires_at, next_firing

UTC = timezone.utc
CREATED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekday_cron_fires_every_minute_monday_to_friday_only():
    schedule = {"ScheduleExpression": "cron(* * ? * MON-FRI *)"}
    assert fires_at(schedule, at(2026, 11, 27, 23, 59), CREATED)  # Friday
    assert not fires_at(schedule, at(2026, 11, 28, 0, 0), CREATED)  # Saturday
    assert next_firing(schedule, at(2026, 11, 28, 12, 0), CREATED) == at(2026, 11, 30, 0, 0)


def test_cron_is_read_in_the_schedules_time_zone():
    schedule = {"ScheduleExpression": "cron(0 9 ? * * *)", "ScheduleExpressionTimezone": "America/New_York"}
    assert next_firing(schedule, at(2026, 11, 24, 0, 0), CREATED) == at(2026, 11, 24, 14, 0)  # EST, UTC-5
    assert next_firing(schedule, at(2026, 7, 1, 0, 0), at(2026, 6, 1)) == at(2026, 7, 1, 13, 0)  # EDT, UTC-4


def test_a_cron_schedule_starts_after_the_minute_it_was_created():
    schedule = {"ScheduleExpression": "cron(* * ? * * *)"}
    assert not fires_at(schedule, CREATED, CREATED)
    assert fires_at(schedule, CREATED + timedelta(minutes=1), CREATED)


def test_at_fires_once_in_its_time_zone():
    schedule = {"ScheduleExpression": "at(2026-11-25T10:30:00)", "ScheduleExpressionTimezone": "Europe/Paris"}
    assert next_firing(schedule, CREATED, CREATED) == at(2026, 11, 25, 9, 30)
    assert next_firing(schedule, at(2026, 11, 25, 9, 30), CREATED) is None


def test_start_and_end_dates_bound_the_firings():
    schedule = {"ScheduleExpression": "cron(* * ? * * *)", "StartDate": at(2026, 11, 24, 10, 0),
                "EndDate": at(2026, 11, 24, 10, 3)}
    fired = [m for m in (at(2026, 11, 24, 9, 58) + timedelta(minutes=i) for i in range(8)) if fires_at(schedule, m, CREATED)]
    assert fired == [at(2026, 11, 24, 10, 0), at(2026, 11, 24, 10, 1), at(2026, 11, 24, 10, 2)]


def test_rate_counts_from_the_start_date_or_else_the_creation():
    assert next_firing({"ScheduleExpression": "rate(5 minutes)"}, CREATED, CREATED) == CREATED + timedelta(minutes=5)
    started = {"ScheduleExpression": "rate(1 hour)", "StartDate": at(2026, 11, 23, 8, 7)}
    assert next_firing(started, at(2026, 11, 23, 8, 30), CREATED) == at(2026, 11, 23, 9, 7)


@pytest.mark.parametrize("expression", ["cron(* * * * *)", "rate(0 minutes)", "at(2026-11-25 10:30)", "every minute"])
def test_an_invalid_expression_never_fires(expression):
    assert next_firing({"ScheduleExpression": expression}, CREATED, CREATED, limit_minutes=60) is None
