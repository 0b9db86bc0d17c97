"""The waiting room's rules: a ticket's number and label, the waits measured by the server, what an agent's slot
may be booked for, and which day's end closes what. No database, no broker: plain functions over instants,
days and the few facts the store hands in (a status, the slots already held); the store applies what they
decide (waiting_store.py)."""
import datetime as dt

from shared import localtime
from shared.errors import Conflict, invalid

TICKET_LETTER = "A"  # one queue per desk: the letter is what the waiting room's screen shows before the number
LONGEST_WAIT_MIN = 1440  # what an event says of a wait: never more than a day
LONGEST_VISIT_WAIT_MIN = 600  # what a visit records (its contract's range); a longer wait is the desk's day


def ticket_label(number: int) -> str:
    """`A-001`: what the person reads on their ticket and on the waiting room's screen."""
    return f"{TICKET_LETTER}-{number:03d}"


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes from `start` to `end` (never negative, at most a day), as the server's clock measured."""
    seconds = (end - start).total_seconds()
    return max(0, min(LONGEST_WAIT_MIN, int(seconds // 60)))


def visit_waiting(minutes: int) -> int:
    return min(minutes, LONGEST_VISIT_WAIT_MIN)


def may_leave(status: str, ticket_id: str) -> None:
    if status != "waiting":
        raise Conflict(f"ticket {ticket_id} is no longer waiting ({status})")


# -- appointments ------------------------------------------------------------------------------------------
def slot_key(agent_id: str, starts_at: dt.datetime) -> str:
    """What makes a slot one: an agent cannot hold two appointments starting at the same instant."""
    return f"{agent_id}@{starts_at.astimezone(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M')}"


def bookable(starts_at: dt.datetime, duration_min: int, now: dt.datetime,
             held: list[tuple[dt.datetime, int]]) -> None:
    """A slot is booked for a time to come, free in the agent's calendar: `held`, the (start, minutes) of the
    agent's appointments still booked that day, must not overlap it."""
    if starts_at <= now:
        raise invalid("starts_at", "must be in the future: an appointment is booked before its time")
    if starts_at.second or starts_at.microsecond:
        raise invalid("starts_at", "must be a whole minute")
    ends_at = starts_at + dt.timedelta(minutes=duration_min)
    for start, minutes in held:
        if start < ends_at and starts_at < start + dt.timedelta(minutes=minutes):
            raise Conflict(f"the agent's slot at {starts_at.isoformat()} is taken (an appointment from "
                           f"{start.isoformat()} for {minutes} minutes)")


def may_change_appointment(status: str, appointment_id: str, doing: str) -> None:
    if status != "booked":
        raise Conflict(f"appointment {appointment_id} is {status}: it cannot be {doing}")


def may_mark_missed(starts_at: dt.datetime, now: dt.datetime) -> None:
    """A no-show is noted once the appointment's time has come, not before."""
    if now < starts_at:
        raise Conflict("the appointment's time has not come: the person cannot have missed it yet")


def appointment_waiting(starts_at: dt.datetime, arrived_at: dt.datetime, seen_at: dt.datetime) -> int:
    """The wait of a person with an appointment: from its time, or from their arrival if they came late, to
    the moment they were received."""
    return minutes_between(max(starts_at, arrived_at), seen_at)


def arrival(arrived_at: dt.datetime | None, now: dt.datetime, field: str = "arrived_at") -> dt.datetime:
    arrived_at = arrived_at or now
    if arrived_at > now:
        raise invalid(field, "must not be in the future")
    if now - arrived_at > dt.timedelta(hours=12):
        raise invalid(field, "must be the same day: a person does not wait twelve hours")
    return arrived_at


# -- the end of a desk's day -------------------------------------------------------------------------------
def days_to_close(day: dt.date | None, today: dt.date) -> dt.date:
    """The last day whose waiting room closes: every day before today by default (the timer), or the day
    asked, today at most (the desk closes its doors now)."""
    if day is None:
        return today - dt.timedelta(days=1)
    if day > today:
        raise invalid("day", "must not be in the future: a day is closed when it ends, or today at closing time")
    return day


def end_of(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) a local day ends."""
    return localtime.day_bounds(day, zone)[1]
