"""The franchise service, at head office: the register of associations and desks, the social-franchise
contracts (every change published in full as `franchise.contract_changed`), and the desks' compliance with
the norm XP X60-600 and their contract, evaluated from the activity the associations send up. Over RPC; its
HTTP port answers /health and /metrics only."""
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer
from nameko.web.handlers import http

from services.franchise import contract_rules, metrics, store
from shared.consumer import handle_event, handle_event_batch
from shared.contracts.franchise import (
    AmendContractRequest,
    ContractStatusRequest,
    RegisterAssociationRequest,
    RegisterDeskRequest,
    SignContractRequest,
)
from shared.db import utcnow
from shared.dependencies import Database
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
REEVALUATE_EVERY_S = 3600  # time alone moves the window: deadlines pass, registres lapse


class FranchiseService(PlatformService):
    name = "franchise"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- the register -------------------------------------------------------------------------------------
    # Every change takes an `idempotency_key`: a repeat answers the first answer and publishes nothing more.
    @rpc
    def register_association(self, request):
        return self.db.once("register_association", request, RegisterAssociationRequest,
                            lambda uow, req: store.register_association(uow.session, req, utcnow()))

    @rpc
    def register_desk(self, request):
        return self.db.once("register_desk", request, RegisterDeskRequest,
                            lambda uow, req: store.register_desk(uow.session, req, utcnow()))

    # -- contracts ----------------------------------------------------------------------------------------
    @rpc
    def sign_contract(self, request):
        return self._change("signed", request, SignContractRequest, store.sign_contract)

    @rpc
    def amend_contract(self, request):
        return self._change("amended", request, AmendContractRequest, store.amend_contract)

    @rpc
    def suspend(self, request):
        return self._change("suspended", request, ContractStatusRequest,
                            lambda uow, req, now: store.change_status(uow, req, "suspended", now))

    @rpc
    def reinstate(self, request):
        return self._change("reinstated", request, ContractStatusRequest,
                            lambda uow, req, now: store.change_status(uow, req, "reinstated", now))

    @rpc
    def terminate(self, request):
        return self._change("terminated", request, ContractStatusRequest,
                            lambda uow, req, now: store.change_status(uow, req, "terminated", now))

    @rpc
    def get_contract(self, association_id):
        with self.db.unit_of_work() as uow:
            return contract_rules.contract_view(store.get_contract(uow.session, association_id))

    @rpc
    def contract_history(self, association_id):
        with self.db.unit_of_work() as uow:
            return store.contract_history(uow.session, association_id)

    # -- compliance ---------------------------------------------------------------------------------------
    @rpc
    def scorecard(self, pimms_id):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            self._count(store.evaluate_desk(uow, pimms_id, now.date(), now))
            return store.scorecard(uow.session, pimms_id)

    @rpc
    def network_scorecard(self):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            self._count(store.evaluate_network(uow, now.date(), now))
            return store.network_scorecard(uow.session, now.date())

    @timer(interval=REEVALUATE_EVERY_S)
    def reevaluate(self):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            self._count(store.evaluate_network(uow, now.date(), now))

    # -- the associations' activity, as it comes up their uplink ------------------------------------------
    @handle_event_batch("accueil.visit_closed")
    def on_visit_closed(self, events):
        """Visits in batches (a desk's busiest flow): one transaction and one evaluation per desk each."""
        now = utcnow()
        published = []
        applied = self.db.apply_batch(events, lambda uow, new: published.extend(
            store.visits_closed(uow, new, now.date(), now)))
        self._count(published)
        return applied

    @handle_event("accueil.workshop_held")
    def on_workshop_held(self, event):
        return self._apply(event, store.workshop_held)

    @handle_event("formation.work_time_logged")
    def on_work_time_logged(self, event):
        return self._apply(event, store.work_time_logged)

    @handle_event("formation.training_logged")
    def on_training_logged(self, event):
        return self._apply(event, store.training_logged)

    @handle_event("reporting.period_closed")
    def on_period_closed(self, event):
        return self._apply(event, store.period_closed)

    # -- HTTP: health (PlatformService) and metrics only; head office changes contracts over RPC -------------
    @http("GET", "/metrics")
    def http_metrics(self, request):
        desks = self.metrics[metrics.COMPLIANCE_DESKS]
        with self.db.unit_of_work() as uow:
            counts = store.desks_by_status(uow.session)
            revisions = store.latest_revisions(uow.session)
        for status in ("ok", "warning", "breach"):
            desks.labels(status).set(counts.get(status, 0))
        for association_id, revision in revisions.items():
            self.metrics[metrics.CONTRACT_REVISION].labels(association_id).set(revision)
        return self.metrics.expose(request.headers.get("Accept"))

    # -- helpers ------------------------------------------------------------------------------------------
    def _change(self, kind, request, schema, change):
        """A contract change and the re-evaluation of the association's desks it causes, one transaction,
        once per idempotency key."""
        now = utcnow()
        done = {}

        def work(uow, req):
            contract = change(uow, req, now)
            done["published"] = any(doc["type"] == "franchise.contract_changed" for doc in uow.events)
            done["evaluated"] = store.evaluate_association(uow, contract.association_id, now.date(), now)
            return contract_rules.contract_view(contract)

        view = self.db.once(f"contract_{kind}", request, schema, work)
        if done.get("published"):  # an amendment that changes nothing publishes nothing; a repeat neither
            self.metrics[metrics.CONTRACT_CHANGES].labels(kind).inc()
        self._count(done.get("evaluated", []))
        return view

    def _apply(self, event, fact):
        now = utcnow()
        published = self.db.apply_once(event, lambda uow, received: fact(uow, received, now.date(), now))
        if isinstance(published, list):
            self._count(published)
        return published

    def _count(self, published):
        counter = self.metrics[metrics.COMPLIANCE_STATUS_CHANGES]
        for doc in published:
            counter.labels(doc["payload"]["status"]).inc()

