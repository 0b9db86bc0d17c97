"""Accueil's storage work: what the rules decide (rules.py) applied to the visits, citizens and workshops of
its database, the events they cause added to the outbox in the same unit of work, and the reads of the desk
and of identities (each identity read and search written to its audit trail)."""
import uuid
from collections import namedtuple

from sqlalchemy import and_, exists, func, or_, select

from services.accueil import rules
from services.accueil.models import (
    Act,
    Citizen,
    CitizenRead,
    CitizenSearch,
    Consent,
    Participant,
    Visit,
    Workshop,
)
from services.accueil.views import citizen_match, citizen_view, visit_closed_payload, workshop_held_payload
from shared import localtime
from shared.db import as_utc
from shared.errors import NotFound


# -- visits -------------------------------------------------------------------------------------------------
def open_visit(session, req, key, now, contract, reader=None):
    """`reader`: the verified staff principal the call acts for, or None for a call that acts for nobody
    (anonymous visits only); with one, the desk must be theirs."""
    rules.in_scope(reader, req["pimms_id"])
    opened_at = rules.opened_at(req, now)
    motif = req["motif"]
    contract.check(rules.activity_of(motif), pimms_id=req["pimms_id"], on=opened_at.date(), partner=motif["partner"])
    visit = Visit(
        id=str(uuid.uuid4()), pimms_id=req["pimms_id"], agent_id=req["agent_id"], status="open",
        motif_kind=motif["kind"], partner=motif["partner"], domain=motif["domain"],
        waiting_min=req["waiting_min"], opened_at=opened_at,
    )
    for index, person in enumerate(req["participants"]):
        visit.participants.append(_participant(session, visit.id, index, person, key, now, reader))
    for act in req["acts"]:
        visit.acts.append(Act(kind=act["kind"], partner=act["partner"], recorded_at=now))
    session.add(visit)
    return visit


def _participant(session, visit_id, index, person, key, now, reader):
    named = person["citizen"]
    if named is None:
        ref = rules.visitor_ref(key, rules.anonymous_subject(visit_id, index))
        return Participant(citizen_id=None, gender=person["gender"], age_band=person["age_band"],
                           commune=person["commune"], visitor_ref=ref, first_visit=rules.first_visit(person))
    rules.may_name(reader)
    if named["citizen_id"] is not None:
        citizen = known_citizen(session, named["citizen_id"], reader, now)
        if citizen is None:  # the same answer whether the record does not exist or is not theirs
            raise rules.unknown_citizen(index)
    else:
        rules.contact_details_need_consent(named, index)
        consent = named["consent"]
        purposes = rules.consent_after([], "given", consent["purposes"])
        citizen = Citizen(
            first_name=named["first_name"], last_name=named["last_name"], phone=named["phone"],
            email=named["email"], consent_given_at=consent["given_at"] or now, consent_channel=consent["channel"],
            consent_purposes=purposes, created_at=now,
        )
        session.add(citizen)
        session.flush()  # the visitor_ref is derived from the citizen's id
        session.add(Consent(citizen_id=citizen.id, action="given", purposes=purposes, channel=consent["channel"],
                            given_at=citizen.consent_given_at, recorded_by=reader["login"], recorded_at=now))
    ref = rules.visitor_ref(key, rules.citizen_subject(citizen.id))
    seen_before = session.scalar(select(exists().where(Participant.citizen_id == citizen.id)))
    return Participant(citizen_id=citizen.id, gender=person["gender"], age_band=person["age_band"],
                       commune=person["commune"], visitor_ref=ref, first_visit=not seen_before)


def of_the_desks(session, model, record_id, reader, for_update, what):
    """A visit, follow-up, referral or budget dossier of the reader's desks (when the call acts for someone);
    one of another desk reads as one that does not exist. `for_update` locks its row until the transaction
    ends (PostgreSQL), so two changes of one record at the same moment run one after the other and the
    second sees what the first did."""
    record = session.get(model, str(record_id), with_for_update=for_update or None)
    if record is None or not rules.visible(reader, record.pimms_id):
        raise NotFound(f"no {what} {record_id}")
    return record


def get_visit(session, visit_id, reader=None, for_update=False):
    return of_the_desks(session, Visit, visit_id, reader, for_update, "visit")


def add_act(session, req, now, reader=None):
    visit = get_visit(session, req["visit_id"], reader, for_update=True)
    rules.may_add_act(visit.status, visit.id)
    visit.acts.append(Act(kind=req["kind"], partner=req["partner"], recorded_at=now))
    return visit


def close_visit(uow, req, now, reader=None):
    visit = get_visit(uow.session, req["visit_id"], reader, for_update=True)
    return _close(uow, visit, req, now)


