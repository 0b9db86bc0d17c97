"""The waiting room in accueil's database: tickets numbered per desk and day, "Suivant" serving the first one
waiting and opening its visit, appointments in agents' slots, and the end of a desk's day; what
waiting_rules.py decides applied, the events it causes added to the outbox in the same unit of work.

Exactly once under concurrency: a ticket's number comes from one row per desk and day bumped by a single
upsert, and "Suivant" takes its ticket with a conditional UPDATE (status still waiting): two agents pressing
at the same moment wait on the row's lock (PostgreSQL) or on SQLite's one writer, and the second one serves
the next ticket, never the same one. A retried request is answered once by its idempotency key (db.once)."""
import datetime as dt
import secrets
import uuid

from sqlalchemy import Date, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError

from services.accueil import case_rules, rules, waiting_rules
from services.accueil.models import Appointment, Ticket
from services.accueil.store import citizen_of, of_the_desks, open_visit
from services.accueil.waiting_views import (
    appointment_booked_payload,
    appointment_cancelled_payload,
    appointment_kept_payload,
    appointment_missed_payload,
    ticket_left_payload,
    ticket_served_payload,
)
from shared import localtime
from shared.errors import Conflict
from shared.types import as_utc

NEXT_NUMBER = text(
    "INSERT INTO ticket_days (pimms_id, day, last_number) VALUES (:pimms_id, :day, 1) "
    "ON CONFLICT (pimms_id, day) DO UPDATE SET last_number = ticket_days.last_number + 1 "
    "RETURNING last_number").bindparams(bindparam("day", type_=Date))
CANDIDATES = 20  # tickets tried by one "Suivant": as many agents may take the first ones at the same moment
SHOWN_CALLED = 5  # numbers the waiting room's screen shows, the last called first


def _motif(motif):
    return {"motif_kind": motif["kind"], "partner": motif["partner"], "domain": motif["domain"]}


def _anonymous():
    return {"gender": None, "age_band": None, "commune": None, "first_visit": None, "citizen": None}


# -- tickets ---------------------------------------------------------------------------------------------------
def take_ticket(uow, req, now, zone, contract, reader):
    """An arrival: the desk's next number of the day, anonymous, with its motif."""
    rules.in_scope(reader, req["pimms_id"])
    day = localtime.today(zone, now)
    motif = req["motif"]
    contract.check(rules.activity_of(motif), pimms_id=req["pimms_id"], on=day, partner=motif["partner"])
    number = uow.session.execute(NEXT_NUMBER, {"pimms_id": req["pimms_id"], "day": day}).scalar_one()
    ticket = Ticket(id=str(uuid.uuid4()), pimms_id=req["pimms_id"], day=day, number=number, status="waiting",
                    arrived_at=now, **_motif(motif))
    uow.session.add(ticket)
    return ticket


def list_tickets(session, req, zone, reader):
    """A desk's tickets of a day, in the order of service (arrival, then number)."""
    rules.in_scope(reader, req["pimms_id"])
    query = select(Ticket).where(Ticket.pimms_id == req["pimms_id"], Ticket.day == (req["day"] or localtime.today(zone)))
    if req["status"]:
        query = query.where(Ticket.status == req["status"])
    return list(session.scalars(query.order_by(Ticket.arrived_at, Ticket.number)))


def call_next(uow, req, now, zone, contract, key, reader):
    """« Suivant »: the first ticket still waiting today is served at the counter and its visit opened, with
    the wait from its arrival to now. Publishes accueil.ticket_served. Nobody waiting: a conflict."""
    rules.in_scope(reader, req["pimms_id"])
    session = uow.session
    waiting = list(session.scalars(
        select(Ticket.id).where(Ticket.pimms_id == req["pimms_id"], Ticket.day == localtime.today(zone, now),
                                Ticket.status == "waiting").order_by(Ticket.arrived_at, Ticket.number)
        .limit(CANDIDATES)))
    ticket = None
    for ticket_id in waiting:
        taken = session.execute(
            update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "waiting")
            .values(status="served", served_at=now, counter=req["counter"], agent_id=req["agent_id"])
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            ticket = session.get(Ticket, ticket_id, populate_existing=True)
            break
    if ticket is None:
        raise Conflict(f"nobody is waiting at desk {req['pimms_id']}")
    waiting_min = waiting_rules.minutes_between(as_utc(ticket.arrived_at), now)
    visit = open_visit(session, {
        "pimms_id": ticket.pimms_id, "agent_id": req["agent_id"],
        "motif": {"kind": ticket.motif_kind, "partner": ticket.partner, "domain": ticket.domain},
        "participants": [_anonymous()], "waiting_min": waiting_rules.visit_waiting(waiting_min), "opened_at": now,
        "acts": []}, key, now, contract, reader)
    session.flush()
    ticket.visit_id = visit.id
    uow.publish("accueil.ticket_served", ticket_served_payload(ticket, waiting_min), pimms_id=ticket.pimms_id,
                occurred_at=now)
    return ticket, visit


