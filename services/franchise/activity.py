"""What head office keeps of the associations' activity, and the evaluation of each desk from it.

Activity events reach head office through each association's uplink (deploy/topology/). Of them, this
service keeps facts only: the last day a desk used each registre, hours per agent and ISO week, the day
an association's monthly figures first arrived. Visitor references and visit details are dropped on
arrival. After each fact, the desk is evaluated (compliance.py) and `franchise.compliance_evaluated` is
published if its status changed; a timer re-evaluates every desk, since time alone moves the window."""
import datetime as dt
import logging

from sqlalchemy import func, select

from services.franchise import compliance
from services.franchise.models import (
    AgentWeek, Contract, CoveredDesk, Desk, DeskStanding, FiguresReceived, RegistreUse)
from shared.db import as_utc
from shared.errors import NotFound

log = logging.getLogger(__name__)


class ForeignDesk(Exception):
    """An event names a desk that head office registered to another association: it is not counted."""


# -- facts from events ----------------------------------------------------------------------------------
def visit_closed(uow, event, today, now):
    return _registres_used(uow, event, event.payload["closed_at"].astimezone(dt.timezone.utc).date(), today, now)


def workshop_held(uow, event, today, now):
    return _registres_used(uow, event, event.payload["held_on"], today, now)


def _registres_used(uow, event, day, today, now):
    pimms_id = _desk_of(uow.session, event)
    for registre in set(event.payload["registres"]):
        use = uow.session.get(RegistreUse, (pimms_id, registre), with_for_update=True)
        if use is None:
            uow.session.add(RegistreUse(pimms_id=pimms_id, registre=registre, last_used_on=day))
        elif use.last_used_on < day:  # events may arrive out of order: the latest day wins
            use.last_used_on = day
    uow.session.flush()
    return evaluate_desk(uow, pimms_id, today, now)


def work_time_logged(uow, event, today, now):
    """The week's total hours worked; a later revision of the week replaces an earlier one."""
    week = _agent_week(uow.session, event)
    if week is None:
        return []
    if event.payload["revision"] > week.work_revision:
        week.worked_hours, week.work_revision = event.payload["hours"], event.payload["revision"]
    uow.session.flush()
    return evaluate_desk(uow, event.pimms_id, today, now)


def training_logged(uow, event, today, now):
    """One session of training or professional project: sessions of a week add up (each applied once)."""
    week = _agent_week(uow.session, event)
    if week is None:
        return []
    week.training_hours += event.payload["hours"]
    uow.session.flush()
    return evaluate_desk(uow, event.pimms_id, today, now)


def period_closed(uow, event, today, now):
    """An association's figures for a month (per desk or in total): the first arrival decides whether
    the month was on time. Yearly totals and later revisions change nothing here."""
    month = event.payload["period"]
    if len(month) != 7:
        return []
    if event.pimms_id is not None:
        _desk_of(uow.session, event)
    received = uow.session.get(FiguresReceived, (event.association_id, month), with_for_update=True)
    if received is None:
        uow.session.add(FiguresReceived(association_id=event.association_id, month=month,
                                        first_sent_at=event.occurred_at))
    elif as_utc(received.first_sent_at) > event.occurred_at:
        received.first_sent_at = event.occurred_at
    else:
        return []
    uow.session.flush()
    return evaluate_association(uow, event.association_id, today, now)


def _desk_of(session, event):
    """The event's desk. A desk head office has not registered yet is kept as it comes: its facts count
    once it is registered and under contract."""
    if event.pimms_id is None:
        raise ForeignDesk(f"{event.type} from {event.association_id} names no desk")
    desk = session.get(Desk, event.pimms_id)
    if desk is not None and desk.association_id != event.association_id:
        raise ForeignDesk(f"{event.type} from {event.association_id} names desk {desk.id} of {desk.association_id}")
    return event.pimms_id


def _agent_week(session, event):
    if event.pimms_id is None:
        # an agent not attached to a desk: there is no desk's share to count it in
        log.info("%s for agent %s has no desk: not counted", event.type, event.payload["agent_id"])
        return None
    pimms_id = _desk_of(session, event)
    monday = _monday(event.payload["week"])
    key = (pimms_id, event.payload["agent_id"], monday)
    # locked: two sessions of one week applied at once must add up, not overwrite each other
    week = session.get(AgentWeek, key, with_for_update=True)
    if week is None:
        week = AgentWeek(pimms_id=pimms_id, agent_id=key[1], week_start=monday, worked_hours=0.0,
                         work_revision=0, training_hours=0.0)
        session.add(week)
    return week


def _monday(week_code):
    year, week = week_code.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


