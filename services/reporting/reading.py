"""Reading figures: one period's `Table` (the network, its associations, their desks), built from the local
aggregates (an association's reporting) or from the periods received (head office), and the table a request
asks for (which association a desk belongs to, whether a scope exists, protected unless exact figures were
asked), and the service's state. Rendering rows is rendering.py's."""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, distinct, func, select

from services.reporting import cells as F
from services.reporting.models import (
    NO_DESK,
    aggregates,
    applied_events,
    day_counts,
    periods,
    received_periods,
    visitors,
)
from services.reporting.projectors import measured_sections
from services.reporting.suppression import protect
from shared.db import as_utc
from shared.errors import Conflict, NotFound

NETWORK = ("network",)
NATIONAL = "national"


@dataclass
class Table:
    period: str
    rows: dict = field(default_factory=dict)  # key -> flat figures; keys: network / association / desk
    hidden: dict = field(default_factory=lambda: defaultdict(set))  # key -> suppressed cell paths
    incomplete: dict = field(default_factory=lambda: defaultdict(set))  # key -> cells missing a part
    desks: dict = field(default_factory=lambda: defaultdict(set))  # association_id -> desk ids
    thresholds: dict = field(default_factory=dict)  # key -> threshold its figures were suppressed with
    revisions: dict = field(default_factory=dict)  # key -> revision received (head office)
    national_from_published: bool = False

    @property
    def associations(self):
        return set(self.desks)

    def desk_keys(self, association_id):
        return [("desk", association_id, p) for p in sorted(self.desks[association_id])]


def in_period(column, period):
    if len(period) == 7:
        return column == period
    return and_(column >= f"{period}-01", column <= f"{period}-12")


# -- an association's own figures ------------------------------------------------------------------------------
def last_month(period):
    return period if len(period) == 7 else f"{period}-12"


def local_table(session, period, association_id=None, desk=None, network=False):
    """Exact figures from the aggregates: every desk of the association (or of every association), the
    association totals, and the network's if asked. `desk` is added with zeros if it had no activity.
    Stocks (agents employed, follow-ups open) are the sum of every month up to the period's end; a desk that
    still has some is in the table even in a month without activity. Medians are read from the day counts of
    each row's desks and months together."""
    table = Table(period)
    where = [in_period(aggregates.c.month, period)]
    vwhere = [in_period(visitors.c.month, period)]
    dwhere = [in_period(day_counts.c.month, period)]
    swhere = [aggregates.c.month <= last_month(period), aggregates.c.cell.in_(F.STOCK_CELLS)]
    if association_id is not None:
        where.append(aggregates.c.association_id == association_id)
        vwhere.append(visitors.c.association_id == association_id)
        dwhere.append(day_counts.c.association_id == association_id)
        swhere.append(aggregates.c.association_id == association_id)
        table.desks[association_id]  # an association is reported even in a month without activity
    if desk is not None:
        table.desks[association_id].add(desk)

    sums = defaultdict(dict)  # in folded units (minutes for hours)
    for a, p, cell, value in session.execute(
            select(aggregates.c.association_id, aggregates.c.pimms_id, aggregates.c.cell, func.sum(aggregates.c.value))
            .where(*where).group_by(aggregates.c.association_id, aggregates.c.pimms_id, aggregates.c.cell)):
        sums[(a, p)][cell] = int(value)
        table.desks[a].add(p)
    for a, p, cell, value in session.execute(  # replaces the period's own flows of each stock cell
            select(aggregates.c.association_id, aggregates.c.pimms_id, aggregates.c.cell, func.sum(aggregates.c.value))
            .where(*swhere).group_by(aggregates.c.association_id, aggregates.c.pimms_id, aggregates.c.cell)):
        sums[(a, p)][cell] = int(value)
        if value:
            table.desks[a].add(p)
    people = {(a, p): n for a, p, n in session.execute(
        select(visitors.c.association_id, visitors.c.pimms_id, func.count(distinct(visitors.c.visitor_ref)))
        .where(*vwhere).group_by(visitors.c.association_id, visitors.c.pimms_id))}
    association_people = dict(session.execute(
        select(visitors.c.association_id, func.count(distinct(visitors.c.visitor_ref)))
        .where(*vwhere).group_by(visitors.c.association_id)).all())

    days = defaultdict(dict)  # (association, desk) -> {median cell: {days: items}}
    for a, p, cell, length, items in session.execute(
            select(day_counts.c.association_id, day_counts.c.pimms_id, day_counts.c.cell, day_counts.c.days,
                   func.sum(day_counts.c.value)).where(*dwhere)
            .group_by(day_counts.c.association_id, day_counts.c.pimms_id, day_counts.c.cell, day_counts.c.days)):
        days[(a, p)].setdefault(cell, {})[length] = int(items)
        table.desks[a].add(p)

    measured = measured_sections()
    additive = [c.path for c in F.CELLS if c.kind in F.ADDITIVE]
    totals = {}  # association -> its sums, in folded units: the network sums these, not rounded figures
    association_days = {}
    for a in sorted(table.desks):
        desk_sums = []
        for p in sorted(table.desks[a]):
            desk_sums.append(sums.get((a, p), {}))
            table.rows[("desk", a, p)] = F.complete(
                desk_sums[-1], {"people.received": people.get((a, p), 0)}, measured,
                {"desks": 0 if p == NO_DESK else 1, "associations": 1}, days.get((a, p)))
        totals[a] = {k: v for k, v in F.add(desk_sums, additive).items() if v is not None}
        association_days[a] = F.merge_days(days.get((a, p), {}) for p in table.desks[a])
        real_desks = len([p for p in table.desks[a] if p != NO_DESK])
        table.rows[("association", a)] = F.complete(
            totals[a], {"people.received": association_people.get(a, 0)}, measured,
            {"desks": real_desks, "associations": 1}, association_days[a])
    if network:
        total = {k: v for k, v in F.add(list(totals.values()), additive).items() if v is not None}
        # a visitor_ref is the association's own pseudonym: people of the network are the sum of its
        # associations' (as head office sums them), not one distinct count over every association's refs,
        # which read every visitor of the period again (2 s of 10 years x 70 desks for a year)
        table.rows[NETWORK] = F.complete(
            total, {"people.received": sum(association_people.values())}, measured,
            {"desks": sum(table.rows[("association", a)]["desks"] for a in totals), "associations": len(totals)},
            F.merge_days(association_days.values()))
    return table