def get_ticket(session, ticket_id, reader, for_update=False):
    return of_the_desks(session, Ticket, ticket_id, reader, for_update, "ticket")


def ticket_left(uow, req, now, reader):
    """The person went away before being called: their ticket leaves the queue, counted as left unseen."""
    ticket = get_ticket(uow.session, req["ticket_id"], reader, for_update=True)
    waiting_rules.may_leave(ticket.status, ticket.id)
    _leave(uow, ticket, now, at_day_end=False)
    return ticket


def _leave(uow, ticket, at, at_day_end):
    ticket.status, ticket.left_at = "left", max(at, as_utc(ticket.arrived_at))
    uow.publish("accueil.ticket_left", ticket_left_payload(ticket, at_day_end), pimms_id=ticket.pimms_id,
                occurred_at=ticket.left_at)


def board(session, pimms_id, zone, now):
    """What the public screen shows of a desk today: the count waiting and the last numbers called."""
    today = localtime.today(zone, now)
    of_today = (Ticket.pimms_id == pimms_id, Ticket.day == today)
    waiting = session.scalar(select(func.count()).where(*of_today, Ticket.status == "waiting"))
    called = list(session.scalars(select(Ticket).where(*of_today, Ticket.status == "served")
                                  .order_by(Ticket.served_at.desc(), Ticket.number.desc()).limit(SHOWN_CALLED)))
    return waiting, called


# -- appointments ---------------------------------------------------------------------------------------------
def book_appointment(uow, req, now, zone, contract, reader):
    """An agent's slot booked at a desk: for a person's record (at the reader's desks, with their consent to be
    followed) or anonymously (a reference for the slip). A slot taken or past is refused. Publishes
    accueil.appointment_booked."""
    session = uow.session
    rules.in_scope(reader, req["pimms_id"])
    starts_at, motif = req["starts_at"], req["motif"]
    # the desk's day of the appointment (a UTC date is the day before for an early morning in France)
    contract.check(rules.activity_of(motif), pimms_id=req["pimms_id"], on=localtime.local_date(starts_at, zone),
                   partner=motif["partner"])
    citizen_id = None
    if req["citizen_id"] is not None:
        citizen = citizen_of(session, req["citizen_id"], reader)
        rules.require_purpose(citizen.consent_purposes, rules.FOLLOW_UP, citizen.id, "citizen_id", "an appointment")
        citizen_id = citizen.id
    _hold_agent(session, req["agent_id"])
    window = (starts_at - dt.timedelta(hours=4), starts_at + dt.timedelta(hours=4))
    held = [(as_utc(a.starts_at), a.duration_min) for a in session.scalars(select(Appointment).where(
        Appointment.agent_id == req["agent_id"], Appointment.status == "booked",
        Appointment.starts_at > window[0], Appointment.starts_at < window[1]).with_for_update())]
    waiting_rules.bookable(starts_at, req["duration_min"], now, held)
    appointment = Appointment(
        id=str(uuid.uuid4()), pimms_id=req["pimms_id"], agent_id=req["agent_id"], starts_at=starts_at,
        duration_min=req["duration_min"], citizen_id=citizen_id, status="booked", booked_at=now,
        reference=None if citizen_id is not None else case_rules.reference(secrets.token_bytes(8)),
        slot_key=waiting_rules.slot_key(req["agent_id"], starts_at), **_motif(motif))
    session.add(appointment)
    try:
        session.flush()  # a twin booking of the same slot at the same moment fails here, on slot_key
    except IntegrityError:
        raise Conflict(f"the agent's slot at {starts_at.isoformat()} is taken") from None
    uow.publish("accueil.appointment_booked", appointment_booked_payload(appointment), pimms_id=appointment.pimms_id,
                occurred_at=now)
    return appointment


