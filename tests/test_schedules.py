"""EventBridge schedule expressions: what PutRule accepts, and when schedules fire (UTC)."""

from datetime import datetime, timedelta, timezone

import pytest

from workshop.schedules import InvalidScheduleError, parse

# 2026-01-03 is a Saturday; 2026-01-05 a Monday.
SATURDAY_NOON = datetime(2026, 1, 3, 12, 0)
MONDAY = datetime(2026, 1, 5)


# Examples from the AWS docs ("Cron expressions reference", "Rate expressions reference").
@pytest.mark.parametrize("expression", [
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 0 15W * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(* * ? * MON-FRI *)",
    "cron(0 10,15 ? * MON-FRI *)",
    "cron(0 12 ? JAN,FEB,MAR * 2026-2030)",
    "cron(0 0 ? * L *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
])
def test_valid_expressions_parse(expression):
    schedule = parse(expression)
    assert schedule.expression == expression
    assert schedule.kind == expression[:4]
    assert schedule.next_fire(SATURDAY_NOON) is not None


@pytest.mark.parametrize("expression, reason", [
    ("rate(1 minutes)", "singular"),
    ("rate(5 minute)", "plural"),
    ("rate(1 hours)", "singular"),
    ("rate(0 minutes)", "positive"),
    ("rate(-5 minutes)", "positive whole number"),
    ("rate(1.5 hours)", "positive whole number"),
    ("rate(5 weeks)", "unknown unit"),
    ("rate(5)", "positive whole number"),
    ("cron(0 10 * * * *)", "exactly one of Day-of-month and Day-of-week"),  # both given
    ("cron(0 10 ? * ? *)", "exactly one of Day-of-month and Day-of-week"),  # neither given
    ("cron(0 10 1 * MON *)", "exactly one of Day-of-month and Day-of-week"),
    ("cron(0 10 * * ?)", "6 fields"),
    ("cron(0 0 10 * * ? *)", "6 fields"),
    ("cron(60 * * * ? *)", "out of range"),
    ("cron(0 24 * * ? *)", "out of range"),
    ("cron(0 0 32 * ? *)", "out of range"),
    ("cron(0 0 0 * ? *)", "out of range"),
    ("cron(0 0 1 13 ? *)", "out of range"),
    ("cron(0 0 ? * 0 *)", "out of range"),  # AWS days are 1-7 (SUN-SAT), not 0-6
    ("cron(0 0 ? * 8 *)", "out of range"),
    ("cron(0 0 1 * ? 1969)", "out of range"),
    ("cron(0 0 1 * ? 2200)", "out of range"),
    ("cron(? 0 1 * ? *)", "'?' is only allowed"),
    ("cron(0 0 1 FOO ? *)", "not a value"),
    ("cron(0 0 ? * FUN *)", "not a value"),
    ("cron(0/0 * * * ? *)", "increment"),
    ("cron(0 0 ? * 3#1,6#3 *)", "alone in the field"),  # the docs' own invalid example
    ("cron(0 0 ? * 3#6 *)", "alone in the field"),
    ("cron(0 0 1,L * ? *)", "Day-of-month"),
    ("cron(0 0 32W * ? *)", "Day-of-month"),
    ("cron(0 0 1 * ? 2030-2020)", "backwards"),
    ("cron(0 0 1 * ? *", "expected rate"),
    ("at(2026-01-01T00:00:00)", "expected rate"),
    ("", "expected rate"),
])
def test_invalid_expressions_are_rejected_with_a_reason(expression, reason):
    with pytest.raises(InvalidScheduleError) as info:
        parse(expression)
    message = str(info.value)
    assert message.startswith("Parameter ScheduleExpression is not valid.")
    assert reason in message
    assert isinstance(info.value, ValueError)


def test_workshop_schedule_fires_every_minute_on_weekdays_only():
    schedule = parse("cron(* * ? * MON-FRI *)")
    for day in range(7):  # 2026-01-05 (Mon) .. 2026-01-11 (Sun)
        start = MONDAY + timedelta(days=day)
        fired = [schedule.fires_at(start + timedelta(minutes=m)) for m in range(0, 24 * 60, 7)]
        expected = start.weekday() < 5
        assert all(f == expected for f in fired), start.strftime("%A")


def test_workshop_schedule_from_saturday_next_fires_monday_midnight():
    schedule = parse("cron(* * ? * MON-FRI *)")
    assert schedule.next_fire(SATURDAY_NOON) == MONDAY
    assert schedule.next_fire(datetime(2026, 1, 2, 23, 59)) == MONDAY  # Friday's last minute
    assert schedule.next_fire(datetime(2026, 1, 2, 23, 58)) == datetime(2026, 1, 2, 23, 59)


def test_next_fire_is_strictly_after_and_ignores_seconds():
    schedule = parse("cron(0 10 * * ? *)")
    assert schedule.next_fire(datetime(2026, 1, 5, 10, 0)) == datetime(2026, 1, 6, 10, 0)
    assert schedule.next_fire(datetime(2026, 1, 5, 9, 59, 59)) == datetime(2026, 1, 5, 10, 0)


