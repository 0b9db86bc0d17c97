"""Follow-ups (suivis) and referrals (mises en relation): who may be followed or referred, how a follow-up
moves and closes, how a referral is acknowledged and answered. No database, no broker: plain functions over
the request, the clock and the few facts the store hands in; the store applies what they decide
(case_store.py)."""
import datetime as dt

from services.accueil.rules import CLOCK_SKEW, FOLLOW_UP, require_purpose
from shared import localtime
from shared.contracts.accueil_cases import OPEN_STATUSES
from shared.errors import Conflict, InvalidRequest, invalid

PARTNER_TRANSMISSION = "partner_transmission"  # the consent a referral carrying the person's identity needs
# the anonymous reference on the slip: read aloud or typed back, so no letter that looks like a digit
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def reference(random_bytes: bytes) -> str:
    """`S-XXXX-XXXX` from 8 random bytes: about 2^39 codes, so guessing one is hopeless at the desk."""
    chars = [REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in random_bytes[:8]]
    return f"S-{''.join(chars[:4])}-{''.join(chars[4:])}"


def who_is_followed(named: list[tuple[int, list | None]], citizen_id: int | None) -> int | None:
    """The person a follow-up opened from a visit is about: the one asked for (who must be in the visit), or
    the visit's one named person; None (anonymous, with a reference) when it names nobody. `named`: the
    visit's named people as (record number, consented purposes)."""
    numbers = [number for number, _ in named]
    if citizen_id is not None and citizen_id not in numbers:
        raise invalid("citizen_id", "is not a person named in this visit")
    if citizen_id is None and len(numbers) > 1:
        raise invalid("citizen_id", "the visit names several people: say which one is followed")
    chosen = citizen_id if citizen_id is not None else (numbers[0] if numbers else None)
    if chosen is not None:
        require_purpose(dict(named)[chosen], FOLLOW_UP, chosen, "citizen_id", "a follow-up")
    return chosen


def due_date(due_on: dt.date, today: dt.date) -> dt.date:
    """A next action is due today or later (the association's calendar)."""
    if due_on < today:
        raise invalid("due_on", "must not be before today")
    return due_on


def may_change(status: str, case_id: str) -> None:
    if status not in OPEN_STATUSES:
        raise Conflict(f"follow-up {case_id} is closed: it cannot be changed")


def days_between(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> int:
    """Whole days from one local day to another: opened and closed the same day is 0."""
    return (localtime.local_date(end, zone) - localtime.local_date(start, zone)).days


def is_due(status: str, due_on: dt.date, today: dt.date) -> bool:
    """Whether a follow-up is to call back: still open and due today or earlier."""
    return status in OPEN_STATUSES and due_on <= today


# -- referrals --------------------------------------------------------------------------------------------------
def identity_sent(with_identity: bool, named: list[tuple[int, list | None]]) -> int | None:
    """The record whose identity goes with a referral: none unless asked; asked, the visit's one named person,
    who must have consented to partner_transmission (the error names the purpose)."""
    if not with_identity:
        return None
    if not named:
        raise invalid("with_identity", "no one is named in this visit: the referral goes without an identity")
    if len(named) > 1:
        raise invalid("with_identity", "the visit names several people: refer them one visit at a time")
    number, purposes = named[0]
    require_purpose(purposes, PARTNER_TRANSMISSION, number, "with_identity", "sending their identity to a partner")
    return number


def progress(status: str, referral_id: str, partner: str, req: dict, sent_at: dt.datetime,
             now: dt.datetime) -> dt.datetime:
    """When a referral was acknowledged or answered: not before it was sent, not in the future, and in order
    (an answer ends it; an acknowledgement comes once, before the answer)."""
    if status == "answered":
        raise Conflict(f"referral {referral_id} is already answered")
    if req["status"] == "acknowledged" and status == "acknowledged":
        raise Conflict(f"referral {referral_id} is already acknowledged")
    at = req["at"] or now
    if at > now + CLOCK_SKEW:
        raise invalid("at", "must not be in the future")
    if at < sent_at:
        raise invalid("at", "must not be before the referral was sent")
    if req["answer"] == "redirected" and req["redirected_to"] == partner:
        raise InvalidRequest({"redirected_to": ["is the partner the referral was sent to"]})
    return at
