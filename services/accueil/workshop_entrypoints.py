"""Accueil's workshop sessions over RPC: the entrypoints of AccueilService that plan a session, register
people, mark who came and close it (workshop_store.py does the work). A mixin of the service, so that
service.py stays the visits and the citizen's record."""
from services.accueil import metrics, workshop_store
from services.accueil.workshop_views import registration_view, workshop_view
from shared.contracts.accueil_workshops import (
    AttendanceRequest,
    CancelRegistrationRequest,
    CancelWorkshopRequest,
    CloseWorkshopRequest,
    GetWorkshopRequest,
    ListWorkshopsRequest,
    PlanWorkshopRequest,
    RegisterRequest,
)
from shared.db import utcnow
from shared.errors import parse_request
from shared.rpc import rpc


class WorkshopSessions:
    """Needs the service's db, caller, config, metrics, contract and _zone."""

    @rpc
    def plan_workshop(self, request):
        """A session planned at a desk with its theme, start, place and capacity."""
        reader = self.caller.staff()
        return self.db.once("plan_workshop", request, PlanWorkshopRequest, lambda uow, req: workshop_view(
            workshop_store.plan(uow, req, utcnow(), self.contract(uow), self._zone(), reader), self._zone()))

    @rpc
    def list_workshops(self, request):
        """A desk's sessions, soonest first, with their places left (without the people)."""
        req = parse_request(ListWorkshopsRequest, request)
        with self.db.unit_of_work() as uow:
            return [workshop_view(w, self._zone(), with_people=False) for w in workshop_store.list_sessions(
                uow.session, req, self.caller.staff(), self._zone())]

    @rpc
    def get_workshop(self, workshop_id):
        req = parse_request(GetWorkshopRequest, {"workshop_id": workshop_id})
        with self.db.unit_of_work() as uow:
            return workshop_view(workshop_store.get_session(uow.session, req["workshop_id"], self.caller.staff()),
                                 self._zone())

    @rpc
    def register_to_workshop(self, request):
        """One more person registered (a full session is a conflict naming its capacity)."""
        reader = self.caller.staff()
        return self.db.once("register_to_workshop", request, RegisterRequest, lambda uow, req: self._registration_view(
            *workshop_store.register(uow, req, utcnow(), reader)))

    @rpc
    def cancel_registration(self, request):
        reader = self.caller.staff()
        return self.db.once("cancel_registration", request, CancelRegistrationRequest, lambda uow, req:
                            self._registration_view(*workshop_store.cancel_registration(uow, req, utcnow(), reader)))

    @rpc
    def mark_attendance(self, request):
        """Who came, from the session's start on: registrations present or absent, walk-ins."""
        reader = self.caller.staff()
        return self.db.once("mark_attendance", request, AttendanceRequest, lambda uow, req: workshop_view(
            workshop_store.mark(uow, req, utcnow(), self.config["VISITOR_REF_KEY"], reader), self._zone()))

    @rpc
    def close_workshop(self, request):
        """The session held: publishes accueil.workshop_held v2, once."""
        reader = self.caller.staff()
        view = self.db.once("close_workshop", request, CloseWorkshopRequest, lambda uow, req: self._workshop_closed(
            uow, req, reader))
        if not self.db.replayed and view.pop("published"):
            self.metrics[metrics.WORKSHOPS_HELD].labels(view["theme"]).inc()
            self.metrics[metrics.WORKSHOP_ATTENDEES].inc(view["attendees"])
        view.pop("published", None)
        return view

    @rpc
    def cancel_workshop(self, request):
        """A planned session that will not take place: nothing is published."""
        reader = self.caller.staff()
        return self.db.once("cancel_workshop", request, CancelWorkshopRequest, lambda uow, req: workshop_view(
            workshop_store.cancel(uow, req, utcnow(), reader), self._zone()))

    def _registration_view(self, workshop, person):
        return {**registration_view(person), "workshop": workshop_view(workshop, self._zone(), with_people=False)}

    def _workshop_closed(self, uow, req, reader):
        events = len(uow.events)
        workshop = workshop_store.close(uow, req, utcnow(), self._zone(), reader)
        return {**workshop_view(workshop, self._zone()), "published": len(uow.events) > events}
