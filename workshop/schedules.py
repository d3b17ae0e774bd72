"""EventBridge schedule expressions: `rate(...)` and AWS's six-field `cron(...)`.

Pure functions, no I/O. `parse()` accepts what PutRule accepts and raises `InvalidScheduleError`
for the rest; a `Schedule` answers "does it fire at this minute?" and "when does it fire next?".
All times are UTC (EventBridge rules have no time zone). Naive datetimes are read as UTC; aware
ones are converted to UTC, and results keep the caller's style (naive in, naive out).

Reference: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html and
eb-rate-expressions.html.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

__all__ = ["InvalidScheduleError", "Schedule", "parse"]

# AWS's API message for any expression PutRule rejects; ours adds the reason after it.
AWS_MESSAGE = "Parameter ScheduleExpression is not valid."

_EPOCH = datetime(1970, 1, 1)
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}  # AWS: 1=SUN ... 7=SAT
_RATE_UNITS = {"minute": 1, "hour": 60, "day": 1440}


class InvalidScheduleError(ValueError):
    """The expression is not one EventBridge's PutRule accepts."""

    def __init__(self, expression: str, reason: str):
        self.expression = expression
        self.reason = reason
        super().__init__(f"{AWS_MESSAGE} {expression!r}: {reason}")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_MINUTE = _Field("Minutes", 0, 59)
