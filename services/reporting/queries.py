"""Finding the figures asked for: which association a desk belongs to, whether a scope exists, the period's
table holding it (protected unless exact figures were asked), and the service's state."""
from sqlalchemy import func, select

from services.reporting import reading
from shared.db import as_utc
from services.reporting.models import aggregates, applied_events, periods, received_periods
from services.reporting.suppression import protect
from shared.errors import Conflict, NotFound


def association_of_desk(session, pimms_id, head_office):
    if head_office:
        found = session.scalars(select(received_periods.c.association_id).where(
            received_periods.c.pimms_id == pimms_id).distinct()).all()
    else:
        found = session.scalars(select(aggregates.c.association_id).where(
            aggregates.c.pimms_id == pimms_id).distinct()).all()
    if not found:
        raise NotFound(f"no figures for desk {pimms_id}")
    if len(found) > 1:
        raise Conflict(f"desk {pimms_id} appears under several associations: {', '.join(sorted(found))}")
    return found[0]


def association_known(session, association_id, head_office, own_association):
    """An association's own reporting knows it even before its first event; any other, by its figures."""
    if not head_office and association_id == own_association:
        return
    column = received_periods.c.association_id if head_office else aggregates.c.association_id
    if session.execute(select(column).where(column == association_id).limit(1)).first() is None:
        raise NotFound(f"no figures for association {association_id}")


def table_for(session, req, *, head_office, own_association, exact, threshold):
    """The period's table holding the requested scope, protected unless exact figures were asked.
    Returns (table, key of the requested row)."""
    scope, id_, period = req["scope"], req["id"], req["period"]
    association_id = None
    if scope == "desk":
        association_id = association_of_desk(session, id_, head_office)
    elif scope == "association":
        association_known(session, id_, head_office, own_association)
        association_id = id_
    if head_office:
        table = reading.received_table(session, period, association_id)
        if scope != "network" and reading.key_of(scope, id_, association_id) not in table.rows:
            raise NotFound(f"head office has received no figures of {scope} {id_} for {period}")
    else:
        table = reading.local_table(session, period, association_id, desk=id_ if scope == "desk" else None,
                                    network=scope == "network")
    if not exact:
        protect(table, threshold)
    return table, reading.key_of(scope, id_, association_id)


def published_revision(session, association_id, period):
    return session.scalar(select(periods.c.revision).where(
        periods.c.association_id == association_id, periods.c.period == period)) or None


def status(session):
    by_type = dict(session.execute(
        select(applied_events.c.type, func.count()).group_by(applied_events.c.type)).all())
    closed = session.execute(select(periods).where(periods.c.revision > 0).order_by(
        periods.c.association_id, periods.c.period)).all()
    received = session.scalar(select(func.count()).select_from(received_periods))
    return {
        "events_applied": by_type,
        "periods": [{"association_id": p.association_id, "period": p.period, "revision": p.revision,
                     "dirty": p.dirty, "closed_at": as_utc(p.closed_at).isoformat()} for p in closed],
        "received_periods": received,
    }
