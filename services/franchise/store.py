"""Franchise's storage work: the register, the contracts and their history, the activity facts and the
desks' standings, over a SQLAlchemy session. The rules are contract_rules.py, activity.py and
compliance.py; this module reads what they need, locks what two changes must not interleave on, writes
what they decide, and publishes through `uow.publish`, in the same transaction as the change."""
import logging
import uuid

from sqlalchemy import func, select

from services.franchise import activity, compliance, contract_rules
from services.franchise.models import (
    AgentWeek,
    Association,
    Contract,
    ContractRevision,
    Convention,
    CoveredDesk,
    Desk,
    DeskStanding,
    FiguresReceived,
    RegistreUse,
)
from shared.db import as_utc
from shared.errors import NotFound

log = logging.getLogger(__name__)


# -- the register ---------------------------------------------------------------------------------------
def register_association(session, req, now):
    known = session.get(Association, req["association_id"])
    if known is not None:
        return contract_rules.association_registered_again(contract_rules.association_view(known.id, known.label),
                                                           req)
    association = Association(id=req["association_id"], label=req["label"], registered_at=now)
    session.add(association)
    return contract_rules.association_view(association.id, association.label)


def register_desk(session, req, now):
    contract_rules.check_association_known(req["association_id"],
                                           session.get(Association, req["association_id"]) is not None)
    known = session.get(Desk, req["pimms_id"])
    if known is not None:
        return contract_rules.desk_registered_again(_desk_view(known), req)
    desk = Desk(id=req["pimms_id"], association_id=req["association_id"], label=req["label"], registered_at=now)
    session.add(desk)
    return _desk_view(desk)


def _desk_view(desk):
    return contract_rules.desk_view(desk.id, desk.association_id, desk.label)


# -- contracts ------------------------------------------------------------------------------------------
def sign_contract(uow, req, now):
    session = uow.session
    registered = _lock_association(session, req["association_id"]) is not None
    contract_rules.check_association_known(req["association_id"], registered)
    live = _live_contract(session, req["association_id"])
    contract_rules.check_can_sign(req["association_id"], None if live is None else live.status)
    terms = _checked(session, req["association_id"], contract_rules.signed_terms(req))
    contract = Contract(id=str(uuid.uuid4()), association_id=req["association_id"],
                        status=contract_rules.SIGNED_STATUS, revision=_next_revision(session, req["association_id"]),
                        signed_at=now, updated_at=now)
    _apply_terms(contract, terms, added_since=contract_rules.first_covered_day(terms))
    session.add(contract)
    return _record(uow, contract, "signed", req["note"], now)


def amend_contract(uow, req, now):
    session = uow.session
    contract = _contract_to_change(session, req["association_id"])
    contract_rules.check_can_amend(contract.association_id, contract.status)
    before = _terms_of(contract)
    terms = _checked(session, contract.association_id, contract_rules.amended_terms(before, req))
    if not contract_rules.changes_anything(before, terms):
        return _state(contract)
    _apply_terms(contract, terms, added_since=contract_rules.first_covered_day(terms, amended_on=now.date()))
    contract.revision, contract.updated_at = _next_revision(session, contract.association_id), now
    return _record(uow, contract, "amended", req["note"], now)


def change_status(uow, req, change, now):
    """Suspend, reinstate or terminate: `change` is a key of contract_rules.STATUS_CHANGES."""
    contract = _contract_to_change(uow.session, req["association_id"])
    status = contract_rules.status_after(contract.association_id, contract.status, change)
    contract.status, contract.updated_at = status, now
    contract.revision = _next_revision(uow.session, contract.association_id)
    return _record(uow, contract, change, req["note"], now)


def get_contract(session, association_id):
    """The association's contract (a ContractState): the one in force, else the last terminated one."""
    return _state(_last_contract(session, association_id))


def contract_history(session, association_id):
    rows = session.scalars(select(ContractRevision).where(ContractRevision.association_id == association_id)
                           .order_by(ContractRevision.revision)).all()
    if not rows:
        raise NotFound(f"no contract for association {association_id}")
    return [{"revision": r.revision, "contract_id": r.contract_id, "change": r.change, "note": r.note,
             "changed_at": as_utc(r.changed_at).isoformat(), "terms": r.terms} for r in rows]