_HOUR = _Field("Hours", 0, 23)
_DOM = _Field("Day-of-month", 1, 31)
_MONTH = _Field("Month", 1, 12, _MONTHS)
_DOW = _Field("Day-of-week", 1, 7, _DAYS)
_YEAR = _Field("Year", 1970, 2199)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule expression. Build it with `parse()`."""

    expression: str
    kind: str  # "rate" or "cron"
    rate_minutes: int = 0
    minutes: frozenset[int] = field(default=frozenset(), repr=False)
    hours: frozenset[int] = field(default=frozenset(), repr=False)
    months: frozenset[int] = field(default=frozenset(), repr=False)
    years: frozenset[int] = field(default=frozenset(), repr=False)
    # Day matching: exactly one of dom/dow is "?" in AWS cron, so only one of these is set.
    dom: frozenset[int] | None = field(default=None, repr=False)
    dom_special: str | None = field(default=None, repr=False)  # "L", "LW" or "<n>W"
    dow: frozenset[int] | None = field(default=None, repr=False)
    dow_special: tuple[str, int, int] | None = field(default=None, repr=False)  # ("L", day, 0) / ("#", day, nth)

    # -- queries ---------------------------------------------------------------------------

    def fires_at(self, minute: datetime, created_at: datetime | None = None) -> bool:
        """True when the schedule fires during this UTC minute (seconds are ignored).

        For rate() the cadence is counted from `created_at` (AWS starts a rate schedule when
        the rule is created; default: the epoch). The creation minute itself does not fire.
        """
        m = _utc_minute(minute)
        if self.kind == "rate":
            start = _utc_minute(created_at) if created_at is not None else _EPOCH
            delta = int((m - start).total_seconds() // 60)
            return delta > 0 and delta % self.rate_minutes == 0
        return m.minute in self.minutes and m.hour in self.hours and self._day_matches(m.date())

    def next_fire(self, after: datetime, created_at: datetime | None = None,
                  limit_days: int = 366 * 5) -> datetime | None:
        """First firing minute strictly after `after`, or None if none within `limit_days`."""
        aware = after.tzinfo is not None
        start = _utc_minute(after) + timedelta(minutes=1)
        horizon = start + timedelta(days=limit_days)
        found: datetime | None
        if self.kind == "rate":
            origin = _utc_minute(created_at) if created_at is not None else _EPOCH
            delta = int((start - origin).total_seconds() // 60)
            k = max(1, -(-delta // self.rate_minutes))  # ceil, and never the creation minute
            found = origin + timedelta(minutes=k * self.rate_minutes)
        else:
            found = self._next_cron(start, horizon)
        if found is None or found >= horizon:
            return None
        return found.replace(tzinfo=timezone.utc) if aware else found

    # -- cron internals --------------------------------------------------------------------

    def _next_cron(self, start: datetime, horizon: datetime) -> datetime | None:
        # Walk day by day, skipping days that cannot match, then pick the first hour/minute.
        day = start.date()
        hours, minutes, last_year = sorted(self.hours), sorted(self.minutes), max(self.years)
        while datetime.combine(day, datetime.min.time()) < horizon:
            if day.year > last_year:
                return None
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _first_of_next_month(day)
                continue
            if self._day_matches(day):
                floor = start if day == start.date() else None
                for h in hours:
                    if floor is not None and h < floor.hour:
                        continue
                    for mi in minutes:
                        if floor is not None and h == floor.hour and mi < floor.minute:
                            continue
                        return datetime(day.year, day.month, day.day, h, mi)
            day += timedelta(days=1)
        return None

    def _day_matches(self, d: date) -> bool:
        if d.year not in self.years or d.month not in self.months:
            return False
        last = calendar.monthrange(d.year, d.month)[1]
        if self.dom is not None:
            return d.day in self.dom
        if self.dom_special is not None:
            return d.day == _special_dom(self.dom_special, d.year, d.month, last)
        weekday = d.isoweekday() % 7 + 1  # Python Mon=1..Sun=7 -> AWS Sun=1..Sat=7
        if self.dow is not None:
            return weekday in self.dow
        assert self.dow_special is not None
        kind, wanted, nth = self.dow_special
        if weekday != wanted:
            return False
        if kind == "L":  # last such weekday of the month
            return d.day + 7 > last
        return (d.day - 1) // 7 + 1 == nth  # "#": the nth such weekday of the month


# -- parsing -------------------------------------------------------------------------------


def parse(expression: str) -> Schedule:
    """Parse a ScheduleExpression as EventBridge PutRule would; raise InvalidScheduleError."""
    if not isinstance(expression, str):
        raise InvalidScheduleError(repr(expression), "the expression must be a string")
    text = expression.strip()
    if text.startswith("rate(") and text.endswith(")"):
        return _parse_rate(expression, text[5:-1])
    if text.startswith("cron(") and text.endswith(")"):
        return _parse_cron(expression, text[5:-1])
    raise InvalidScheduleError(expression, "expected rate(value unit) or cron(fields)")


def _parse_rate(expression: str, body: str) -> Schedule:
    m = re.fullmatch(r"\s*(\d+)\s+([a-z]+)\s*", body)
    if not m:
        raise InvalidScheduleError(expression, "rate() takes a positive whole number and a unit, "
                                               "e.g. rate(5 minutes)")
    value, unit = int(m.group(1)), m.group(2)
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in _RATE_UNITS:
        raise InvalidScheduleError(expression, f"unknown unit {unit!r} "
                                               "(use minute(s), hour(s) or day(s))")
    if value <= 0:
        raise InvalidScheduleError(expression, "the rate value must be a positive number")
    # AWS: singular unit for 1, plural for more ("rate(1 hours)" and "rate(5 hour)" are invalid).
    if value == 1 and unit != singular:
        raise InvalidScheduleError(expression, f"a value of 1 takes the singular unit: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise InvalidScheduleError(expression, f"a value above 1 takes the plural unit: "
                                               f"rate({value} {singular}s)")
    return Schedule(expression=expression, kind="rate", rate_minutes=value * _RATE_UNITS[singular])


def _parse_cron(expression: str, body: str) -> Schedule:
    parts = body.split()
    if len(parts) != 6:
        raise InvalidScheduleError(expression, f"cron() takes 6 fields (Minutes Hours Day-of-month "
                                               f"Month Day-of-week Year), got {len(parts)}")
    minute_s, hour_s, dom_s, month_s, dow_s, year_s = (p.upper() for p in parts)

    def bad(reason: str) -> InvalidScheduleError:
        return InvalidScheduleError(expression, reason)

    # AWS: you can't specify both Day-of-month and Day-of-week; exactly one of them is "?".
    if (dom_s == "?") == (dow_s == "?"):
        raise bad("exactly one of Day-of-month and Day-of-week must be '?' "
                  "(e.g. cron(0 10 * * ? *) or cron(0 18 ? * MON-FRI *))")
    for f, text in ((_MINUTE, minute_s), (_HOUR, hour_s), (_MONTH, month_s), (_YEAR, year_s)):
        if "?" in text:
            raise bad(f"'?' is only allowed in Day-of-month or Day-of-week, not in {f.name}")

    kwargs: dict = {
        "minutes": _parse_list(minute_s, _MINUTE, bad),
        "hours": _parse_list(hour_s, _HOUR, bad),
        "months": _parse_list(month_s, _MONTH, bad),
        "years": _parse_list(year_s, _YEAR, bad),
    }
    if dom_s != "?":
        special = _parse_dom_special(dom_s, bad)
        if special is not None:
            kwargs["dom_special"] = special
        else:
            kwargs["dom"] = _parse_list(dom_s, _DOM, bad)
    elif dow_s == "L":  # "L" alone in Day-of-week is the last day of the week: Saturday (7)
        kwargs["dow"] = frozenset({7})
    else:
        special_dow = _parse_dow_special(dow_s, bad)
        if special_dow is not None:
            kwargs["dow_special"] = special_dow
        else:
            kwargs["dow"] = _parse_list(dow_s, _DOW, bad)
    return Schedule(expression=expression, kind="cron", **kwargs)


def _parse_dom_special(text: str, bad) -> str | None:
    if "L" not in text and "W" not in text:
        return None
    if text in ("L", "LW"):
        return text
    m = re.fullmatch(r"(\d{1,2})W", text)
    if m and 1 <= int(m.group(1)) <= 31:
        return text
    raise bad(f"Day-of-month {text!r}: L and W are used alone as 'L', 'LW' or '<day>W' (e.g. 15W)")


def _parse_dow_special(text: str, bad) -> tuple[str, int, int] | None:
    if "L" in text or "#" in text:
        m = re.fullmatch(r"([1-7]|[A-Z]{3})L", text)
        if m:
            return ("L", _value(m.group(1), _DOW, bad), 0)
        m = re.fullmatch(r"([1-7]|[A-Z]{3})#([1-5])", text)
        if m:
            return ("#", _value(m.group(1), _DOW, bad), int(m.group(2)))
        raise bad(f"Day-of-week {text!r}: use '<day>L' (last such day of the month) or "
                  "'<day>#<n>' (nth such day), alone in the field (e.g. 6L, 3#2)")
    return None


def _parse_list(text: str, f: _Field, bad) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise bad(f"{f.name} {text!r}: empty list item")
        values |= _parse_item(item, f, bad)
    return frozenset(values)


def _parse_item(item: str, f: _Field, bad) -> set[int]:
    step = 1
    if "/" in item:
        base, _, step_s = item.partition("/")
        if not step_s.isdigit() or int(step_s) == 0:
            raise bad(f"{f.name} {item!r}: the increment after '/' must be a positive number")
        step = int(step_s)
    else:
        base = item
    if base == "*":
        start, end = f.low, f.high
    elif "-" in base:
        a, _, b = base.partition("-")
        start, end = _value(a, f, bad), _value(b, f, bad)
    else:
        start = _value(base, f, bad)
        # "5/15" means from 5 to the end of the range in steps of 15; a bare value is just itself.
        end = f.high if "/" in item else start
    if start <= end:
        return set(range(start, end + 1, step))
    if f is _YEAR:
        raise bad(f"{f.name} {item!r}: the range runs backwards")
    # A range that wraps past the end (e.g. FRI-MON, 22-2) continues from the start of the field.
    span = list(range(start, f.high + 1)) + list(range(f.low, end + 1))
    return set(span[::step])


def _value(text: str, f: _Field, bad) -> int:
    if f.names and text in f.names:
        return f.names[text]
    if not text.isdigit():
        names = f" or {min(f.names, key=f.names.get)}-{max(f.names, key=f.names.get)}" if f.names else ""
        raise bad(f"{f.name}: {text!r} is not a value ({f.low}-{f.high}{names})")
    n = int(text)
    if not f.low <= n <= f.high:
        raise bad(f"{f.name}: {n} is out of range {f.low}-{f.high}")
    return n


def _special_dom(spec: str, year: int, month: int, last: int) -> int | None:
    """The day of the month that an L / LW / nW Day-of-month fires on (None: no such day)."""
    if spec == "L":
        return last
    if spec == "LW":
        target = last
    else:
        target = int(spec[:-1])
        if target > last:
            return None
    wd = date(year, month, target).weekday()  # Mon=0 .. Sun=6
    if wd < 5:
        return target
    # Nearest weekday, without leaving the month (Quartz semantics, which AWS follows).
    if wd == 5:  # Saturday: Friday before, or Monday after when the 1st is a Saturday
        return target - 1 if target > 1 else target + 2
    return target + 1 if target < last else target - 2  # Sunday


def _first_of_next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _utc_minute(dt: datetime) -> datetime:
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.replace(second=0, microsecond=0)
