"""Accueil's waiting room: tickets of the people who queue at a desk and appointments booked with an agent, the
events they publish and the requests they accept. Part of accueil's contract (shared/contracts/accueil.py
imports it, so its events register with the rest).

A ticket is anonymous (a number of the desk's day, A-001, and a motif); "Suivant" serves the first one waiting
and opens its visit with the waiting time measured by the server. An appointment is a slot of an agent at a
desk, for a person named with their consent (the record number stays in accueil) or an anonymous reference.
Events carry codes, instants and minutes, never a person: no record number, no reference, no ticket number."""
from marshmallow import fields, validate

from shared.contracts.accueil import RECORD_NUMBER, MotifSchema
from shared.contracts.common import RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema
from shared.types import Instant

TICKET_STATUSES = {"waiting": "En attente", "served": "Reçu", "left": "Parti sans être reçu"}
APPOINTMENT_STATUSES = {"booked": "Réservé", "seen": "Reçu", "no_show": "Absent", "cancelled": "Annulé"}
MISSED_BY = {"staff": "Constaté par l'agent", "end_of_day": "Constaté en fin de journée"}
WAIT_MIN = validate.Range(min=0, max=1440)  # a wait never outlasts the desk's day
COUNTER = validate.Range(min=1, max=99)  # the guichet's number, as the waiting room shows it
SLOT_MIN = validate.Range(min=5, max=240)


# -- events -------------------------------------------------------------------------------------------------
@event_schema("accueil.ticket_served", 1)
class TicketServedV1(PayloadSchema):
    """A ticket served: "Suivant" opened its visit; the wait from arrival to call, measured by the server."""

    ticket_id = fields.UUID(required=True)
    visit_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    waiting_min = fields.Integer(required=True, validate=WAIT_MIN)
    arrived_at = fields.AwareDateTime(required=True)
    served_at = fields.AwareDateTime(required=True)


@event_schema("accueil.ticket_left", 1)
class TicketLeftV1(PayloadSchema):
    """A ticket closed without its person being seen: gone before the call, or still waiting when the desk's
    day ended (`at_day_end`)."""

    ticket_id = fields.UUID(required=True)
    motif = fields.Nested(MotifSchema, required=True)
    waited_min = fields.Integer(required=True, validate=WAIT_MIN)
    at_day_end = fields.Boolean(required=True)
    arrived_at = fields.AwareDateTime(required=True)
    left_at = fields.AwareDateTime(required=True)


@event_schema("accueil.appointment_booked", 1)
class AppointmentBookedV1(PayloadSchema):
    """An appointment booked in an agent's slot; `named` when it is for a person's record (with consent)."""

    appointment_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    named = fields.Boolean(required=True)
    starts_at = fields.AwareDateTime(required=True)
    duration_min = fields.Integer(required=True, validate=SLOT_MIN)
    booked_at = fields.AwareDateTime(required=True)


@event_schema("accueil.appointment_cancelled", 1)
class AppointmentCancelledV1(PayloadSchema):
    appointment_id = fields.UUID(required=True)
    starts_at = fields.AwareDateTime(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


@event_schema("accueil.appointment_kept", 1)
class AppointmentKeptV1(PayloadSchema):
    """The person came: their visit opened, with the wait from the appointment's time (or their arrival, if
    later) to the moment they were received."""

    appointment_id = fields.UUID(required=True)
    visit_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    waiting_min = fields.Integer(required=True, validate=WAIT_MIN)
    starts_at = fields.AwareDateTime(required=True)
    seen_at = fields.AwareDateTime(required=True)


@event_schema("accueil.appointment_missed", 1)
class AppointmentMissedV1(PayloadSchema):
    """The person did not come (no-show), marked by staff or at the end of the appointment's day."""

    appointment_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    by = fields.String(required=True, validate=one_of(MISSED_BY))
    starts_at = fields.AwareDateTime(required=True)
    marked_at = fields.AwareDateTime(required=True)


# -- requests -----------------------------------------------------------------------------------------------
class TakeTicketRequest(RequestSchema):
    """An arrival at the desk (by the agent, or the desk's kiosk page): anonymous, a motif; arrived now."""

    pimms_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)


class ListTicketsRequest(RequestSchema):
    """A desk's tickets of a day of its calendar (default today), in the order of service."""

    pimms_id = fields.String(required=True, validate=CODE)
    day = fields.Date(load_default=None)
    status = fields.String(load_default=None, validate=one_of(TICKET_STATUSES))


class CallNextRequest(RequestSchema):
    """« Suivant »: the first ticket waiting at the desk is served at `counter`, and its visit opened."""

    pimms_id = fields.String(required=True, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)
    counter = fields.Integer(load_default=1, strict=True, validate=COUNTER)


class TicketRequest(RequestSchema):
    ticket_id = fields.UUID(required=True)


class CloseDayRequest(RequestSchema):
    """The end of a desk's day: tickets still waiting close as left, appointments still booked as missed.
    Without `pimms_id` every desk; without `day`, every day before today (what the timer runs); `day` today
    closes the desk now (the doors shut)."""

    pimms_id = fields.String(load_default=None, validate=CODE)
    day = fields.Date(load_default=None)


class BookAppointmentRequest(RequestSchema):
    """A slot of an agent at a desk, booked for a person's record (`citizen_id`, who consented to be followed)
    or anonymously (a reference is given, for the person's slip)."""

    pimms_id = fields.String(required=True, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)  # the agent who receives
    starts_at = Instant(required=True)
    duration_min = fields.Integer(load_default=30, strict=True, validate=SLOT_MIN)
    motif = fields.Nested(MotifSchema, required=True)
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)


class AppointmentRequest(RequestSchema):
    appointment_id = fields.UUID(required=True)


class ArrivalRequest(RequestSchema):
    """The person came: received now (their visit opens, by the agent of the call); `arrived_at` when they
    arrived, if they waited (default: now)."""

    appointment_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    arrived_at = Instant(load_default=None)


class ListAppointmentsRequest(RequestSchema):
    """A desk's appointments: of a day (default today), or from `day` over `days` days; of one agent."""

    pimms_id = fields.String(required=True, validate=CODE)
    day = fields.Date(load_default=None)
    days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=62))
    agent_id = fields.String(load_default=None, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(APPOINTMENT_STATUSES))


class WaitingBoardRequest(RequestSchema):
    """The public waiting room of a desk: ticket numbers and counters only."""

    pimms_id = fields.String(required=True, validate=CODE)
