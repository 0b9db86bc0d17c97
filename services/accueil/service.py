"""The accueil service: visits at the desk (médiation postée) and collective workshops, over RPC and HTTP."""
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.web.handlers import http

from services.accueil import domain
from services.accueil.schemas import (
    AddActRequest, CloseVisitRequest, GetCitizenRequest, ListVisitsRequest, OpenVisitRequest, RecordVisitRequest,
    RecordWorkshopRequest)
from shared import localtime
from shared.db import utcnow
from shared.dependencies import Database
from shared.errors import parse_request
from shared.http import json_api, request_json
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class AccueilService(PlatformService, ContractCopy):
    name = "accueil"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- RPC ------------------------------------------------------------------------------------------------
    # Every call that changes state takes an `idempotency_key`: a repeat answers the first answer.
    @rpc
    def open_visit(self, request):
        """Open a visit with its participants and first acts, in one transaction."""
        return self.db.once("open_visit", request, OpenVisitRequest, lambda uow, req: domain.visit_view(
            domain.open_visit(uow.session, req, self.config["VISITOR_REF_KEY"], utcnow(), self.contract(uow))))

    @rpc
    def add_act(self, request):
        return self.db.once("add_act", request, AddActRequest, lambda uow, req: domain.visit_view(
            domain.add_act(uow.session, req, utcnow())))

    @rpc
    def close_visit(self, request):
        """Close a visit (with the acts given, added first): publishes accueil.visit_closed, once."""
        view = self.db.once("close_visit", request, CloseVisitRequest, lambda uow, req: domain.visit_view(
            domain.close_visit(uow, req, utcnow())))
        if not self.db.replayed:
            self._count_visit(view)
        return view

    @rpc
    def record_visit(self, request):
        """Record a visit that is over (opened, its acts, closed) in one transaction, as a desk form does."""
        view = self.db.once("record_visit", request, RecordVisitRequest, lambda uow, req: domain.visit_view(
            domain.record_visit(uow, req, self.config["VISITOR_REF_KEY"], utcnow(), self.contract(uow))))
        if not self.db.replayed:
            self._count_visit(view)
        return view

    @rpc
    def record_workshop(self, request):
        workshop = self.db.once("record_workshop", request, RecordWorkshopRequest, lambda uow, req:
                                domain.record_workshop(uow, req, utcnow(), self.contract(uow), self._zone()))
        if self.db.replayed:
            return workshop
        self.metrics.counter("pimms_workshops_held_total", "Collective workshops recorded", ["theme"]) \
            .labels(workshop["theme"]).inc()
        self.metrics.counter("pimms_workshop_attendees_total", "Workshop attendees").inc(workshop["attendees"])
        return workshop

    @rpc
    def get_visit(self, visit_id):
        with self.db.unit_of_work() as uow:
            return domain.visit_view(domain.get_visit(uow.session, visit_id))

    @rpc
    def list_visits(self, request):
        req = parse_request(ListVisitsRequest, request)
        with self.db.unit_of_work() as uow:
            return [domain.visit_view(v) for v in domain.list_visits(uow.session, req, self._zone())]

    @rpc
    def get_citizen(self, citizen_id, reader):
        """A citizen's identity for the association's staff (`reader`: account_id, role, pimms_ids of its
        scope); every read is audited in this database, and identities never leave it otherwise."""
        req = parse_request(GetCitizenRequest, {"citizen_id": citizen_id, "reader": reader})
        with self.db.unit_of_work() as uow:
            citizen = domain.get_citizen(uow.session, req, utcnow())
        self.metrics.counter("pimms_citizen_identity_reads_total", "Citizens' identities read (audited)",
                             ["role"]).labels(req["reader"]["role"]).inc()
        return citizen

    @rpc
    def desk_figures(self, pimms_id):
        with self.db.unit_of_work() as uow:
            return domain.desk_figures(uow.session, pimms_id)

    # -- events -------------------------------------------------------------------------------------------
    # -- HTTP JSON API: the same operations, the same errors ------------------------------------------------
    @http("POST", "/visits")
    @json_api
    def http_open_visit(self, request):
        return self.open_visit(request_json(request))

    @http("POST", "/visits/<string:visit_id>/acts")
    @json_api
    def http_add_act(self, request, visit_id):
        return self.add_act({**request_json(request), "visit_id": visit_id})

    @http("POST", "/visits/<string:visit_id>/close")
    @json_api
    def http_close_visit(self, request, visit_id):
        return self.close_visit({**request_json(request), "visit_id": visit_id})

    @http("GET", "/visits/<string:visit_id>")
    @json_api
    def http_get_visit(self, request, visit_id):
        return self.get_visit(visit_id)

    @http("GET", "/visits")
    @json_api
    def http_list_visits(self, request):
        return self.list_visits(request.args.to_dict())

    @http("POST", "/workshops")
    @json_api
    def http_record_workshop(self, request):
        return self.record_workshop(request_json(request))

    def _zone(self):
        return localtime.zone_of(self.config)

    # -- business counters ----------------------------------------------------------------------------------
    def _count_visit(self, view):
        self.metrics.counter("pimms_visits_closed_total", "Visits closed", ["motif"]) \
            .labels(view["motif"]["kind"]).inc()
        acts = self.metrics.counter("pimms_mediation_acts_total", "Actes de médiation in closed visits", ["kind"])
        for act in view["acts"]:
            acts.labels(act["kind"]).inc()