# -- evaluation -----------------------------------------------------------------------------------------
def coverage(session, pimms_id, today):
    """(association_id, Coverage) if a contract in force today covers the desk, else None. A suspended
    contract still counts: its desks are still held to the norm."""
    row = session.execute(
        select(Contract.association_id, Contract.training_floor_pct, Contract.valid_from, Contract.valid_to,
               CoveredDesk.covered_since)
        .join(CoveredDesk, CoveredDesk.contract_id == Contract.id)
        .where(CoveredDesk.pimms_id == pimms_id, Contract.status != "terminated")).first()
    if row is None or row.valid_from > today or (row.valid_to is not None and row.valid_to < today):
        return None
    return row.association_id, compliance.Coverage(row.covered_since, row.training_floor_pct)


def facts(session, pimms_id, association_id, today):
    start = compliance.window_start(today)
    uses = session.execute(select(RegistreUse.registre, RegistreUse.last_used_on)
                           .where(RegistreUse.pimms_id == pimms_id)).all()
    hours = session.scalars(select(AgentWeek).where(
        AgentWeek.pimms_id == pimms_id, AgentWeek.week_start >= start - compliance.THURSDAY)).all()
    sent = session.execute(select(FiguresReceived.month, FiguresReceived.first_sent_at)
                           .where(FiguresReceived.association_id == association_id)).all()
    return compliance.DeskFacts(
        registres_last_used={r: d for r, d in uses},
        hours=tuple(compliance.AgentHours(h.agent_id, h.week_start, h.worked_hours, h.training_hours)
                    for h in hours),
        figures_sent={m: as_utc(at) for m, at in sent},
    )


def evaluate_desk(uow, pimms_id, today, now):
    """Evaluate one desk, keep its standing, publish `compliance_evaluated` if its status changed.
    Returns the published event documents (none most of the time)."""
    session = uow.session
    covered = coverage(session, pimms_id, today)
    # locked: two events of one desk evaluated at once must not both publish the same change
    standing = session.get(DeskStanding, pimms_id, with_for_update=True)
    if covered is None:
        if standing is not None:  # no longer under a contract in force: a later coverage starts afresh
            session.delete(standing)
        return []
    association_id, terms = covered
    card = compliance.evaluate(facts(session, pimms_id, association_id, today), terms, today)
    previous = None if standing is None else standing.status
    if standing is None:
        standing = DeskStanding(pimms_id=pimms_id)
        session.add(standing)
    standing.status, standing.card, standing.evaluated_at = card.status, card.to_json(), now
    if card.status == previous:
        return []
    return [uow.publish("franchise.compliance_evaluated", card.payload(pimms_id, previous), pimms_id=pimms_id,
                        association_id=association_id, occurred_at=now)]


def evaluate_association(uow, association_id, today, now):
    desks = uow.session.scalars(select(Desk.id).where(Desk.association_id == association_id)).all()
    return [doc for pimms_id in desks for doc in evaluate_desk(uow, pimms_id, today, now)]


def evaluate_network(uow, today, now):
    """Every desk under a contract, and every desk that has a standing (to drop those no longer covered)."""
    covered = set(uow.session.scalars(select(CoveredDesk.pimms_id).join(Contract).where(
        Contract.status != "terminated")))
    standing = set(uow.session.scalars(select(DeskStanding.pimms_id)))
    return [doc for pimms_id in sorted(covered | standing) for doc in evaluate_desk(uow, pimms_id, today, now)]


def scorecard(session, pimms_id):
    """A desk's last evaluation (the service evaluates just before reading it)."""
    desk = session.get(Desk, pimms_id)
    if desk is None:
        raise NotFound(f"no desk {pimms_id}")
    standing = session.get(DeskStanding, pimms_id)
    if standing is None:
        raise NotFound(f"desk {pimms_id} is not under a contract in force")
    return {"pimms_id": pimms_id, "association_id": desk.association_id, **standing.card,
            "evaluated_at": as_utc(standing.evaluated_at).isoformat()}


def network_scorecard(session, today):
    rows = session.execute(select(DeskStanding.pimms_id, Desk.association_id, DeskStanding.card,
                                  DeskStanding.evaluated_at)
                           .join(Desk, Desk.id == DeskStanding.pimms_id)
                           .order_by(Desk.association_id, DeskStanding.pimms_id)).all()
    desks = [{"pimms_id": r.pimms_id, "association_id": r.association_id, **r.card,
              "evaluated_at": as_utc(r.evaluated_at).isoformat()} for r in rows]
    totals = {status: sum(d["status"] == status for d in desks) for status in compliance.SEVERITY}
    return {"as_of": today.isoformat(), "totals": totals, "desks": desks}



def desks_by_status(session):
    """{status: number of desks} from each desk's last evaluation, for the operators' gauge."""
    rows = session.execute(select(DeskStanding.status, func.count()).group_by(DeskStanding.status))
    return {status: count for status, count in rows}