# -- head office: the latest revision received of each association's figures -----------------------------------
def received_table(session, period, association_id=None, network=True, desks=True, desk=None, rows=None):
    """Desk and association rows exactly as their associations published them (already suppressed), and,
    if asked, the national row: the sum of what was published. A cell some association hid, or whose
    edition its reporting does not publish yet, is `incomplete` there: the national figure is then a lower
    bound. Medians cannot be summed: the national ones are null, and `incomplete` wherever there were items.
    Without `desks`, only the associations' rows: all the national row is made of; with `desk`, that desk's
    row and its association's (without which it is not counted), not the association's other desks'.
    `rows`: this period's rows as `received_rows` read them with the same selection (several periods)."""
    table = Table(period, national_from_published=True)
    if association_id is not None:
        table.desks[association_id]
    if rows is None:
        rows = received_rows(session, [period], association_id, desks, desk).get(period, [])
    for row in rows:
        if row.pimms_id == NO_DESK:
            key = ("association", row.association_id)
            table.desks[row.association_id]
        else:
            key = ("desk", row.association_id, row.pimms_id)
            table.desks[row.association_id].add(row.pimms_id)
        table.rows[key] = F.flatten(row.figures)
        table.hidden[key] = set(row.suppressed)
        table.thresholds[key] = row.threshold
        table.revisions[key] = row.revision
    for a in list(table.desks):  # an association whose total is not (yet) received is not counted
        if ("association", a) not in table.rows:
            del table.desks[a]

    if network:
        national_row(table)
    return table


def received_rows(session, periods_read, association_id=None, desks=True, desk=None):
    """The received rows of several periods in one statement (a year's months): {period: [rows]}, each
    period's in (association, desk) order; `desks` and `desk` select as in received_table."""
    query = select(received_periods).where(received_periods.c.period.in_(periods_read))
    if not desks:
        query = query.where(received_periods.c.pimms_id == NO_DESK)
    elif desk is not None:
        query = query.where(received_periods.c.pimms_id.in_((desk, NO_DESK)))
    if association_id is not None:
        query = query.where(received_periods.c.association_id == association_id)
    found = defaultdict(list)
    for row in session.execute(query.order_by(received_periods.c.period, received_periods.c.association_id,
                                              received_periods.c.pimms_id)):
        found[row.period].append(row)
    return found


