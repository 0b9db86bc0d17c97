"""The gateway's side of the waiting room's contract: accueil's requests trimmed of what the gateway fills in
from the account (the desk by default, the agent), and the shapes of the answers, for the OpenAPI document."""
from marshmallow import Schema, fields

from services.gateway.schemas import MotifView
from shared.contracts.accueil_waiting import (
    ArrivalRequest,
    BookAppointmentRequest,
    CallNextRequest,
    CloseDayRequest,
    ListAppointmentsRequest,
    ListTicketsRequest,
    TakeTicketRequest,
)
from shared.contracts.common import RequestSchema
from shared.envelope import CODE


class DeskTicketRequest(TakeTicketRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)  # default: the account's desk


class TicketsQuery(ListTicketsRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class NextRequest(CallNextRequest):
    class Meta:
        exclude = ("agent_id",)

    pimms_id = fields.String(load_default=None, validate=CODE)


class DayClosing(CloseDayRequest):
    pass


class DeskAppointmentRequest(BookAppointmentRequest):
    """`agent_id`: the agent who receives (default: the account's own)."""

    pimms_id = fields.String(load_default=None, validate=CODE)
    agent_id = fields.String(load_default=None, validate=CODE)


class AppointmentsQuery(ListAppointmentsRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskArrival(ArrivalRequest):
    class Meta:
        exclude = ("appointment_id", "agent_id")


class NoBody(RequestSchema):
    """No body (or an empty object): any field is an error."""


class TicketView(Schema):
    """A ticket: its number of the desk's day (`label`, A-001), motif and wait; anonymous."""

    ticket_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    day = fields.Date(required=True)
    number = fields.Integer(required=True)
    label = fields.String(required=True)
    motif = fields.Nested(MotifView, required=True)
    status = fields.String(required=True, metadata={"description": "waiting, served or left"})
    arrived_at = fields.AwareDateTime(required=True)
    served_at = fields.AwareDateTime(allow_none=True)
    left_at = fields.AwareDateTime(allow_none=True)
    counter = fields.Integer(allow_none=True)
    agent_id = fields.String(allow_none=True)
    visit_id = fields.UUID(allow_none=True)
    waiting_min = fields.Integer(allow_none=True, metadata={"description": "minutes from arrival to the call "
                                                                           "(or to now, while waiting)"})


class AppointmentView(Schema):
    """An appointment: the person by record number (named, with consent) or by the reference on their slip."""

    appointment_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    duration_min = fields.Integer(required=True)
    motif = fields.Nested(MotifView, required=True)
    citizen_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "booked, seen, no_show or cancelled"})
    booked_at = fields.AwareDateTime(required=True)
    arrived_at = fields.AwareDateTime(allow_none=True)
    seen_at = fields.AwareDateTime(allow_none=True)
    visit_id = fields.UUID(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    missed_at = fields.AwareDateTime(allow_none=True)
    missed_by = fields.String(allow_none=True)


class ServedView(Schema):
    """« Suivant »: the ticket served and the visit it opened (with the wait measured)."""

    ticket = fields.Nested(TicketView, required=True)
    visit = fields.Dict(required=True, metadata={"description": "the visit opened, as GET /api/visits/{id}"})


class ReceivedView(Schema):
    appointment = fields.Nested(AppointmentView, required=True)
    visit = fields.Dict(required=True, metadata={"description": "the visit opened, as GET /api/visits/{id}"})


class CalledNumber(Schema):
    label = fields.String(required=True)
    counter = fields.Integer(required=True)


class BoardView(Schema):
    """The public waiting room of a desk: ticket numbers and counters, the count waiting; nothing else."""

    pimms_id = fields.String(required=True)
    waiting = fields.Integer(required=True)
    called = fields.List(fields.Nested(CalledNumber), required=True)
    at = fields.AwareDateTime(required=True)


class DayClosedView(Schema):
    day = fields.Date(required=True)
    tickets_left = fields.Integer(required=True)
    appointments_missed = fields.Integer(required=True)
