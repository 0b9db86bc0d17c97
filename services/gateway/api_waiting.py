"""The JSON API of the waiting room: tickets and « Suivant », appointments, the end of a desk's day, and the
public board of a desk. Routes of GatewayService, kept in a mixin of their own; each only delegates
(waiting_work.py); accueil decides and checks the desks from the signed account."""
from services.gateway import waiting_work
from services.gateway.access import STAFF
from services.gateway.waiting_schemas import (
    AppointmentsQuery,
    AppointmentView,
    BoardView,
    DayClosedView,
    DayClosing,
    DeskAppointmentRequest,
    DeskArrival,
    DeskTicketRequest,
    NextRequest,
    NoBody,
    ReceivedView,
    ServedView,
    TicketsQuery,
    TicketView,
)
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json
from shared.contracts.accueil_waiting import WaitingBoardRequest
from shared.errors import parse_request


class WaitingRoutes:
    """Needs the service's backends (and what `api` needs: db, tokens, vouch, metrics)."""

    @api("GET", "/api/tickets", summary="A desk's tickets of a day (default today), in the order of service",
         tag="waiting", roles=STAFF, query=TicketsQuery, response=TicketView, many=True)
    def api_list_tickets(self, request, principal):
        return waiting_work.list_tickets(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/tickets", summary="Register an arrival: an anonymous ticket with its motif, numbered in the "
         "desk's day (A-001)", tag="waiting", roles=STAFF, body=DeskTicketRequest, response=TicketView, status=201,
         errors=(400, 401, 403, 422, 503))
    def api_take_ticket(self, request, principal):
        return waiting_work.take_ticket(self.backends.accueil, principal, request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/tickets/next", summary="« Suivant »: serve the first ticket waiting and open its visit, the "
         "wait measured from its arrival (409: nobody waiting)", tag="waiting", roles=STAFF, body=NextRequest,
         response=ServedView, status=201, errors=(400, 401, 403, 409, 422, 503))
    def api_call_next(self, request, principal):
        return waiting_work.call_next(self.backends.accueil, principal, request_json(request),
                                      request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/tickets/close-day", summary="Close a desk's day: tickets still waiting as left without "
         "being seen, appointments past as missed (a timer does it after midnight)", tag="waiting", roles=STAFF,
         body=DayClosing, response=DayClosedView, errors=(400, 401, 403, 503))
    def api_close_day(self, request, principal):
        return waiting_work.close_day(self.backends.accueil, principal, request_json(request),
                                      request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/tickets/<string:ticket_id>/left", summary="The person left before being called",
         tag="waiting", roles=STAFF, body=NoBody, response=TicketView, errors=(400, 401, 403, 404, 409, 503))
    def api_ticket_left(self, request, principal, ticket_id):
        return waiting_work.ticket_left(self.backends.accueil, principal, ticket_id, request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/waiting-room/<string:pimms_id>", summary="A desk's public waiting room: the numbers called "
         "and their counters, how many wait (no login, nothing personal)", tag="waiting", roles=(),
         response=BoardView)
    def api_waiting_room(self, request, principal, pimms_id):
        return self.backends.accueil.waiting_board(parse_request(WaitingBoardRequest, {"pimms_id": pimms_id}))

    @api("GET", "/api/appointments", summary="A desk's appointments of a day (default today) or of `days` days",
         tag="waiting", roles=STAFF, query=AppointmentsQuery, response=AppointmentView, many=True)
    def api_list_appointments(self, request, principal):
        return waiting_work.list_appointments(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/appointments", summary="Book an agent's slot for a person's record (with their consent to "
         "follow_up) or anonymously (a reference for their slip); a slot taken or past is refused",
         tag="waiting", roles=STAFF, body=DeskAppointmentRequest, response=AppointmentView, status=201,
         errors=(400, 401, 403, 409, 422, 503))
    def api_book_appointment(self, request, principal):
        return waiting_work.book_appointment(self.backends.accueil, principal, request_json(request),
                                             request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/appointments/<string:appointment_id>", summary="An appointment of one of your desks",
         tag="waiting", roles=STAFF, response=AppointmentView)
    def api_get_appointment(self, request, principal, appointment_id):
        return self.backends.accueil.get_appointment(appointment_id)

    @api("POST", "/api/appointments/<string:appointment_id>/arrival", summary="The person came: seen, their visit "
         "opened with the motif and the wait from the appointment's time or their arrival", tag="waiting",
         roles=STAFF, body=DeskArrival, response=ReceivedView, status=201, errors=(400, 401, 403, 404, 409, 422, 503))
    def api_appointment_arrival(self, request, principal, appointment_id):
        return waiting_work.arrived(self.backends.accueil, principal, appointment_id, request_json(request),
                                    request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/appointments/<string:appointment_id>/no-show", summary="The person did not come (once the "
         "appointment's time has come)", tag="waiting", roles=STAFF, body=NoBody, response=AppointmentView,
         errors=(400, 401, 403, 404, 409, 503))
    def api_appointment_no_show(self, request, principal, appointment_id):
        return waiting_work.change_appointment(self.backends.accueil, principal, appointment_id,
                                               "appointment_missed", request_json(request),
                                               request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/appointments/<string:appointment_id>/cancel", summary="Cancel an appointment: its slot is "
         "free again", tag="waiting", roles=STAFF, body=NoBody, response=AppointmentView,
         errors=(400, 401, 403, 404, 409, 503))
    def api_cancel_appointment(self, request, principal, appointment_id):
        return waiting_work.change_appointment(self.backends.accueil, principal, appointment_id,
                                               "cancel_appointment", request_json(request),
                                               request.headers.get(IDEMPOTENCY_HEADER))
