"""Formation's plain rules, without a database: what a sortie positive is, how many hours a week can hold,
how weeks are written and counted in a period, and how a training share compares with its floor."""
import datetime as dt

import pytest

from services.formation.domain import hours_allowed, is_positive_exit
from services.formation.share import Time
from shared.contracts.formation import parse_week, week_code, week_start_bounds


@pytest.mark.parametrize("outcome, contract_months, positive", [
    ("cdi", None, True),
    ("cdd", 6, True),
    ("cdd", 18, True),
    ("cdd", 5, False),
    ("cdd", None, False),
    ("interim", 6, True),
    ("interim", 3, False),
    ("own_business", None, True),
    ("qualifying_course", None, True),
    ("job_search", None, False),
    ("other", None, False),
])
def test_a_sortie_positive_is_a_lasting_job_own_business_or_a_qualifying_course(outcome, contract_months, positive):
    assert is_positive_exit(outcome, contract_months) is positive


MONDAY = dt.date(2026, 11, 16)  # 2026-W47


@pytest.mark.parametrize("hired_on, exited_on, hours", [
    (dt.date(2025, 1, 6), None, 48),  # a whole week employed: the legal weekly maximum
    (MONDAY + dt.timedelta(days=4), None, 30),  # hired on the Friday: 3 days of 10 hours
    (MONDAY + dt.timedelta(days=6), None, 10),  # hired on the Sunday
    (dt.date(2025, 1, 6), MONDAY + dt.timedelta(days=1), 20),  # left on the Tuesday
    (dt.date(2025, 1, 6), MONDAY + dt.timedelta(days=4), 48),  # left on the Friday: 50 h capped at 48
    (MONDAY + dt.timedelta(days=7), None, 0),  # hired the week after
    (dt.date(2025, 1, 6), MONDAY - dt.timedelta(days=1), 0),  # left the week before
])
def test_a_week_holds_10_hours_per_day_employed_and_48_at_most(hired_on, exited_on, hours):
    assert hours_allowed(MONDAY, hired_on, exited_on) == hours


def test_an_iso_week_is_read_as_its_monday_and_written_back_the_same():
    assert parse_week("2026-W47") == MONDAY
    assert week_code(MONDAY) == "2026-W47"
    assert parse_week("2026-W01") == dt.date(2025, 12, 29)  # week 1 holds the year's first Thursday
    assert week_code(dt.date(2027, 1, 1)) == "2026-W53"


@pytest.mark.parametrize("code, reason", [
    ("2026-47", "ISO week"), ("2026-W7", "ISO week"), ("2025-W53", "no week 53"), ("2026-W00", "no week 0"),
    (None, "ISO week"),
])
def test_a_malformed_or_impossible_week_is_refused_with_its_reason(code, reason):
    with pytest.raises(ValueError, match=reason):
        parse_week(code)


def test_a_week_belongs_to_the_period_holding_its_thursday_so_months_share_no_week():
    def weeks(start, end):
        low, high = week_start_bounds(start, end)
        monday = parse_week("2026-W38")
        found = []
        while monday <= parse_week("2026-W50"):
            if low <= monday <= high:
                found.append(week_code(monday))
            monday += dt.timedelta(days=7)
        return found

    october = weeks(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    november = weeks(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    # W40 runs from Monday 28 September to Sunday 4 October, its Thursday is 1 October
    assert october == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert november == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_the_share_counts_both_kinds_of_training_and_compares_exactly_with_the_floor():
    time = Time(work=100 * 60, training=6 * 60, professional_project=3 * 60)
    assert time.share_pct() == 9.0
    assert time.below(9.0) is False  # at the floor is not below it
    assert time.below(9.5) is True
    assert time.missing_minutes(9.5) == 30
    assert Time().share_pct() is None and Time().below(9.0) is None  # nothing worked: nothing to judge
    at_floor = Time(work=25 * 60, training=81)  # 5.4% exactly, though 5.4 * 1500 is 8100.000000000001
    assert at_floor.below(5.4) is False and at_floor.missing_minutes(5.4) == 0
    assert (time + Time(work=60)).work == 101 * 60
