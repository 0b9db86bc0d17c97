"""Médiation postée and ateliers collectifs: the rules of opening, filling and closing a visit, of naming a
person, and of recording a workshop. No database, no broker: plain functions over the request, the clock and
the few facts the store hands in (a visit's status, its opening, how many acts it has); the store applies
what they decide (store.py)."""
import datetime as dt
import hashlib
import hmac

from shared import localtime
from shared.errors import Conflict, Forbidden, InvalidRequest, invalid

CLOCK_SKEW = dt.timedelta(minutes=5)  # a desk's clock may run a little ahead of the server's
LONGEST_UNTIMED_VISIT_MIN = 600  # a visit open longer than this says how long it lasted
SEARCH_GRANTS = dt.timedelta(hours=1)  # a person found by name may be named at the searcher's desk this long
SEARCH_LIMIT = 10
FINDABLE = "follow_up"  # the consent purpose that lets a person be found by name at the association's desks


def visitor_ref(key: str, subject: str) -> str:
    """A keyed hash: stable for one citizen within the association, meaningless without the key."""
    return hmac.new(key.encode(), subject.encode(), hashlib.sha256).hexdigest()[:32]


def anonymous_subject(visit_id: str, index: int) -> str:
    """An anonymous person is a reference of their own, for this visit only."""
    return f"anonymous:{visit_id}:{index}"


def citizen_subject(citizen_id: int) -> str:
    return f"citizen:{citizen_id}"


def in_scope(reader: dict | None, pimms_id: str) -> None:
    """A call acting for a staff member acts on their desks only."""
    if reader is not None and pimms_id not in reader["desks"]:
        raise Forbidden(f"desk {pimms_id} is outside the desks of {reader['login']}")


def visible(reader: dict | None, pimms_id: str) -> bool:
    """Whether a visit of this desk exists for the caller (a visit of another desk reads as none)."""
    return reader is None or pimms_id in reader["desks"]


# -- visits -------------------------------------------------------------------------------------------------
def opened_at(req: dict, now: dt.datetime) -> dt.datetime:
    """When a visit opened: as the desk says (in UTC), or now; never in the future."""
    moment = req["opened_at"] or now
    if moment > now + CLOCK_SKEW:
        raise invalid("opened_at", "must not be in the future")
    return moment


def activity_of(motif: dict) -> str:
    """The franchise activity a visit falls under: budget advice is its own mandate."""
    return "point_conseil_budget" if motif["domain"] == "point_conseil_budget" else "accueil"


def first_visit(person: dict) -> bool:
    """An anonymous person is received for the first time unless the desk says otherwise."""
    return True if person["first_visit"] is None else person["first_visit"]


def may_name(reader: dict | None) -> None:
    """Naming a person is done by a staff member, whose signed identity the call carries."""
    if reader is None:
        raise Forbidden("naming a person needs the signed identity of the staff member who records it")


def unknown_citizen(index: int) -> InvalidRequest:
    """The one answer to a record that does not exist and to one that is not the caller's."""
    return InvalidRequest({"participants": {index: {"citizen": {"citizen_id": ["unknown citizen"]}}}})


def may_add_act(status: str, visit_id: str) -> None:
    if status != "open":
        raise Conflict(f"visit {visit_id} is closed: acts can only be added to an open visit")


def may_close(status: str, visit_id: str) -> None:
    if status != "open":
        raise Conflict(f"visit {visit_id} is already closed")


def closing(req: dict, now: dt.datetime, opened: dt.datetime, acts: int) -> tuple[dt.datetime, int]:
    """(closed_at, duration in minutes) of a visit opened at `opened` with `acts` acts (those added with
    the close included): at least one act; not in the future, not before it opened; a duration given, or
    measured since the opening unless that is over 600 minutes (forgotten open: the desk must say)."""
    if not acts:
        raise invalid("acts", "a visit closes with at least one act de médiation")
    closed_at = req["closed_at"] or now
    if closed_at > now + CLOCK_SKEW:
        raise invalid("closed_at", "must not be in the future")
    if closed_at < opened:
        raise invalid("closed_at", "must not be before the visit opened")
    duration = req["duration_min"]
    if duration is None:
        duration = round((closed_at - opened).total_seconds() / 60)
        if duration > LONGEST_UNTIMED_VISIT_MIN:
            raise invalid("duration_min", "is required when the visit stayed open over 600 minutes")
    return closed_at, duration


def recorded_visit_opening(req: dict, now: dt.datetime) -> dict:
    """A visit that is over, recorded as it ends: the opening request of a visit opened `duration_min`
    before it closed (default: now)."""
    closed_at = req["closed_at"] or now
    return {**req, "opened_at": closed_at - dt.timedelta(minutes=req["duration_min"])}


def registres_of(req: dict) -> list[str]:
    return sorted(set(req["registres"]))


# -- citizens ------------------------------------------------------------------------------------------------
def findable(consent_purposes: list | None) -> bool:
    """Only a person who consented to be followed across visits can be found by name at another desk."""
    return FINDABLE in (consent_purposes or [])


def search_granted_since(now: dt.datetime) -> dt.datetime:
    """A search made after this instant lets its author name the people it found."""
    return now - SEARCH_GRANTS


# -- workshops ------------------------------------------------------------------------------------------------
def workshop_day(held_on: dt.date, now: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """A workshop is recorded on the day it was held or later, in the association's calendar."""
    if held_on > localtime.today(zone, now + CLOCK_SKEW):
        raise invalid("held_on", "must not be in the future (the association's calendar)")
    return held_on