def test_aware_datetimes_are_converted_to_utc():
    schedule = parse("cron(0 10 * * ? *)")
    plus_two = timezone(timedelta(hours=2))
    assert schedule.fires_at(datetime(2026, 1, 5, 12, 0, tzinfo=plus_two))
    assert not schedule.fires_at(datetime(2026, 1, 5, 10, 0, tzinfo=plus_two))
    nxt = schedule.next_fire(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    assert nxt == datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc) and nxt.tzinfo is not None


def firings(expression, after, count):
    schedule, out = parse(expression), []
    while len(out) < count:
        after = schedule.next_fire(after)
        if after is None:
            break
        out.append(after.strftime("%Y-%m-%d %H:%M"))
    return out


@pytest.mark.parametrize("expression, expected", [
    ("cron(0/15 * * * ? *)", ["2026-01-03 12:15", "2026-01-03 12:30", "2026-01-03 12:45"]),
    ("cron(1/20 * * * ? *)", ["2026-01-03 12:01", "2026-01-03 12:21", "2026-01-03 12:41"]),
    ("cron(0 18 ? * MON-FRI *)", ["2026-01-05 18:00", "2026-01-06 18:00", "2026-01-07 18:00"]),
    ("cron(0/5 8-17 ? * MON-FRI *)", ["2026-01-05 08:00", "2026-01-05 08:05", "2026-01-05 08:10"]),
    ("cron(0 8 1 * ? *)", ["2026-02-01 08:00", "2026-03-01 08:00", "2026-04-01 08:00"]),
    # 2#1: first Monday (2 = MON) of the month.
    ("cron(0 9 ? * 2#1 *)", ["2026-01-05 09:00", "2026-02-02 09:00", "2026-03-02 09:00"]),
    ("cron(0 0 L * ? *)", ["2026-01-31 00:00", "2026-02-28 00:00", "2026-03-31 00:00"]),
    # 6L: last Friday of the month.
    ("cron(0 0 ? * 6L *)", ["2026-01-30 00:00", "2026-02-27 00:00", "2026-03-27 00:00"]),
    # 15W: weekday nearest the 15th; Feb/Mar 15 2026 are Sundays -> Monday 16th.
    ("cron(0 0 15W * ? *)", ["2026-01-15 00:00", "2026-02-16 00:00", "2026-03-16 00:00"]),
    # LW: last weekday; Jan 31 and Feb 28 2026 are Saturdays.
    ("cron(0 0 LW * ? *)", ["2026-01-30 00:00", "2026-02-27 00:00", "2026-03-31 00:00"]),
    # 1W when the 1st is a Saturday (Aug 2026): Monday the 3rd, never the previous month.
    ("cron(0 0 1W AUG ? 2026)", ["2026-08-03 00:00"]),
    # L alone in Day-of-week is the last day of the week: Saturday.
    ("cron(0 0 ? * L *)", ["2026-01-10 00:00", "2026-01-17 00:00", "2026-01-24 00:00"]),
    ("cron(30 23 ? * FRI-MON *)", ["2026-01-03 23:30", "2026-01-04 23:30", "2026-01-05 23:30"]),
    ("cron(0 12 29 FEB ? *)", ["2028-02-29 12:00", "2032-02-29 12:00", "2036-02-29 12:00"]),
    ("cron(0 0 1 JAN ? 2026-2027)", ["2027-01-01 00:00"]),
])
def test_cron_firings(expression, expected):
    assert firings(expression, SATURDAY_NOON, 3) == expected


def test_schedule_with_no_more_firings_returns_none():
    schedule = parse("cron(0 0 1 JAN ? 2026)")
    assert schedule.next_fire(datetime(2026, 1, 1, 0, 0)) is None
    assert parse("cron(0 0 29 FEB ? 2027)").next_fire(datetime(2026, 1, 1)) is None


def test_rate_cadence_counts_from_creation():
    schedule = parse("rate(5 minutes)")
    created = datetime(2026, 1, 5, 9, 2, 40)  # truncated to 09:02
    fired = [m for m in range(60) if schedule.fires_at(datetime(2026, 1, 5, 9, m), created_at=created)]
    assert fired == [7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57]
    assert schedule.next_fire(created, created_at=created) == datetime(2026, 1, 5, 9, 7)
    assert schedule.next_fire(datetime(2026, 1, 5, 9, 7), created_at=created) == datetime(2026, 1, 5, 9, 12)


def test_rate_without_creation_time_counts_from_the_epoch():
    schedule = parse("rate(1 hour)")
    assert schedule.fires_at(datetime(2026, 1, 5, 9, 0))
    assert not schedule.fires_at(datetime(2026, 1, 5, 9, 30))
    assert parse("rate(1 day)").next_fire(SATURDAY_NOON) == datetime(2026, 1, 4)


def test_next_fire_skips_far_ahead_and_honours_the_limit():
    # Minute-by-minute iteration over these spans would be millions of steps.
    assert parse("cron(0 0 29 FEB ? 2196-2199)").next_fire(datetime(2195, 1, 1)) == datetime(2196, 2, 29)
    assert parse("cron(0 0 1 JAN ? 2199)").next_fire(datetime(1970, 1, 1)) is None  # beyond limit_days
    assert parse("cron(0 0 1 JAN ? 2199)").next_fire(datetime(2198, 6, 1)) == datetime(2199, 1, 1)
    assert parse("rate(7 days)").next_fire(SATURDAY_NOON, limit_days=1) is None