def _hold_agent(session, agent_id):
    """Bookings of one agent's calendar run one after the other: on PostgreSQL a lock on the agent until the
    transaction ends, so two overlapping slots booked at the same moment cannot both see the calendar free
    (SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:agent))"), {"agent": "appointments:" + agent_id})


def get_appointment(session, appointment_id, reader, for_update=False):
    return of_the_desks(session, Appointment, appointment_id, reader, for_update, "appointment")


def cancel_appointment(uow, req, now, reader):
    appointment = get_appointment(uow.session, req["appointment_id"], reader, for_update=True)
    waiting_rules.may_change_appointment(appointment.status, appointment.id, "cancelled")
    appointment.status, appointment.cancelled_at, appointment.slot_key = "cancelled", now, None
    uow.publish("accueil.appointment_cancelled", appointment_cancelled_payload(appointment),
                pimms_id=appointment.pimms_id, occurred_at=now)
    return appointment


def arrive(uow, req, now, contract, key, reader):
    """The person came: "seen", their visit opened with the appointment's motif (and the person, if named), the
    wait measured from the appointment's time or their arrival. Publishes accueil.appointment_kept."""
    session = uow.session
    appointment = get_appointment(session, req["appointment_id"], reader, for_update=True)
    waiting_rules.may_change_appointment(appointment.status, appointment.id, "received")
    arrived_at = waiting_rules.arrival(req["arrived_at"], now)
    waiting_min = waiting_rules.appointment_waiting(as_utc(appointment.starts_at), arrived_at, now)
    person = _anonymous()
    if appointment.citizen_id is not None:
        person["citizen"] = {"citizen_id": appointment.citizen_id}
    visit = open_visit(session, {
        "pimms_id": appointment.pimms_id, "agent_id": req["agent_id"],
        "motif": {"kind": appointment.motif_kind, "partner": appointment.partner, "domain": appointment.domain},
        "participants": [person], "waiting_min": waiting_rules.visit_waiting(waiting_min), "opened_at": now,
        "acts": []}, key, now, contract, reader)
    session.flush()
    appointment.status, appointment.arrived_at, appointment.seen_at = "seen", arrived_at, now
    appointment.visit_id = visit.id
    uow.publish("accueil.appointment_kept", appointment_kept_payload(appointment, req["agent_id"], waiting_min),
                pimms_id=appointment.pimms_id, occurred_at=now)
    return appointment, visit


def mark_missed(uow, req, now, reader):
    """A no-show noted by staff once the appointment's time has come. Publishes accueil.appointment_missed."""
    appointment = get_appointment(uow.session, req["appointment_id"], reader, for_update=True)
    waiting_rules.may_change_appointment(appointment.status, appointment.id, "marked missed")
    waiting_rules.may_mark_missed(as_utc(appointment.starts_at), now)
    _missed(uow, appointment, now, "staff")
    return appointment


def _missed(uow, appointment, at, by):
    appointment.status, appointment.missed_at, appointment.missed_by = "no_show", at, by
    uow.publish("accueil.appointment_missed", appointment_missed_payload(appointment), pimms_id=appointment.pimms_id,
                occurred_at=at)


def list_appointments(session, req, zone, reader):
    rules.in_scope(reader, req["pimms_id"])
    first = req["day"] or localtime.today(zone)
    start = localtime.day_bounds(first, zone)[0]
    end = localtime.day_bounds(first + dt.timedelta(days=req["days"] - 1), zone)[1]
    query = select(Appointment).where(Appointment.pimms_id == req["pimms_id"], Appointment.starts_at >= start,
                                      Appointment.starts_at < end)
    for name in ("agent_id", "status"):
        if req[name]:
            query = query.where(getattr(Appointment, name) == req[name])
    return list(session.scalars(query.order_by(Appointment.starts_at, Appointment.agent_id)))


# -- the end of a desk's day ---------------------------------------------------------------------------------------
def close_day(uow, req, now, zone, reader):
    """Tickets still waiting on the day asked or before close as left unseen (at the day's end, or now for
    today), appointments still booked whose time has passed as missed. Returns the counts."""
    session = uow.session
    if req["pimms_id"] is not None:
        rules.in_scope(reader, req["pimms_id"])
    last = waiting_rules.days_to_close(req["day"], localtime.today(zone, now))
    closes_at = min(now, waiting_rules.end_of(last, zone))
    tickets = select(Ticket).where(Ticket.status == "waiting", Ticket.day <= last)
    appointments = select(Appointment).where(Appointment.status == "booked", Appointment.starts_at < closes_at)
    if req["pimms_id"] is not None:
        tickets = tickets.where(Ticket.pimms_id == req["pimms_id"])
        appointments = appointments.where(Appointment.pimms_id == req["pimms_id"])
    elif reader is not None:
        tickets = tickets.where(Ticket.pimms_id.in_(reader["desks"]))
        appointments = appointments.where(Appointment.pimms_id.in_(reader["desks"]))
    left = list(session.scalars(tickets.order_by(Ticket.day, Ticket.number).with_for_update()))
    for ticket in left:
        _leave(uow, ticket, min(now, waiting_rules.end_of(ticket.day, zone)), at_day_end=True)
    missed = list(session.scalars(appointments.order_by(Appointment.starts_at).with_for_update()))
    for appointment in missed:
        day_end = waiting_rules.end_of(localtime.local_date(as_utc(appointment.starts_at), zone), zone)
        _missed(uow, appointment, min(now, day_end), "end_of_day")
    return {"day": last.isoformat(), "tickets_left": len(left), "appointments_missed": len(missed)}
