"""Workshop sessions (ateliers collectifs): when a session may be planned, registered to, marked and closed,
and who may be named in it. No database, no broker: plain functions over the request, the clock and the few
facts the store hands in (a session's status, start, capacity and head counts); the store applies what they
decide (workshop_store.py)."""
import datetime as dt

from services.accueil.rules import CLOCK_SKEW, FOLLOW_UP, require_purpose
from shared.errors import Conflict, invalid

PLANNED_AFTER_THE_FACT = dt.timedelta(days=31)  # a session already held may be entered within a month


def planned_start(starts_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A session is planned ahead, or entered after the fact within a month (it is then marked and closed)."""
    if starts_at < now - PLANNED_AFTER_THE_FACT:
        raise invalid("starts_at", "must not be more than 31 days ago")
    return starts_at


def may_change(status: str, workshop_id: str) -> None:
    """Registrations and attendance change while a session is planned; held or cancelled, it is settled."""
    if status != "planned":
        raise Conflict(f"workshop {workshop_id} is {status}: its registrations and attendance are settled")


def may_register(status: str, workshop_id: str, registered: int, capacity: int) -> None:
    """One more registration while places are left: a full session refuses it (no waiting list)."""
    may_change(status, workshop_id)
    if registered >= capacity:
        raise Conflict(f"workshop {workshop_id} is full: its capacity is {capacity} and {registered} people are "
                       f"registered")


def named_person(purposes: list | None, citizen_id: int, field: str) -> None:
    """A person named in a session consented to be followed across the association's activities."""
    require_purpose(purposes, FOLLOW_UP, citizen_id, field, "naming them in a workshop")


def not_twice(already: bool, citizen_id: int, field: str) -> None:
    if already:
        raise Conflict(f"citizen {citizen_id} is already in this workshop ({field})")


def may_mark(status: str, workshop_id: str, starts_at: dt.datetime, now: dt.datetime) -> None:
    """Attendance is marked from the session's start on (a desk's clock may run a little ahead)."""
    may_change(status, workshop_id)
    if now + CLOCK_SKEW < starts_at:
        raise Conflict(f"workshop {workshop_id} starts at {starts_at.isoformat()}: attendance is marked from its "
                       f"start on")


def may_cancel_registration(status: str, workshop_id: str, registration_status: str, attended: bool) -> None:
    may_change(status, workshop_id)
    if registration_status != "registered":
        raise Conflict("this registration is already cancelled")
    if attended:
        raise Conflict("this person was marked present: mark them absent first")


def close(status: str, workshop_id: str, starts_at: dt.datetime, now: dt.datetime, attendees: int) -> bool:
    """Whether closing publishes: False for a session already held (a retry answers what it answered), a
    conflict for a cancelled one, one not started yet, or one nobody attended (cancel it instead)."""
    if status == "held":
        return False
    if status != "planned":
        raise Conflict(f"workshop {workshop_id} is {status}: it cannot be closed")
    if now + CLOCK_SKEW < starts_at:
        raise Conflict(f"workshop {workshop_id} starts at {starts_at.isoformat()}: it is closed once held")
    if attendees < 1:
        raise Conflict(f"no one was marked present at workshop {workshop_id}: mark who came, or cancel it")
    return True


def may_cancel(status: str, workshop_id: str) -> None:
    if status != "planned":
        raise Conflict(f"workshop {workshop_id} is {status}: only a planned session can be cancelled")


def places_left(capacity: int, registered: int) -> int:
    return max(capacity - registered, 0)
