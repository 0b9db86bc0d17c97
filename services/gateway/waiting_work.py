"""The waiting room's work asked of accueil for an account, within its desks and as its agent: the JSON API and
the desk's pages both go through here, so a person and a script send the same requests."""
from services.gateway.desk_work import at_desk
from services.gateway.waiting_schemas import (
    AppointmentsQuery,
    DayClosing,
    DeskAppointmentRequest,
    DeskArrival,
    DeskTicketRequest,
    NextRequest,
    NoBody,
    TicketsQuery,
)
from services.gateway.web import request_key
from shared.errors import parse_request


def list_tickets(accueil, principal, query):
    return accueil.list_tickets(at_desk(principal, TicketsQuery, query))


def take_ticket(accueil, principal, body, supplied_key):
    return accueil.take_ticket({**at_desk(principal, DeskTicketRequest, body),
                                "idempotency_key": request_key(principal, supplied_key)})


def call_next(accueil, principal, body, supplied_key):
    """« Suivant » at a desk of the account, by its agent."""
    return accueil.call_next({**at_desk(principal, NextRequest, body), "agent_id": principal.agent_id,
                              "idempotency_key": request_key(principal, supplied_key)})


def ticket_left(accueil, principal, ticket_id, body, supplied_key):
    parse_request(NoBody, body)
    return accueil.ticket_left({"ticket_id": ticket_id, "idempotency_key": request_key(principal, supplied_key)})


def close_day(accueil, principal, body, supplied_key):
    return accueil.close_waiting_day({**at_desk(principal, DayClosing, body),
                                      "idempotency_key": request_key(principal, supplied_key)})


def list_appointments(accueil, principal, query):
    return accueil.list_appointments(at_desk(principal, AppointmentsQuery, query))


def book_appointment(accueil, principal, body, supplied_key):
    """A slot of an agent (the account's own by default) at one of the account's desks."""
    req = at_desk(principal, DeskAppointmentRequest, body)
    return accueil.book_appointment({**req, "agent_id": req.get("agent_id") or principal.agent_id,
                                     "idempotency_key": request_key(principal, supplied_key)})


def arrived(accueil, principal, appointment_id, body, supplied_key):
    parse_request(DeskArrival, body)
    return accueil.appointment_arrived({**body, "appointment_id": appointment_id, "agent_id": principal.agent_id,
                                        "idempotency_key": request_key(principal, supplied_key)})


def change_appointment(accueil, principal, appointment_id, call, body, supplied_key):
    """Cancel an appointment, or note that the person did not come (`call`: accueil's method)."""
    parse_request(NoBody, body)
    return getattr(accueil, call)({"appointment_id": appointment_id,
                                   "idempotency_key": request_key(principal, supplied_key)})