def record_visit(uow, req, key, now, contract, reader=None):
    """A visit that is over: opened `duration_min` before it closed, then closed, in one transaction."""
    visit = open_visit(uow.session, rules.recorded_visit_opening(req, now), key, now, contract, reader)
    return _close(uow, visit, {**req, "acts": []}, now)


def _close(uow, visit, req, now):
    rules.may_close(visit.status, visit.id)
    if req["outcome"] == rules.FOLLOW_UP:
        for citizen in named_in(uow.session, visit):
            rules.require_purpose(citizen.consent_purposes, rules.FOLLOW_UP, citizen.id, "outcome", "a follow-up")
    closed_at, duration = rules.closing(req, now, as_utc(visit.opened_at), len(visit.acts) + len(req["acts"]))
    for act in req["acts"]:
        visit.acts.append(Act(kind=act["kind"], partner=act["partner"], recorded_at=now))
    visit.status, visit.closed_at, visit.duration_min = "closed", closed_at, duration
    visit.outcome, visit.registres = req["outcome"], rules.registres_of(req)
    uow.publish("accueil.visit_closed", visit_closed_payload(visit), pimms_id=visit.pimms_id,
                occurred_at=closed_at)
    return visit


VISIT_VIEW_COLUMNS = ("id", "pimms_id", "agent_id", "status", "motif_kind", "partner", "domain", "registres",
                      "outcome", "waiting_min", "duration_min", "opened_at", "closed_at")


# A visit of a list as visit_view reads it: the columns it shows, its acts and its participants (a named
# tuple: made in C from the row, where setting 15 attributes one by one was 1.5 ms of a 200-visit list).
ListedVisit = namedtuple("ListedVisit", VISIT_VIEW_COLUMNS + ("acts", "participants"))


def list_visits(session, req, zone):
    """A desk's visits, newest first: of a day of the association's calendar (`day`: opened or closed that
    day), and with `still_open` also every visit left open on an earlier day, so that it can be closed.

    Read as rows, three statements for the page (visits, their acts, their participants): the desk's day
    of 200 visits took 170 ms loaded as ORM objects one visit's children at a time, and ORM objects are
    still 3x the cost of rows for what is only read (docs/benchmark.md)."""
    visits, acts, people = Visit.__table__.c, Act.__table__.c, Participant.__table__.c
    query = select(*(visits[name] for name in VISIT_VIEW_COLUMNS)).where(visits.pimms_id == req["pimms_id"])
    if req["status"]:
        query = query.where(visits.status == req["status"])
    if req["day"]:
        start, end = localtime.day_bounds(req["day"], zone)
        of_the_day = or_(and_(visits.opened_at >= start, visits.opened_at < end),
                         and_(visits.closed_at >= start, visits.closed_at < end))
        query = query.where(or_(of_the_day, and_(visits.status == "open", visits.opened_at < start))
                            if req["still_open"] else of_the_day)
    query = query.order_by(visits.opened_at.desc(), visits.id).limit(req["limit"]).offset(req["offset"])
    rows = session.execute(query).all()
    ids = [row.id for row in rows]
    acts_of, people_of = {i: [] for i in ids}, {i: [] for i in ids}
    if ids:
        for act in session.execute(select(acts.visit_id, acts.kind, acts.partner)
                                   .where(acts.visit_id.in_(ids)).order_by(acts.id)):
            acts_of[act.visit_id].append(act)
        for person in session.execute(select(people.visit_id, people.visitor_ref, people.citizen_id,
                                             people.first_visit, people.gender, people.age_band, people.commune)
                                      .where(people.visit_id.in_(ids)).order_by(people.id)):
            people_of[person.visit_id].append(person)
    return [ListedVisit(*row, acts_of[row.id], people_of[row.id]) for row in rows]


def named_in(session, visit):
    ids = [p.citizen_id for p in visit.participants if p.citizen_id is not None]
    return list(session.scalars(select(Citizen).where(Citizen.id.in_(ids)).order_by(Citizen.id))) if ids else []


# -- citizens' identities ----------------------------------------------------------------------------------
def _received_by(session, citizen_id, desks):
    return session.scalar(select(exists().where(
        Participant.citizen_id == citizen_id, Participant.visit_id == Visit.id, Visit.pimms_id.in_(desks))))


