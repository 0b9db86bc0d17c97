"""Point Conseil Budget: who may have a budget dossier, what its diagnosis computes, and the order of the
over-indebtedness procedure. No database, no broker: plain functions over the request, the clock and the few
facts the store hands in; the store applies what they decide (budget_store.py)."""
import datetime as dt
from decimal import Decimal

from services.accueil.rules import FOLLOW_UP, require_purpose
from shared.contracts.accueil_budget import STAGES
from shared.errors import Conflict, invalid

MANDATE = "point_conseil_budget"  # the franchise contract's activity a dossier falls under


def dossier_holder(named: list[tuple[int, list | None]], citizen_id: int | None) -> int:
    """The person a dossier is for: named in the visit, with consent to be followed (a dossier holds their
    household's budget: no dossier without consent)."""
    numbers = [number for number, _ in named]
    if not numbers:
        raise invalid("citizen_id", "a budget dossier is for a person named in the visit with their consent")
    if citizen_id is None and len(numbers) > 1:
        raise invalid("citizen_id", "the visit names several people: say whose dossier it is")
    chosen = citizen_id if citizen_id is not None else numbers[0]
    if chosen not in numbers:
        raise invalid("citizen_id", "is not a person named in this visit")
    require_purpose(dict(named)[chosen], FOLLOW_UP, chosen, "citizen_id", "a budget dossier")
    return chosen


def may_change(status: str, dossier_id: str) -> None:
    if status != "open":
        raise Conflict(f"budget dossier {dossier_id} is closed: it cannot be changed")


def cents(amount: Decimal | str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def remaining_cents(resources: list, charges: list, debts: list) -> int:
    """The amount left to live on each month: resources less charges less the debts' monthly repayments."""
    return (sum(cents(r["monthly"]) for r in resources) - sum(cents(c["monthly"]) for c in charges)
            - sum(cents(d["monthly"]) for d in debts))


def remaining_band(remaining: int | None) -> str | None:
    """What leaves the dossier of the amount left to live on: a band, never the amount."""
    if remaining is None:
        return None
    euros = remaining / 100
    if euros < 0:
        return "negative"
    for limit, band in ((200, "under_200"), (400, "200_400"), (800, "400_800")):
        if euros < limit:
            return band
    return "over_800"


def not_after(day: dt.date, today: dt.date, field: str) -> dt.date:
    if day > today:
        raise invalid(field, "must not be in the future")
    return day


def in_order(earlier: dt.date, later: dt.date | None, field: str, what: str) -> None:
    if later is not None and later < earlier:
        raise invalid(field, f"must not be before {what}")


def next_stage(current: str | None, req: dict, admissible: bool | None, last_on: dt.date | None,
               dossier_status: str, today: dt.date) -> None:
    """An over-indebtedness file moves one stage at a time, in the procedure's order, on a day that has come
    and not before the stage before it; an inadmissible file goes straight to its close, and any file may be
    closed (withdrawn by the household, or its procedure ended); no file is begun on a closed dossier."""
    stage = req["stage"]
    if current is None:
        if dossier_status != "open":
            raise Conflict("the dossier is closed: no over-indebtedness file can be begun on it")
        if stage != "built":
            raise invalid("stage", "an over-indebtedness file begins when it is built (stage built)")
    else:
        if current == "closed":
            raise Conflict("the over-indebtedness file is closed")
        expected = "closed" if (current == "admissibility" and admissible is False) else \
            STAGES[STAGES.index(current) + 1]
        if stage != expected and stage != "closed":  # a file can be closed at any stage (withdrawn, ended)
            raise invalid("stage", f"after {current} comes {expected}")
    not_after(req["on"], today, "on")
    if last_on is not None:
        in_order(last_on, req["on"], "on", f"the stage {current} ({last_on.isoformat()})")
