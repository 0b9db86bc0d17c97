"""Formation's rules as plain functions over plain data: what a sortie positive is, how much work a week can
hold, what may be recorded of an agent's weeks, training, qualification path and exit, and when a former
agent's name has been kept long enough (AGENT_RETENTION_MONTHS after the exit). No database, no
broker: the store (store.py) fetches the facts a rule needs, asks it, and writes only what it lets through.
A refusal is a typed error (shared.errors) naming the field and the rule."""
import datetime as dt
from dataclasses import dataclass

from shared.contracts.formation import SUNDAY, TIMED_OUTCOMES, monday_of, week_code
from shared.errors import Conflict, invalid

# A desk's calendar runs up to 14 hours ahead of UTC (the Pacific territories): a date no later than UTC's
# date 14 hours from now is not in the future anywhere in the network.
AHEAD_OF_UTC = dt.timedelta(hours=14)
DAY_MAX_HOURS = 10  # Code du travail, L3121-18: at most 10 hours of work in a day
WEEK_MAX_HOURS = 48  # L3121-20: at most 48 hours of work in a week

# Sortie positive, the network's definition: a lasting job, one's own business, or a qualifying course.
POSITIVE_OUTCOMES = frozenset({"cdi", "own_business", "qualifying_course"})
LASTING_MONTHS = 6  # a CDD or an interim assignment is a lasting job from 6 months on


@dataclass(frozen=True)
class Employment:
    """An agent's employment as the rules see it: from the hiring day to the exit day, if there is one."""

    hired_on: dt.date
    exited_on: dt.date | None = None


# -- durations and days -------------------------------------------------------------------------------------
def to_minutes(hours):
    return round(hours * 60)


def to_hours(minutes):
    return round(minutes / 60, 4)


def some_minutes(hours, field):
    """A duration that must not be nil, in whole minutes: 0.001 hours is no time at all.

    >>> some_minutes(3.5, "hours")
    210
    """
    minutes = to_minutes(hours)
    if minutes < 1:
        raise invalid(field, "must be at least one minute")
    return minutes


def local_today(now):
    """The latest date any desk's calendar shows at `now` (an aware UTC datetime)."""
    return (now + AHEAD_OF_UTC).date()


# -- the sortie positive and the week's bound ---------------------------------------------------------------
def is_positive_exit(outcome, contract_months=None):
    """CDI, CDD or interim of 6 months or more, own business, qualifying course: positive. Job search,
    other, and a shorter CDD or interim: not."""
    if outcome in POSITIVE_OUTCOMES:
        return True
    if outcome in TIMED_OUTCOMES:
        return contract_months is not None and contract_months >= LASTING_MONTHS
    return False


def hours_allowed(week_start, hired_on, exited_on=None):
    """The most work one week can hold for an agent: 10 hours for each day of it they were employed,
    48 hours at most; 0 for a week wholly outside their employment."""
    first = max(week_start, hired_on)
    last = week_start + SUNDAY if exited_on is None else min(week_start + SUNDAY, exited_on)
    days = (last - first).days + 1
    return max(0, min(WEEK_MAX_HOURS, DAY_MAX_HOURS * days))


# -- hiring -------------------------------------------------------------------------------------------------
def check_hiring_date(hired_on, today):
    if hired_on > today:
        raise invalid("hired_on", "must not be in the future: record the hire from its first day")


# -- work time and training ---------------------------------------------------------------------------------
def check_week(week, employment, today):
    """A week (its Monday) may be logged once it has started, and only within the employment."""
    code = week_code(week)
    if week > monday_of(today):
        raise invalid("week", f"{code} has not started yet")
    if week + SUNDAY < employment.hired_on:
        raise invalid("week", f"{code} is before the agent was hired on {employment.hired_on}")
    if employment.exited_on is not None and week > employment.exited_on:
        raise invalid("week", f"{code} is after the agent left on {employment.exited_on}")


def check_work_within_week(week, minutes, employment):
    """A week's work time no more than its days employed allow, and never above the legal weekly maximum."""
    allowed = hours_allowed(week, employment.hired_on, employment.exited_on)
    if minutes > allowed * 60:
        raise invalid("hours", f"{week_code(week)} allows at most {allowed} hours for this agent "
                               f"({DAY_MAX_HOURS} h a day employed, {WEEK_MAX_HOURS} h a week)")


def check_work_covers_training(week, minutes, trained):
    """A week's work time not below the `trained` minutes already logged in it: training is working time."""
    if minutes < trained:
        raise invalid("hours", f"is less than the {to_hours(trained)} h of training already logged for "
                               f"{week_code(week)}, which is part of working time")


