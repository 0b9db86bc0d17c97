"""ISO weeks, the unit in which work time and training are logged, and the periods they are summed over.

A week is written `2026-W47` and stored as its Monday. A period is whole weeks: a week belongs to the
period when its Thursday falls in it (the ISO 8601 rule that assigns weeks to years), so consecutive
periods, months for instance, never count a week twice."""
import datetime as dt
import re

WEEK_CODE = re.compile(r"^(\d{4})-W(\d{2})$")
THURSDAY = dt.timedelta(days=3)
SUNDAY = dt.timedelta(days=6)


def parse_week(code):
    """`2026-W47` -> the Monday of that week; ValueError with the reason otherwise."""
    match = WEEK_CODE.match(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError("must be an ISO week such as 2026-W47")
    year, week = int(match[1]), int(match[2])
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}") from None


def week_code(monday):
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day):
    return day - dt.timedelta(days=day.weekday())


def week_start_bounds(start, end):
    """Bounds on a week's Monday for its Thursday to fall in [start, end], both inclusive."""
    return start - THURSDAY, end - THURSDAY
