"""Accueil's waiting room over RPC: the entrypoints of AccueilService for tickets, « Suivant », appointments and
the end of a desk's day (waiting_store.py does the work). A mixin of the service, so that service.py stays the
visits and the citizen's record."""
import logging

from nameko.timer import timer

from services.accueil import metrics, waiting_store
from services.accueil.views import visit_view
from services.accueil.waiting_views import appointment_view, board_view, ticket_view
from shared.contracts.accueil_waiting import (
    AppointmentRequest,
    ArrivalRequest,
    BookAppointmentRequest,
    CallNextRequest,
    CloseDayRequest,
    ListAppointmentsRequest,
    ListTicketsRequest,
    TakeTicketRequest,
    TicketRequest,
    WaitingBoardRequest,
)
from shared.db import utcnow
from shared.errors import parse_request
from shared.rpc import rpc

log = logging.getLogger(__name__)
CLOSING_CHECK_SECONDS = 600  # how soon after a desk's midnight its waiting room is closed


class WaitingRoom:
    """Needs the service's db, caller, config, metrics, contract, _reader and _zone."""

    @rpc
    def take_ticket(self, request):
        """An arrival at a desk: its ticket, numbered in the desk's day (A-001), anonymous, with its motif."""
        reader = self._reader()
        return self._counted(metrics.TICKETS, "taken", self.db.once(
            "take_ticket", request, TakeTicketRequest, lambda uow, req: ticket_view(
                waiting_store.take_ticket(uow, req, utcnow(), self._zone(), self.contract(uow), reader), utcnow())))

    @rpc
    def list_tickets(self, request):
        req = parse_request(ListTicketsRequest, request)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            return [ticket_view(t, now) for t in waiting_store.list_tickets(uow.session, req, self._zone(),
                                                                            self.caller.staff())]

    @rpc
    def call_next(self, request):
        """« Suivant »: the first ticket waiting is served and its visit opened, once (publishes
        accueil.ticket_served); two agents at the same moment serve two tickets, never one twice."""
        reader = self.caller.staff()
        return self._counted(metrics.TICKETS, "served", self.db.once(
            "call_next", request, CallNextRequest, lambda uow, req: self._served(
                *waiting_store.call_next(uow, req, utcnow(), self._zone(), self.contract(uow),
                                         self.config["VISITOR_REF_KEY"], reader))))

    @rpc
    def ticket_left(self, request):
        """The person went away before being called (publishes accueil.ticket_left, once)."""
        reader = self.caller.staff()
        return self._counted(metrics.TICKETS, "left", self.db.once(
            "ticket_left", request, TicketRequest, lambda uow, req: ticket_view(
                waiting_store.ticket_left(uow, req, utcnow(), reader))))

    @rpc
    def waiting_board(self, request):
        """The public waiting room of a desk: the numbers called and their counters, how many wait. Needs no
        identity: it shows nothing of anyone."""
        req = parse_request(WaitingBoardRequest, request)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            waiting, called = waiting_store.board(uow.session, req["pimms_id"], self._zone(), now)
            return board_view(req["pimms_id"], waiting, called, now)

    @rpc
    def book_appointment(self, request):
        """An agent's slot booked (publishes accueil.appointment_booked, once); a slot taken or past is refused."""
        reader = self.caller.staff()
        return self._counted(metrics.APPOINTMENTS, "booked", self.db.once(
            "book_appointment", request, BookAppointmentRequest, lambda uow, req: appointment_view(
                waiting_store.book_appointment(uow, req, utcnow(), self._zone(), self.contract(uow),
                                               reader))))

    @rpc
    def cancel_appointment(self, request):
        reader = self.caller.staff()
        return self._counted(metrics.APPOINTMENTS, "cancelled", self.db.once(
            "cancel_appointment", request, AppointmentRequest, lambda uow, req: appointment_view(
                waiting_store.cancel_appointment(uow, req, utcnow(), reader))))

    @rpc
    def appointment_arrived(self, request):
        """The person came: seen, their visit opened with the motif and the wait (accueil.appointment_kept)."""
        reader = self.caller.staff()
        return self._counted(metrics.APPOINTMENTS, "kept", self.db.once(
            "appointment_arrived", request, ArrivalRequest, lambda uow, req: self._received(
                *waiting_store.arrive(uow, req, utcnow(), self.contract(uow), self.config["VISITOR_REF_KEY"],
                                      reader))))

    @rpc
    def appointment_missed(self, request):
        reader = self.caller.staff()
        return self._counted(metrics.APPOINTMENTS, "missed", self.db.once(
            "appointment_missed", request, AppointmentRequest, lambda uow, req: appointment_view(
                waiting_store.mark_missed(uow, req, utcnow(), reader))))

    @rpc
    def get_appointment(self, appointment_id):
        req = parse_request(AppointmentRequest, {"appointment_id": appointment_id})
        with self.db.unit_of_work() as uow:
            return appointment_view(waiting_store.get_appointment(uow.session, req["appointment_id"],
                                                                  self.caller.staff()))

    @rpc
    def list_appointments(self, request):
        req = parse_request(ListAppointmentsRequest, request)
        with self.db.unit_of_work() as uow:
            return [appointment_view(a) for a in waiting_store.list_appointments(uow.session, req, self._zone(),
                                                                                 self.caller.staff())]

    @rpc
    def close_waiting_day(self, request=None):
        """The end of a desk's day: tickets still waiting close as left unseen, appointments past and still
        booked as missed (publishes accueil.ticket_left and accueil.appointment_missed, once each)."""
        reader = self._reader()
        closed = self.db.once("close_waiting_day", request or {}, CloseDayRequest, lambda uow, req:
                              waiting_store.close_day(uow, req, utcnow(), self._zone(), reader))
        if not self.db.replayed:
            self.metrics[metrics.TICKETS].labels("left").inc(closed["tickets_left"])
            self.metrics[metrics.APPOINTMENTS].labels("missed").inc(closed["appointments_missed"])
        return closed

    @timer(interval=CLOSING_CHECK_SECONDS, eager=True)  # eager: a service restarted at night still closes the day
    def close_waiting_days(self):
        closed = self.close_waiting_day()
        if closed["tickets_left"] or closed["appointments_missed"]:
            log.info("waiting room closed up to %s: %d tickets left unseen, %d appointments missed", closed["day"],
                     closed["tickets_left"], closed["appointments_missed"])

    def _counted(self, counter, event, answer):
        """The answer, counted once (a replayed request counts nothing)."""
        if not self.db.replayed:
            self.metrics[counter].labels(event).inc()
        return answer

    @staticmethod
    def _served(ticket, visit):
        return {"ticket": ticket_view(ticket), "visit": visit_view(visit)}

    @staticmethod
    def _received(appointment, visit):
        return {"appointment": appointment_view(appointment), "visit": visit_view(visit)}