def check_work_logged(week, worked):
    """Training comes after the week's work time (`worked`, in minutes, None when not logged)."""
    if worked is None:
        raise invalid("week", f"{week_code(week)} has no work time logged: log the week's work time before "
                              "its training, which is part of it")


def check_training_within_work(week, minutes, trained, worked):
    """`minutes` more of training, with the `trained` minutes already in the week, within its `worked` minutes."""
    total = trained + minutes
    if total > worked:
        raise invalid("hours", f"would bring {week_code(week)}'s training to {to_hours(total)} h, beyond the "
                               f"{to_hours(worked)} h of work logged for it")


# -- qualification path and exit ----------------------------------------------------------------------------
def check_milestone_date(day, employment, today):
    if day > today:
        raise invalid("reached_on", "must not be in the future")
    if day < employment.hired_on:
        raise invalid("reached_on", f"is before the agent was hired on {employment.hired_on}")
    if employment.exited_on is not None and day > employment.exited_on:
        raise invalid("reached_on", f"is after the agent left on {employment.exited_on}")


def check_first_exit(agent_id, employment):
    """An exit is recorded once: a second one is a conflict with the agent's state, not a bad request."""
    if employment.exited_on is not None:
        raise Conflict(f"agent {agent_id} already left on {employment.exited_on}: an exit is recorded once")


def check_exit_date(day, employment, today):
    if day > today:
        raise invalid("exited_on", "must not be in the future")
    if day < employment.hired_on:
        raise invalid("exited_on", f"is before the agent was hired on {employment.hired_on}")


def check_nothing_after(day, employment, last_week, exit_week_minutes, milestones):
    """An exit date must leave every week already logged, and every milestone, within the employment.

    The facts: `last_week`, the Monday of the latest week with work time logged (None if none);
    `exit_week_minutes`, the work logged in the exit day's own week (None if none); `milestones`, the
    agent's (kind, reached_on) pairs in date order."""
    if last_week is not None and last_week > day:
        raise invalid("exited_on", f"work time is logged for {week_code(last_week)}, after this date")
    if exit_week_minutes is not None:
        exit_week = monday_of(day)
        allowed = hours_allowed(exit_week, employment.hired_on, day)
        if exit_week_minutes > allowed * 60:
            raise invalid("exited_on", f"{week_code(exit_week)} has {to_hours(exit_week_minutes)} h "
                                       f"of work logged, more than its {allowed} h up to this date allow")
    late = [(kind, reached_on) for kind, reached_on in milestones if reached_on > day]
    if late:
        kind, reached_on = late[0]
        raise invalid("exited_on", f"milestone {kind} is recorded on {reached_on}, after this date")


# -- retention of agents' names -----------------------------------------------------------------------------
# Five years after the exit: the longest a former employee has to bring a claim about their employment
# (discrimination, Code du travail L1134-5; pay is 3 years, L3245-1, the contract's performance 2, L1471-1),
# and the CNIL's reference for staff files (référentiel « gestion du personnel », 2019).
AGENT_RETENTION_MONTHS = 60


def retention_months(setting):
    """AGENT_RETENTION_MONTHS as configured (a number, or its digits from the environment): a whole number of
    months, one at least (a name erased the day after the exit would leave the association unable to answer
    for the employment)."""
    months = None
    if isinstance(setting, int) and not isinstance(setting, bool):
        months = setting
    elif isinstance(setting, str) and setting.strip().isdigit():
        months = int(setting)
    if months is None or months < 1:
        raise ValueError(f"AGENT_RETENTION_MONTHS must be a whole number of months, 1 or more, not {setting!r}")
    return months


def months_later(day, months):
    """The same day `months` calendar months later; a day the month lacks falls back to its last day
    (31 January + 1 month: 28 or 29 February).

    >>> months_later(dt.date(2020, 2, 29), 60)
    datetime.date(2025, 2, 28)
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def identity_kept_until(exited_on, months):
    """The last day an agent's name is kept: `months` after the exit day. It is erased from the day after."""
    return months_later(exited_on, months)


def erasure_day(requested, now, zone):
    """The day a run erases as of, in the association's calendar: today, or the day of the moment an operator
    gives (aware, UTC) to see what that day's run erased; never a day to come, which would erase early."""
    today = now.astimezone(zone).date()
    if requested is None:
        return today
    day = requested.astimezone(zone).date()
    if day > today:
        raise invalid("now", f"must not be in the future: the association's date is {today}, not {day}")
    return day


def due_for_erasure(leavers, day, months):
    """The ids, of `leavers` ((agent_id, exited_on) pairs of agents whose name is still held), whose name has
    been kept its `months` after the exit by `day`."""
    return [agent_id for agent_id, exited_on in leavers if identity_kept_until(exited_on, months) < day]