def received_selection(req, below):
    """(desks, desk) of received_table for a request: the network's figures need no desk row, a desk's
    month its own and its association's."""
    scope = req["scope"]
    return below or scope != "network", req["id"] if scope == "desk" and not below else None


SUMMED = tuple(c.path for c in F.CELLS if c.kind in (*F.ADDITIVE, "distinct", "structure"))
SUMMED_SET = frozenset(SUMMED)


def national_row(table):
    """The national row of a received table: the sum of its associations' published rows."""
    parts = [("association", a) for a in sorted(table.desks)]
    national = F.derive(F.add([table.rows[k] for k in parts], SUMMED))
    unknown = set()  # hidden by an association, or a cell its (older) reporting does not publish yet
    for k in parts:
        unknown |= table.hidden[k]
        unknown |= SUMMED_SET - table.rows[k].keys()
    table.incomplete[NETWORK].update(path for path in SUMMED if path in unknown)
    for cell in F.CELLS:
        if cell.kind == "derived" and {cell.base, cell.numerator} & table.incomplete[NETWORK]:
            table.incomplete[NETWORK].add(cell.path)
        if cell.kind == "median" and (national.get(cell.base) or cell.base in table.incomplete[NETWORK]):
            table.incomplete[NETWORK].add(cell.path)
    if national.get("associations") is None:
        national["associations"] = len(parts)
    table.rows[NETWORK] = national


# -- rendering --------------------------------------------------------------------------------------------------
def key_of(scope, id_, association_id=None):
    if scope == "network":
        return NETWORK
    if scope == "association":
        return ("association", id_)
    return ("desk", association_id, id_)


def describe(key):
    if key == NETWORK:
        return {"scope": "network", "id": NATIONAL, "association_id": None}
    if key[0] == "association":
        return {"scope": "association", "id": key[1], "association_id": key[1]}
    return {"scope": "desk", "id": key[2], "association_id": key[1]}


def export_keys(table, key):
    """The requested row and the rows below it: an association's desks, the network's associations and desks
    (never the row of events without a desk: it is not a desk)."""
    if key[0] == "desk":
        return [key]
    associations = [key[1]] if key[0] == "association" else sorted(table.associations)
    keys = [key] if key == NETWORK else []
    for a in associations:
        keys.append(("association", a))
        keys += [k for k in table.desk_keys(a) if k[2] != NO_DESK]
    return [k for k in keys if k in table.rows]


def pcb_keys(table, key):
    """The rows of the Point Conseil Budget's report: the association's, or the network's and each
    association's (the label is held by an association: no desk row)."""
    keys = [key] if key != NETWORK else [NETWORK, *(("association", a) for a in sorted(table.associations))]
    return [k for k in keys if k in table.rows]


# -- the table a request asks for --------------------------------------------------------------------------
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


def scope_association(session, req, head_office, own_association):
    """The association of the requested scope (None for the network), NotFound if it has no figures."""
    if req["scope"] == "desk":
        return association_of_desk(session, req["id"], head_office)
    if req["scope"] == "association":
        association_known(session, req["id"], head_office, own_association)
        return req["id"]
    return None


def table_for(session, req, *, head_office, own_association, exact, threshold, below=True, known=None,
              received=None):
    """The period's table holding the requested scope, protected unless exact figures were asked; without
    `below`, head office reads only what the requested row needs (the network's figures, not its desks').
    Several periods of one scope: `known`, its association as `scope_association` found it; `received`,
    head office's rows of those periods as `received_rows` read them for `received_selection`.
    Returns (table, key of the requested row)."""
    scope, id_, period = req["scope"], req["id"], req["period"]
    association_id = known or scope_association(session, req, head_office, own_association)
    if head_office:  # the national row only where it is read (a desk's month needs none of it)
        desks, desk = received_selection(req, below)
        table = received_table(session, period, association_id, network=scope == "network", desks=desks,
                               desk=desk, rows=None if received is None else received.get(period, []))
        if scope != "network" and key_of(scope, id_, association_id) not in table.rows:
            raise NotFound(f"head office has received no figures of {scope} {id_} for {period}")
    else:
        table = local_table(session, period, association_id, desk=id_ if scope == "desk" else None,
                                    network=scope == "network")
    if not exact:
        protect(table, threshold)
    return table, key_of(scope, id_, association_id)


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
