"""Closing periods: an association publishes its suppressed figures as `reporting.period_closed`, and head
office keeps the latest revision of each.

Closing a month publishes, for each association, one `period_closed` per desk and one for the association
(pimms_id null), for the month and for the year to date (period YYYY: distinct people of a year cannot be
summed from its months), all suppressed. A revision is published only when what would be sent differs
from what was last sent (a hash of it is kept): closing twice publishes once; events arriving after a
close mark the period dirty, and the next close (the timer, or the RPC) publishes revision n+1, which
replaces revision n at head office."""
import hashlib
import json

from sqlalchemy import func, insert, select, update

from services.reporting import reading, rendering
from services.reporting.folding import year_of
from services.reporting.models import NO_DESK, aggregates, periods, received_periods
from services.reporting.store import dialect_insert
from services.reporting.suppression import protect
from shared import localtime
from shared.errors import Conflict
from shared.tables import outbox

PERIOD_CLOSED = "reporting.period_closed"




# -- an association closing a month ------------------------------------------------------------------------
def publication(table, association_id, threshold):
    """What leaves the association for one period: its desks' rows and its own, suppressed."""
    protect(table, threshold)
    docs = []
    for key in [("association", association_id), *table.desk_keys(association_id)]:
        if key[0] == "desk" and key[2] == NO_DESK:
            continue
        row = rendering.render(table, key, threshold)
        docs.append({"pimms_id": None if key[0] == "association" else key[2],
                     "figures": row["figures"], "suppressed": row["suppressed"]})
    return docs


def close_period(uow, association_id, period, now, threshold):
    """Publish this period's figures as revision n+1 unless they equal what was last published.
    Returns the revision published, or None when nothing changed."""
    session = uow.session
    session.execute(dialect_insert(session, periods).on_conflict_do_nothing().values(
        association_id=association_id, period=period, revision=0, dirty=True))
    state = session.execute(select(periods).where(
        periods.c.association_id == association_id, periods.c.period == period).with_for_update()).one()
    docs = publication(reading.local_table(session, period, association_id), association_id, threshold)
    digest = hashlib.sha256(json.dumps([threshold, docs], sort_keys=True).encode()).hexdigest()
    if state.revision and state.published_hash == digest:
        session.execute(update(periods).where(
            periods.c.association_id == association_id, periods.c.period == period).values(dirty=False))
        return None
    revision = state.revision + 1
    for doc in docs:
        uow.publish(PERIOD_CLOSED, {"period": period, "revision": revision, "threshold": threshold,
                                    "figures": doc["figures"], "suppressed": doc["suppressed"]},
                    pimms_id=doc["pimms_id"], association_id=association_id, occurred_at=now)
    session.execute(update(periods).where(
        periods.c.association_id == association_id, periods.c.period == period,
    ).values(revision=revision, published_hash=digest, closed_at=now, dirty=False))
    return revision


def associations_active(session, month):
    return set(session.scalars(select(aggregates.c.association_id).where(aggregates.c.month == month).distinct()))


def close_month(uow, month, now, threshold, association_id, zone=localtime.UTC):
    """Close a month and the year to date for this association (and any other whose events it holds).
    Returns [(association_id, period, revision)] of what was published."""
    if month > localtime.month_of(now, zone):
        raise Conflict(f"{month} has not started: a month can be closed once it has begun")
    published = []
    for a in sorted({association_id} | associations_active(uow.session, month)):
        for period in (month, year_of(month)):
            revision = close_period(uow, a, period, now, threshold)
            if revision is not None:
                published.append((a, period, revision))
    return published


def months_due(session, now, grace, association_id, zone=localtime.UTC):
    """Months the timer must close, oldest first, catching up however long reporting was stopped:
    - every month before the current one (of the association's calendar) that had activity and was never
      closed, once the current month is `grace` old (late deliveries of the last day);
    - last month even without activity, so that head office hears that nothing happened;
    - every closed month that received events since its close (dirty)."""
    current = localtime.month_of(now, zone)
    last = localtime.previous_month(current)
    due = set()
    if now >= localtime.month_start(current, zone) + grace:
        closed = set(session.scalars(select(periods.c.period).where(
            periods.c.association_id == association_id, periods.c.revision > 0, func.length(periods.c.period) == 7)))
        active = set(session.scalars(select(aggregates.c.month).where(
            aggregates.c.association_id == association_id, aggregates.c.month < current).distinct()))
        due |= (active | {last}) - closed
    due |= set(session.scalars(select(periods.c.period).where(
        periods.c.dirty.is_(True), periods.c.revision > 0, func.length(periods.c.period) == 7,
        periods.c.period < current)))
    return sorted(due)


def last_month_sent(session, association_id):
    """The latest month ("YYYY-MM") of this association whose `period_closed` the broker confirmed (the
    outbox keeps sent events with their sent_at), or None; the operators' gauge of the 5th-of-the-month rule."""
    bodies = session.scalars(select(outbox.c.body).where(
        outbox.c.event_type == PERIOD_CLOSED, outbox.c.sent_at.is_not(None)))
    months = set()
    for body in bodies:
        doc = json.loads(body)
        period = doc["payload"]["period"]
        if doc["association_id"] == association_id and len(period) == 7:
            months.add(period)
    return max(months, default=None)


def month_number(month):
    """"2026-11" -> 2026 * 12 + 10: months since year 0, as PromQL's year() * 12 + month() - 1 counts them."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


# -- head office ------------------------------------------------------------------------------------------------
def receive_period(uow, event, now):
    """Keep the latest revision of an association's figures for one (desk or total, period): a later
    revision replaces the earlier, an older or equal one changes nothing. Returns what it did."""
    payload, desk = event.payload, event.pimms_id or NO_DESK
    key = (received_periods.c.association_id == event.association_id, received_periods.c.pimms_id == desk,
           received_periods.c.period == payload["period"])
    session = uow.session
    known = session.execute(select(received_periods.c.revision).where(*key).with_for_update()).first()
    if known is not None and known.revision >= payload["revision"]:
        return "stale"
    values = {"revision": payload["revision"], "threshold": payload["threshold"], "figures": payload["figures"],
              "suppressed": sorted(payload["suppressed"]), "event_id": event.event_id, "received_at": now}
    if known is None:
        session.execute(insert(received_periods).values(
            association_id=event.association_id, pimms_id=desk, period=payload["period"], **values))
        return "received"
    session.execute(update(received_periods).where(*key).values(**values))
    return "replaced"
