"""Workshop sessions in accueil's database: what workshop_rules.py decides applied to the tables, the
`workshop_held` event of a close added to the outbox in the same unit of work. Every call acts for a staff
member, on their desks only: a session of another desk reads as one that does not exist."""
import secrets
import uuid

from sqlalchemy import select

from services.accueil import case_rules, rules, workshop_rules
from services.accueil.models import Workshop, WorkshopRegistration, WorkshopSession
from services.accueil.store import known_citizen, of_the_desks
from services.accueil.workshop_views import present, registered, workshop_held_payload
from shared import localtime
from shared.errors import NotFound, invalid
from shared.types import as_utc


def plan(uow, req, now, contract, zone, reader):
    """A session planned at one of the reader's desks, under the ateliers mandate on its day."""
    rules.in_scope(reader, req["pimms_id"])
    starts_at = workshop_rules.planned_start(req["starts_at"], now)
    contract.check("ateliers", pimms_id=req["pimms_id"], on=localtime.local_date(starts_at, zone),
                   partner=req["partner"])
    session = WorkshopSession(
        id=str(uuid.uuid4()), pimms_id=req["pimms_id"], agent_id=req["agent_id"], theme=req["theme"],
        partner=req["partner"], starts_at=starts_at, duration_min=req["duration_min"], capacity=req["capacity"],
        place=req["place"], registres=rules.registres_of(req), status="planned", planned_at=now)
    uow.session.add(session)
    uow.session.flush()
    return session


def get_session(session, workshop_id, reader, for_update=False):
    return of_the_desks(session, WorkshopSession, workshop_id, reader, for_update, "workshop")


def list_sessions(session, req, reader, zone):
    """A desk's sessions, soonest first; from a day on (`from_day`), or of a status."""
    rules.in_scope(reader, req["pimms_id"])
    query = select(WorkshopSession).where(WorkshopSession.pimms_id == req["pimms_id"])
    if req["from_day"] is not None:
        start, _ = localtime.day_bounds(req["from_day"], zone)
        query = query.where(WorkshopSession.starts_at >= start)
    if req["status"] is not None:
        query = query.where(WorkshopSession.status == req["status"])
    return list(session.scalars(query.order_by(WorkshopSession.starts_at, WorkshopSession.id).limit(req["limit"])))


def _named(session, workshop, citizen_id, reader, now, field):
    """A person the reader may name (received at their desks, or found by name within the hour), who
    consented to follow_up and is not in the session yet."""
    citizen = known_citizen(session, citizen_id, reader, now)
    if citizen is None:  # the same answer whether the record does not exist or is not theirs
        raise NotFound(f"no citizen {citizen_id} at the desks of {reader['login']}")
    workshop_rules.named_person(citizen.consent_purposes, citizen.id, field)
    workshop_rules.not_twice(any(p.citizen_id == citizen.id and p.status != "cancelled" for p in workshop.people),
                             citizen.id, field)
    return citizen


def register(uow, req, now, reader):
    """One more person registered, named or with a slip's reference; a full session refuses (409)."""
    session = uow.session
    workshop = get_session(session, req["workshop_id"], reader, for_update=True)
    workshop_rules.may_register(workshop.status, workshop.id, len(registered(workshop)), workshop.capacity)
    person = WorkshopRegistration(status="registered", registered_at=now)
    if req["citizen_id"] is not None:
        person.citizen_id = _named(session, workshop, req["citizen_id"], reader, now, "citizen_id").id
    else:
        person.reference = case_rules.reference(secrets.token_bytes(8))
    workshop.people.append(person)
    session.flush()
    return workshop, person


def cancel_registration(uow, req, now, reader):
    workshop = get_session(uow.session, req["workshop_id"], reader, for_update=True)
    person = _person(workshop, req["registration_id"], "registration_id")
    workshop_rules.may_cancel_registration(workshop.status, workshop.id, person.status, person.attended_at is not None)
    person.status, person.cancelled_at = "cancelled", now
    return workshop, person


def _person(workshop, registration_id, field):
    for person in workshop.people:
        if person.id == registration_id and person.status != "cancelled":
            return person
    raise invalid(field, f"no registration {registration_id} in this workshop")


def mark(uow, req, now, key, reader):
    """Who came: registrations marked present (given their visitor reference) or absent again, walk-ins
    added present. A named person's reference is the one the desk gives them at every visit, so they count
    once among the people received; an anonymous person's is their own, for this session."""
    session = uow.session
    workshop = get_session(session, req["workshop_id"], reader, for_update=True)
    workshop_rules.may_mark(workshop.status, workshop.id, as_utc(workshop.starts_at), now)
    for registration_id in req["present"]:
        person = _person(workshop, registration_id, "present")
        if person.attended_at is None:
            person.attended_at = now
    for registration_id in req["absent"]:
        person = _person(workshop, registration_id, "absent")
        person.attended_at = person.visitor_ref = None
    for citizen_id in req["walk_in_citizens"]:
        citizen = _named(session, workshop, citizen_id, reader, now, "walk_in_citizens")
        workshop.people.append(WorkshopRegistration(citizen_id=citizen.id, status="walk_in", attended_at=now))
    for _ in range(req["walk_ins"]):
        workshop.people.append(WorkshopRegistration(status="walk_in", attended_at=now))
    session.flush()  # an anonymous person's reference derives from their row's number
    for person in present(workshop):
        if person.visitor_ref is None:
            person.visitor_ref = attendee_ref(key, workshop.id, person)
    return workshop


def attendee_ref(key, workshop_id, person):
    subject = (rules.citizen_subject(person.citizen_id) if person.citizen_id is not None
               else f"workshop:{workshop_id}:{person.id}")
    return rules.visitor_ref(key, subject)


def close(uow, req, now, zone, reader):
    """A session held: publishes accueil.workshop_held v2 once (a session already held answers as it is,
    so a retry without its key publishes nothing more), and records it among the workshops held."""
    session = uow.session
    workshop = get_session(session, req["workshop_id"], reader, for_update=True)
    came = present(workshop)
    if not workshop_rules.close(workshop.status, workshop.id, as_utc(workshop.starts_at), now, len(came)):
        return workshop
    held_on = localtime.local_date(as_utc(workshop.starts_at), zone)
    duration = req["duration_min"] or workshop.duration_min
    registres = req["registres"] or workshop.registres
    workshop.status, workshop.closed_at, workshop.duration_min = "held", now, duration
    workshop.registres = rules.registres_of({"registres": registres})
    session.add(Workshop(id=workshop.id, pimms_id=workshop.pimms_id, agent_id=workshop.agent_id,
                         theme=workshop.theme, partner=workshop.partner, held_on=held_on, attendees=len(came),
                         duration_min=duration, registres=workshop.registres))
    uow.publish("accueil.workshop_held", workshop_held_payload(workshop, held_on, duration, workshop.registres),
                pimms_id=workshop.pimms_id, version=2, occurred_at=now)
    return workshop


def cancel(uow, req, now, reader):
    workshop = get_session(uow.session, req["workshop_id"], reader, for_update=True)
    workshop_rules.may_cancel(workshop.status, workshop.id)
    workshop.status, workshop.closed_at = "cancelled", now
    return workshop