def readable_citizen(session, citizen_id, reader):
    """The citizen if one of the reader's desks received them (a manager's desks are all the association's),
    else None: a record that is not theirs reads as one that does not exist."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.erased_at is not None or not _received_by(session, citizen.id, reader["desks"]):
        return None
    return citizen


def known_citizen(session, citizen_id, reader, now):
    """A citizen the reader may name in a visit: one their desks received, or one they found by name in the
    last hour (find_citizens, audited)."""
    citizen = readable_citizen(session, citizen_id, reader)
    if citizen is not None:
        return citizen
    found = session.scalars(select(CitizenSearch.found).where(
        CitizenSearch.reader_id == reader["login"], CitizenSearch.searched_at >= rules.search_granted_since(now)))
    if any(citizen_id in ids for ids in found):
        citizen = session.get(Citizen, citizen_id)
        return citizen if citizen is not None and citizen.erased_at is None else None
    return None


def get_citizen(session, citizen_id, reader, now):
    """A citizen's identity and visits at the reader's desks, for staff whose desks received them. The read
    is written to the audit trail (who, role, when, which citizen), never what was read."""
    citizen = citizen_of(session, citizen_id, reader)
    seen = select(Participant.visit_id).where(Participant.citizen_id == citizen.id)
    visits = list(session.scalars(
        select(Visit).where(Visit.id.in_(seen), Visit.pimms_id.in_(reader["desks"]))
        .order_by(Visit.opened_at.desc(), Visit.id).limit(50)))
    audit_access(session, citizen.id, reader, "read", now)
    return citizen_view(citizen, visits)


def audit_access(session, citizen_id, reader, action, now):
    session.add(CitizenRead(citizen_id=citizen_id, reader_id=reader["login"], reader_role=reader["role"],
                            action=action, read_at=now))


def citizen_of(session, citizen_id, reader):
    citizen = readable_citizen(session, citizen_id, reader)
    if citizen is None:
        raise NotFound(f"no citizen {citizen_id} at the desks of {reader['login']}")
    return citizen


def find_citizens(session, req, reader, now):
    """A returning person at another desk of the association: the people of that name (first name and phone
    narrow it) who consented to be followed (`follow_up`), at most ten, as record numbers, names and the
    desks that received them; nothing else of them. The search is audited (who, when, which records), and
    lets the searcher name one of them at their desk for the next hour."""
    query = select(Citizen).where(func.lower(Citizen.last_name) == req["last_name"].strip().lower(),
                                  Citizen.erased_at.is_(None))
    if req["first_name"]:
        query = query.where(func.lower(Citizen.first_name) == req["first_name"].strip().lower())
    if req["phone"]:
        query = query.where(Citizen.phone == req["phone"])
    candidates = [c for c in session.scalars(query.order_by(Citizen.id).limit(200))
                  if rules.findable(c.consent_purposes)][:rules.SEARCH_LIMIT]
    session.add(CitizenSearch(reader_id=reader["login"], reader_role=reader["role"],
                              found=[c.id for c in candidates], searched_at=now))
    desks = {}
    for citizen_id, pimms_id in session.execute(
            select(Participant.citizen_id, Visit.pimms_id).join(Visit, Participant.visit_id == Visit.id)
            .where(Participant.citizen_id.in_([c.id for c in candidates])).distinct()):
        desks.setdefault(citizen_id, set()).add(pimms_id)
    return [citizen_match(c, desks.get(c.id, ())) for c in candidates]


# -- workshops ----------------------------------------------------------------------------------------------
def record_workshop(uow, req, key, now, contract, zone, reader=None):
    """A workshop held, recorded as a head count (no session planned): published as workshop_held v2 with
    one fresh anonymous reference per attendee, as a session closed with anonymous walk-ins would be."""
    rules.in_scope(reader, req["pimms_id"])
    held_on = rules.workshop_day(req["held_on"], now, zone)
    contract.check("ateliers", pimms_id=req["pimms_id"], on=held_on, partner=req["partner"])
    workshop = Workshop(id=str(uuid.uuid4()), **{k: req[k] for k in (
        "pimms_id", "agent_id", "theme", "partner", "held_on", "attendees", "duration_min")},
        registres=rules.registres_of(req))
    uow.session.add(workshop)
    refs = [rules.visitor_ref(key, f"workshop:{workshop.id}:{i}") for i in range(workshop.attendees)]
    uow.publish("accueil.workshop_held", workshop_held_payload(workshop, refs), pimms_id=workshop.pimms_id,
                version=2, occurred_at=now)
    return {"workshop_id": workshop.id, **{k: req[k] for k in req}, "held_on": req["held_on"].isoformat()}


def desk_figures(session, pimms_id):
    """The desk's own running totals, for the demo and the desk page (not the head-office figures)."""
    closed = Visit.status == "closed"
    visits = session.scalar(select(func.count()).where(Visit.pimms_id == pimms_id, closed))
    people = session.scalar(
        select(func.count(func.distinct(Participant.visitor_ref))).join(Visit)
        .where(Visit.pimms_id == pimms_id, closed))
    acts = session.scalar(select(func.count()).select_from(Act).join(Visit).where(Visit.pimms_id == pimms_id, closed))
    workshops = session.execute(
        select(func.count(), func.coalesce(func.sum(Workshop.attendees), 0)).where(Workshop.pimms_id == pimms_id)
    ).one()
    return {"visits": visits, "people": people, "acts": acts, "workshops": workshops[0],
            "attendees": int(workshops[1])}
