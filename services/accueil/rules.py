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
    return not_after_now(req["opened_at"], now, "opened_at")


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


# -- the citizen's data lifecycle (consent, erasure, retention) --------------------------------------------------
CONTACT = "contact"  # the purpose a phone number or an e-mail address is kept for
FOLLOW_UP = "follow_up"
PURPOSES = ("follow_up", "contact", "partner_transmission")  # the order a record shows them in
# Two years without a visit: the CNIL's reference for social support records (référentiel « accompagnement
# social ») and what RDV Service Public and rdv-insertion apply; a person seen again keeps their record.
CITIZEN_RETENTION_MONTHS = 24
AUDIT_RETENTION_MONTHS = 12  # the trail of who read whom: long enough to answer a complaint about the year


def contact_details_need_consent(named: dict, index: int) -> None:
    """A phone or an e-mail is recorded for the purpose `contact` only: without it, they are not kept."""
    if (named["phone"] or named["email"]) and CONTACT not in named["consent"]["purposes"]:
        raise InvalidRequest({"participants": {index: {"citizen": {"consent": {"purposes": [
            "a phone or an e-mail is kept only with consent to the purpose contact: add it, or leave them out"]}}}}})


def require_purpose(purposes: list | None, purpose: str, citizen_id: int, field: str, doing: str) -> None:
    """Nothing named is recorded for a purpose the person did not consent to; the error names it."""
    if purpose not in (purposes or []):
        consented = ", ".join(purposes or []) or "none"
        raise invalid(field, f"{doing} needs the consent of citizen {citizen_id} to the purpose {purpose} "
                             f"(consented to: {consented}); record it first, or receive them anonymously")


def consent_after(current: list | None, action: str, purposes: list) -> list:
    """The purposes in force once `purposes` are given or withdrawn, in the order a record shows them."""
    held = set(current or [])
    held = held | set(purposes) if action == "given" else held - set(purposes)
    return [p for p in PURPOSES if p in held]


def not_after_now(moment: dt.datetime | None, now: dt.datetime, field: str) -> dt.datetime:
    """A consent given, or a retention computed, at a moment that has come (default: now): never ahead,
    which would erase records before their time."""
    moment = moment or now
    if moment > now + CLOCK_SKEW:
        raise invalid(field, "must not be in the future")
    return moment


def keeps_contact_details(purposes: list) -> bool:
    return CONTACT in purposes


def may_erase(reader: dict) -> None:
    """Erasing a person's record is the association's decision, taken by its manager."""
    if reader["role"] != "manager":
        raise Forbidden(f"erasing a citizen's record is for a manager of the association, not {reader['login']} "
                        f"({reader['role']})")


def retention_cutoffs(now: dt.datetime, citizen_months: int, audit_months: int) -> dict:
    """Identities without a visit since, and audit entries from before, these instants are past retention."""
    if citizen_months < 1 or audit_months < 1:
        raise ValueError("retention is at least one month (CITIZEN_RETENTION_MONTHS, AUDIT_RETENTION_MONTHS)")
    return {"identities": localtime.months_before(now, citizen_months),
            "trails": localtime.months_before(now, audit_months)}


def kept_until(last_seen: dt.datetime, citizen_months: int) -> dt.datetime:
    """When a record is erased if the person does not come back: what an export tells them."""
    return localtime.months_before(last_seen, -citizen_months)


# -- workshops ------------------------------------------------------------------------------------------------
def workshop_day(held_on: dt.date, now: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """A workshop is recorded on the day it was held or later, in the association's calendar."""
    if held_on > localtime.today(zone, now + CLOCK_SKEW):
        raise invalid("held_on", "must not be in the future (the association's calendar)")
    return held_on