def _last_contract(session, association_id):
    contract = session.scalars(select(Contract).where(Contract.association_id == association_id)
                               .order_by(Contract.revision.desc()).limit(1)).first()
    if contract is None:
        raise NotFound(f"no contract for association {association_id}")
    return contract


def _lock_association(session, association_id):
    # every change of an association's contracts takes this row first: two changes never interleave
    return session.scalars(select(Association).where(Association.id == association_id).with_for_update()).first()


def _contract_to_change(session, association_id):
    if _lock_association(session, association_id) is None:
        raise NotFound(f"no association {association_id}")
    return _last_contract(session, association_id)


def _live_contract(session, association_id):
    return session.scalars(select(Contract).where(Contract.association_id == association_id,
                                                  Contract.status != "terminated")).first()


def _next_revision(session, association_id):
    last = session.scalar(select(func.max(Contract.revision)).where(Contract.association_id == association_id))
    return contract_rules.next_revision(last)


def _checked(session, association_id, terms):
    owners = dict(session.execute(select(Desk.id, Desk.association_id).where(Desk.id.in_(terms["pimms_ids"]))).all())
    return contract_rules.checked_terms(association_id, terms, owners)


def _terms_of(contract):
    return contract_rules.normalized({
        "pimms_ids": [d.pimms_id for d in contract.desks], "mandates": contract.mandates,
        "conventions": [{"partner": c.partner, "scope": c.scope, "valid_from": c.valid_from,
                         "valid_to": c.valid_to} for c in contract.conventions],
        "training_floor_pct": contract.training_floor_pct, "valid_from": contract.valid_from,
        "valid_to": contract.valid_to,
    })


def _state(contract):
    return contract_rules.ContractState(
        contract_id=contract.id, association_id=contract.association_id, status=contract.status,
        revision=contract.revision, terms=_terms_of(contract),
        covered_since={d.pimms_id: d.covered_since for d in contract.desks},
        signed_at=as_utc(contract.signed_at), updated_at=as_utc(contract.updated_at))


def _apply_terms(contract, terms, added_since):
    """Set the terms; a desk added to the contract is covered from `added_since`, the others keep their row
    (and the day they were first covered)."""
    kept = {d.pimms_id: d for d in contract.desks}
    contract.desks = [kept.get(p) or CoveredDesk(pimms_id=p, covered_since=added_since) for p in terms["pimms_ids"]]
    contract.conventions = [Convention(**c) for c in terms["conventions"]]
    contract.mandates = terms["mandates"]
    contract.training_floor_pct = terms["training_floor_pct"]
    contract.valid_from, contract.valid_to = terms["valid_from"], terms["valid_to"]


def _record(uow, contract, change, note, now):
    """Keep the revision in the history and publish it; the contract as it now is (a ContractState)."""
    uow.session.flush()
    state = _state(contract)
    uow.session.add(ContractRevision(association_id=contract.association_id, contract_id=contract.id,
                                     revision=contract.revision, change=change, note=note, changed_at=now,
                                     terms=contract_rules.history_terms(state)))
    uow.publish("franchise.contract_changed", contract_rules.contract_changed_payload(state), pimms_id=None,
                association_id=contract.association_id, occurred_at=now)
    return state


# -- facts from the associations' events ----------------------------------------------------------------
def visits_closed(uow, events, today, now):
    """A batch of visits (the consumer's): each one's registres noted, then each desk they concern evaluated
    once, where a visit at a time evaluated its desk at each visit (docs/benchmark.md)."""
    desks = []
    for event in events:
        pimms_id = _note_registres(uow, event, activity.visit_day(event.payload))
        if pimms_id not in desks:
            desks.append(pimms_id)
    return [doc for pimms_id in desks for doc in evaluate_desk(uow, pimms_id, today, now)]


def workshop_held(uow, event, today, now):
    return _registres_used(uow, event, activity.workshop_day(event.payload), today, now)


def _registres_used(uow, event, day, today, now):
    pimms_id = _note_registres(uow, event, day)
    return evaluate_desk(uow, pimms_id, today, now)


def _note_registres(uow, event, day):
    """The registres the event's desk used on `day`, noted; returns the desk."""
    pimms_id = _desk_of(uow.session, event)
    for registre in set(event.payload["registres"]):
        use = uow.session.get(RegistreUse, (pimms_id, registre), with_for_update=True)
        if use is None:
            uow.session.add(RegistreUse(pimms_id=pimms_id, registre=registre, last_used_on=day))
        elif activity.later_use(day, use.last_used_on):
            use.last_used_on = day
    uow.session.flush()
    return pimms_id


