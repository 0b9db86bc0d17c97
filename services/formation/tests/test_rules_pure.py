"""Formation's plain rules, without a database and without a broker (rules.py, share.py): what a sortie
positive is, how many hours a week can hold, what may be logged of a week, a training, a milestone and an
exit, how weeks are written and counted in a period, how a training share compares with its floor, and when
a former agent's name has been kept long enough.
The same rules seen through the service, with nothing stored when they refuse, are in test_rules.py."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.formation import rules, share
from services.formation.rules import Employment, hours_allowed, is_positive_exit
from services.formation.share import Time
from shared.contracts.formation import parse_week, week_code, week_start_bounds
from shared.errors import Conflict, InvalidRequest


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


# -- durations and days -------------------------------------------------------------------------------------
def refusal(call, *args):
    """The field and the rule of the InvalidRequest a rule raises."""
    with pytest.raises(InvalidRequest) as exc:
        call(*args)
    [(field, [rule])] = exc.value.errors.items()
    return field, rule


def test_durations_are_whole_minutes_and_read_back_as_decimal_hours():
    assert rules.to_minutes(3.5) == 210 and rules.to_minutes(0.004) == 0
    assert rules.to_hours(210) == 3.5 and rules.to_hours(1) == 0.0167


def test_a_duration_under_a_minute_is_refused_naming_its_field():
    assert rules.some_minutes(35, "weekly_hours") == 2100
    assert refusal(rules.some_minutes, 0.001, "weekly_hours") == ("weekly_hours", "must be at least one minute")
    assert refusal(rules.some_minutes, 0, "hours") == ("hours", "must be at least one minute")


def test_today_is_the_date_of_the_desk_furthest_ahead_of_utc():
    assert rules.local_today(dt.datetime(2025, 12, 31, 9, 59, tzinfo=dt.timezone.utc)) == dt.date(2025, 12, 31)
    assert rules.local_today(dt.datetime(2025, 12, 31, 10, 0, tzinfo=dt.timezone.utc)) == dt.date(2026, 1, 1)


# -- hiring -------------------------------------------------------------------------------------------------
TODAY = dt.date(2025, 12, 22)


def test_a_hire_is_recorded_from_its_first_day_not_before():
    rules.check_hiring_date(TODAY, TODAY)  # hired today: fine
    field, rule = refusal(rules.check_hiring_date, TODAY + dt.timedelta(days=1), TODAY)
    assert field == "hired_on" and "must not be in the future" in rule


# -- weeks --------------------------------------------------------------------------------------------------
HIRED = Employment(hired_on=dt.date(2025, 9, 5))  # the Friday of 2025-W36
LEFT = Employment(hired_on=dt.date(2025, 9, 1), exited_on=dt.date(2025, 9, 10))  # left on the Wednesday of W37


@pytest.mark.parametrize("week, employment", [
    ("2025-W36", HIRED),  # the week of the hiring day
    ("2025-W37", LEFT),  # the week of the exit day
    ("2025-W52", HIRED),  # the week holding today
])
def test_a_week_within_the_employment_that_has_started_may_be_logged(week, employment):
    rules.check_week(parse_week(week), employment, TODAY)


@pytest.mark.parametrize("week, employment, rule", [
    ("2026-W01", HIRED, "2026-W01 has not started yet"),
    ("2025-W35", HIRED, "2025-W35 is before the agent was hired on 2025-09-05"),
    ("2025-W38", LEFT, "2025-W38 is after the agent left on 2025-09-10"),
])
def test_a_week_not_started_before_hiring_or_after_the_exit_is_refused(week, employment, rule):
    assert refusal(rules.check_week, parse_week(week), employment, TODAY) == ("week", rule)


def test_a_weeks_work_time_is_bounded_by_its_days_employed_and_the_legal_maximum():
    rules.check_work_within_week(parse_week("2025-W36"), 30 * 60, HIRED)  # three days of 10 hours
    field, rule = refusal(rules.check_work_within_week, parse_week("2025-W36"), 31 * 60, HIRED)
    assert field == "hours"
    assert rule == "2025-W36 allows at most 30 hours for this agent (10 h a day employed, 48 h a week)"
    rules.check_work_within_week(parse_week("2025-W40"), 48 * 60, HIRED)
    assert "at most 48 hours" in refusal(rules.check_work_within_week, parse_week("2025-W40"), 48 * 60 + 1, HIRED)[1]
    assert "at most 30 hours" in refusal(rules.check_work_within_week, parse_week("2025-W37"), 31 * 60, LEFT)[1]


def test_work_time_cannot_be_set_below_the_training_already_in_the_week():
    rules.check_work_covers_training(parse_week("2025-W37"), 7 * 60, 7 * 60)  # exactly the training: fine
    field, rule = refusal(rules.check_work_covers_training, parse_week("2025-W37"), 6 * 60, 7 * 60)
    assert field == "hours"
    assert rule == "is less than the 7.0 h of training already logged for 2025-W37, which is part of working time"


# -- training -----------------------------------------------------------------------------------------------
def test_training_waits_for_the_weeks_work_time():
    rules.check_work_logged(parse_week("2025-W38"), 0)  # logged, if as nothing: the bound below then refuses
    field, rule = refusal(rules.check_work_logged, parse_week("2025-W38"), None)
    assert field == "week" and "2025-W38 has no work time logged" in rule
    assert "log the week's work time before its training" in rule


def test_training_fits_within_the_weeks_work_time_with_what_is_already_logged():
    week = parse_week("2025-W37")
    rules.check_training_within_work(week, 4 * 60, 6 * 60, 10 * 60)  # exactly the week's work: fine
    field, rule = refusal(rules.check_training_within_work, week, 270, 6 * 60, 10 * 60)
    assert field == "hours"
    assert rule == "would bring 2025-W37's training to 10.5 h, beyond the 10.0 h of work logged for it"


# -- qualification path -------------------------------------------------------------------------------------
@pytest.mark.parametrize("day", [dt.date(2025, 9, 1), dt.date(2025, 9, 10)])
def test_a_milestone_falls_within_the_employment_both_ends_included(day):
    rules.check_milestone_date(day, LEFT, TODAY)


@pytest.mark.parametrize("day, employment, rule", [
    (TODAY + dt.timedelta(days=1), HIRED, "must not be in the future"),
    (dt.date(2025, 9, 4), HIRED, "is before the agent was hired on 2025-09-05"),
    (dt.date(2025, 9, 11), LEFT, "is after the agent left on 2025-09-10"),
])
def test_a_milestone_in_the_future_or_outside_the_employment_is_refused(day, employment, rule):
    assert refusal(rules.check_milestone_date, day, employment, TODAY) == ("reached_on", rule)


# -- exit ---------------------------------------------------------------------------------------------------
def test_an_exit_is_recorded_once_and_a_second_is_a_conflict():
    rules.check_first_exit("mat-0042", HIRED)
    with pytest.raises(Conflict) as exc:
        rules.check_first_exit("mat-0042", LEFT)
    assert str(exc.value) == "agent mat-0042 already left on 2025-09-10: an exit is recorded once"


@pytest.mark.parametrize("day, rule", [
    (TODAY + dt.timedelta(days=1), "must not be in the future"),
    (dt.date(2025, 9, 4), "is before the agent was hired on 2025-09-05"),  # the day before hiring
])
def test_an_exit_in_the_future_or_before_hiring_is_refused(day, rule):
    rules.check_exit_date(HIRED.hired_on, HIRED, TODAY)  # leaving on the hiring day: fine
    assert refusal(rules.check_exit_date, day, HIRED, TODAY) == ("exited_on", rule)


EMPLOYED = Employment(hired_on=dt.date(2025, 9, 1))
W38 = parse_week("2025-W38")  # 35 h logged in it, the training_started milestone on 22 September
PATH = [("positioning", dt.date(2025, 9, 3)), ("training_started", dt.date(2025, 9, 22))]


def test_an_exit_may_fall_in_the_last_week_logged_if_its_days_hold_the_work():
    rules.check_nothing_after(dt.date(2025, 9, 16), EMPLOYED, W38, 20 * 60, PATH[:1])  # Monday and Tuesday
    rules.check_nothing_after(dt.date(2025, 9, 22), EMPLOYED, W38, None, PATH)  # the milestone's own day
    rules.check_nothing_after(dt.date(2025, 9, 2), EMPLOYED, None, None, [])  # nothing logged yet


@pytest.mark.parametrize("day, exit_week_minutes, rule", [
    (dt.date(2025, 9, 8), None, "work time is logged for 2025-W38, after this date"),
    (dt.date(2025, 9, 16), 35 * 60,
     "2025-W38 has 35.0 h of work logged, more than its 20 h up to this date allow"),  # Monday and Tuesday
    (dt.date(2025, 9, 19), 35 * 60, "milestone training_started is recorded on 2025-09-22, after this date"),
])
def test_an_exit_before_a_week_logged_its_work_or_a_milestone_is_refused(day, exit_week_minutes, rule):
    assert refusal(rules.check_nothing_after, day, EMPLOYED, W38, exit_week_minutes, PATH) == ("exited_on", rule)


def test_the_first_milestone_after_the_exit_is_the_one_named():
    late = [("positioning", dt.date(2025, 9, 3)), ("training_started", dt.date(2025, 10, 6)),
            ("certification_obtained", dt.date(2025, 11, 3))]
    field, rule = refusal(rules.check_nothing_after, dt.date(2025, 10, 1), EMPLOYED, None, None, late)
    assert rule == "milestone training_started is recorded on 2025-10-06, after this date"


# -- the training share's answers ---------------------------------------------------------------------------
OCTOBER = {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 31)}


def test_a_share_sums_the_agents_given_and_counts_only_those_who_worked():
    times = {"low": Time(work=105 * 60, training=5 * 60, professional_project=60), "idle": Time(training=0),
             "steady": Time(work=40 * 60, training=2 * 60, professional_project=2 * 60)}
    answer = share.training_share({"scope": "desk", "id": "lyon-8", **OCTOBER}, times, (9.0, "default"))
    assert answer == {
        "scope": "desk", "id": "lyon-8", "from": "2025-10-01", "to": "2025-10-31",
        "work_hours": 145.0, "training_hours": 10.0, "hours_by_kind": {"training": 7.0, "professional_project": 3.0},
        "share_pct": 6.9, "floor_pct": 9.0, "floor_source": "default", "below_floor": True, "agents": 2,
    }
    nothing = share.training_share({"scope": "desk", "id": "paris-20", **OCTOBER}, {}, (12.0, "contract"))
    assert (nothing["work_hours"], nothing["share_pct"], nothing["below_floor"], nothing["agents"]) == (
        0.0, None, None, 0)


def test_agents_under_the_floor_come_lowest_first_and_those_without_work_time_apart():
    times = {"b": Time(work=100 * 60, training=5 * 60), "a": Time(work=100 * 60, training=5 * 60),
             "low": Time(work=100 * 60, training=60), "fine": Time(work=100 * 60, training=9 * 60),
             "trained_only": Time(training=60)}
    answer = share.agents_under_floor({"pimms_id": "lyon-8", **OCTOBER}, times,
                                      ["a", "b", "fine", "low", "new", "trained_only"], (9.0, "contract"))
    assert [(a["agent_id"], a["share_pct"], a["missing_hours"]) for a in answer["agents"]] == [
        ("low", 1.0, 8.0), ("a", 5.0, 4.0), ("b", 5.0, 4.0)]
    assert answer["without_work_time"] == ["new", "trained_only"]
    assert (answer["pimms_id"], answer["from"], answer["floor_pct"], answer["floor_source"]) == (
        "lyon-8", "2025-10-01", 9.0, "contract")


# -- retention of agents' names -------------------------------------------------------------------------------
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("exited_on, months, kept_until", [
    (dt.date(2020, 6, 30), 60, dt.date(2025, 6, 30)),
    (dt.date(2020, 2, 29), 60, dt.date(2025, 2, 28)),  # no 29 February in 2025: the month's last day
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2024, 11, 15), 2, dt.date(2025, 1, 15)),  # across a year
    (dt.date(2024, 12, 31), 12, dt.date(2025, 12, 31)),
])
def test_a_name_is_kept_until_the_same_day_so_many_calendar_months_after_the_exit(exited_on, months, kept_until):
    assert rules.identity_kept_until(exited_on, months) == kept_until


def test_a_name_is_due_for_erasure_from_the_day_after_it_was_kept_until_and_not_before():
    leavers = [("gone-long-ago", dt.date(2019, 3, 1)), ("kept-until-today", dt.date(2020, 6, 30)),
               ("kept-until-yesterday", dt.date(2020, 6, 29)), ("recent", dt.date(2024, 5, 2))]
    assert rules.due_for_erasure(leavers, dt.date(2025, 6, 30), 60) == ["gone-long-ago", "kept-until-yesterday"]
    assert rules.due_for_erasure(leavers, dt.date(2025, 7, 1), 60) == [
        "gone-long-ago", "kept-until-today", "kept-until-yesterday"]
    assert rules.due_for_erasure(leavers, dt.date(2025, 7, 1), 12) == [agent_id for agent_id, _ in leavers]
    assert rules.due_for_erasure([], dt.date(2025, 7, 1), 60) == []


@pytest.mark.parametrize("setting, months", [(60, 60), ("60", 60), (" 24 ", 24), (1, 1)])
def test_the_retention_setting_is_a_whole_number_of_months(setting, months):
    assert rules.retention_months(setting) == months


@pytest.mark.parametrize("setting", [0, -12, "0", "5 years", "", None, 6.5, True])
def test_a_retention_setting_that_is_not_one_month_or_more_stops_the_run_and_names_the_setting(setting):
    with pytest.raises(ValueError, match="AGENT_RETENTION_MONTHS"):
        rules.retention_months(setting)


def test_a_run_erases_as_of_the_associations_date_today_or_a_past_day_an_operator_gives():
    now = dt.datetime(2025, 6, 30, 22, 30, tzinfo=dt.timezone.utc)  # already 1 July in Paris
    assert rules.erasure_day(None, now, PARIS) == dt.date(2025, 7, 1)
    assert rules.erasure_day(None, now, ZoneInfo("America/Cayenne")) == dt.date(2025, 6, 30)
    assert rules.erasure_day(dt.datetime(2024, 3, 1, 12, tzinfo=dt.timezone.utc), now, PARIS) == dt.date(2024, 3, 1)
    later_today = now + dt.timedelta(hours=1)  # the same day in Paris: nothing erased before its time
    assert rules.erasure_day(later_today, now, PARIS) == dt.date(2025, 7, 1)


def test_a_run_as_of_a_day_to_come_is_refused():
    now = dt.datetime(2025, 6, 30, 10, tzinfo=dt.timezone.utc)
    field, rule = refusal(rules.erasure_day, dt.datetime(2025, 7, 1, 10, tzinfo=dt.timezone.utc), now, PARIS)
    assert (field, rule) == ("now", "must not be in the future: the association's date is 2025-06-30, not 2025-07-01")