def work_time_logged(uow, event, today, now):
    week = _agent_week(uow.session, event)
    if week is None:
        return []
    if activity.newer_work_time(event.payload["revision"], week.work_revision):
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
    """An association's figures for a month (per desk or in total)."""
    month = event.payload["period"]
    if not activity.is_monthly(month):
        return []
    if event.pimms_id is not None:
        _desk_of(uow.session, event)
    received = uow.session.get(FiguresReceived, (event.association_id, month), with_for_update=True)
    if received is None:
        uow.session.add(FiguresReceived(association_id=event.association_id, month=month,
                                        first_sent_at=event.occurred_at))
    elif activity.arrived_earlier(event.occurred_at, as_utc(received.first_sent_at)):
        received.first_sent_at = event.occurred_at
    else:
        return []
    uow.session.flush()
    return evaluate_association(uow, event.association_id, today, now)


def _desk_of(session, event):
    owner = None
    if event.pimms_id is not None:
        desk = session.get(Desk, event.pimms_id)
        owner = None if desk is None else desk.association_id
    return activity.counted_desk(event, owner)


def _agent_week(session, event):
    if not activity.has_desk(event):
        log.info("%s for agent %s has no desk: not counted", event.type, event.payload["agent_id"])
        return None
    key = activity.agent_week(_desk_of(session, event), event.payload)
    # locked: two sessions of one week applied at once must add up, not overwrite each other
    week = session.get(AgentWeek, key, with_for_update=True)
    if week is None:
        week = AgentWeek(pimms_id=key[0], agent_id=key[1], week_start=key[2], worked_hours=0.0,
                         work_revision=0, training_hours=0.0)
        session.add(week)
    return week


# -- evaluation -----------------------------------------------------------------------------------------
def coverage(session, pimms_id, today):
    """(association_id, compliance.Coverage) if a contract in force today covers the desk, else None."""
    row = session.execute(
        select(Contract.association_id, Contract.training_floor_pct, Contract.valid_from, Contract.valid_to,
               CoveredDesk.covered_since)
        .join(CoveredDesk, CoveredDesk.contract_id == Contract.id)
        .where(CoveredDesk.pimms_id == pimms_id, Contract.status != "terminated")).first()
    if row is None or not activity.in_force(row.valid_from, row.valid_to, today):
        return None
    return row.association_id, compliance.Coverage(row.covered_since, row.training_floor_pct)


def facts(session, pimms_id, association_id, today):
    uses = session.execute(select(RegistreUse.registre, RegistreUse.last_used_on)
                           .where(RegistreUse.pimms_id == pimms_id)).all()
    hours = session.scalars(select(AgentWeek).where(
        AgentWeek.pimms_id == pimms_id, AgentWeek.week_start >= activity.first_week_read(today))).all()
    sent = session.execute(select(FiguresReceived.month, FiguresReceived.first_sent_at)
                           .where(FiguresReceived.association_id == association_id)).all()
    return activity.desk_facts(
        uses, [(h.agent_id, h.week_start, h.worked_hours, h.training_hours) for h in hours],
        [(m, as_utc(at)) for m, at in sent])


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
    if not activity.status_changed(previous, card):
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
    return activity.desk_card(pimms_id, desk.association_id, standing.card, as_utc(standing.evaluated_at))


def network_scorecard(session, today):
    rows = session.execute(select(DeskStanding.pimms_id, Desk.association_id, DeskStanding.card,
                                  DeskStanding.evaluated_at)
                           .join(Desk, Desk.id == DeskStanding.pimms_id)
                           .order_by(Desk.association_id, DeskStanding.pimms_id)).all()
    return activity.network_scorecard(
        [activity.desk_card(r.pimms_id, r.association_id, r.card, as_utc(r.evaluated_at)) for r in rows], today)


def latest_revisions(session):
    """{association_id: its contract's latest revision}, for the operators' gauge."""
    rows = session.execute(select(ContractRevision.association_id, func.max(ContractRevision.revision))
                           .group_by(ContractRevision.association_id))
    return {association_id: revision for association_id, revision in rows}


def desks_by_status(session):
    """{status: number of desks} from each desk's last evaluation, for the operators' gauge."""
    rows = session.execute(select(DeskStanding.status, func.count()).group_by(DeskStanding.status))
    return {status: count for status, count in rows}
