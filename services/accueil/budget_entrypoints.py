"""Accueil's Point Conseil Budget over RPC: the entrypoints of AccueilService for households' budget dossiers
and their over-indebtedness files (budget_store.py does the work). A mixin of the service, so that
service.py stays the visits and the citizen's record."""
from services.accueil import budget_store
from services.accueil.budget_views import dossier_view
from shared.contracts.accueil_budget import (
    CloseDossierRequest,
    DiagnosisRequest,
    GetDossierRequest,
    InterventionRequest,
    ListDossiersRequest,
    OpenDossierRequest,
    OrientationRequest,
    PlanStepRequest,
    StageRequest,
)
from shared.db import utcnow
from shared.errors import parse_request
from shared.rpc import rpc


class BudgetDesk:
    """Needs the service's db, caller, contract and _zone."""

    @rpc
    def open_dossier(self, request):
        """A household's budget dossier, from a visit naming the person with consent, under the PCB mandate."""
        reader = self.caller.staff()
        return self.db.once("open_dossier", request, OpenDossierRequest, lambda uow, req: self._dossier_view(
            uow, budget_store.open_dossier(uow, req, utcnow(), self._zone(), self.contract(uow), reader)))

    @rpc
    def record_diagnosis(self, request):
        return self._dossier_change("record_diagnosis", request, DiagnosisRequest, lambda uow, req, reader:
                                    budget_store.record_diagnosis(uow.session, req, utcnow(), reader))

    @rpc
    def plan_step(self, request):
        return self._dossier_change("plan_step", request, PlanStepRequest, lambda uow, req, reader:
                                    budget_store.plan_step(uow.session, req, utcnow(), self._zone(), reader))

    @rpc
    def record_intervention(self, request):
        return self._dossier_change("record_intervention", request, InterventionRequest, lambda uow, req, reader:
                                    budget_store.record_intervention(uow.session, req, utcnow(), self._zone(), reader))

    @rpc
    def add_orientation(self, request):
        return self._dossier_change("add_orientation", request, OrientationRequest, lambda uow, req, reader:
                                    budget_store.add_orientation(uow.session, req, utcnow(), self._zone(), reader))

    @rpc
    def close_dossier(self, request):
        """The dossier's outcome: publishes accueil.budget_dossier_closed, once."""
        return self._dossier_change("close_dossier", request, CloseDossierRequest, lambda uow, req, reader:
                                    budget_store.close_dossier(uow, req, utcnow(), self._zone(), reader))

    @rpc
    def overindebtedness_stage(self, request):
        """The over-indebtedness file's next stage: publishes accueil.overindebtedness_stage, once."""
        return self._dossier_change("overindebtedness_stage", request, StageRequest, lambda uow, req, reader:
                                    budget_store.overindebtedness_stage(uow, req, utcnow(), self._zone(),
                                                                        reader)[0])

    @rpc
    def get_dossier(self, dossier_id):
        req = parse_request(GetDossierRequest, {"dossier_id": dossier_id})
        with self.db.unit_of_work() as uow:
            return self._dossier_view(uow, budget_store.get_dossier(uow.session, req["dossier_id"],
                                                                    self.caller.staff()))

    @rpc
    def list_dossiers(self, request):
        req = parse_request(ListDossiersRequest, request)
        with self.db.unit_of_work() as uow:
            return [self._dossier_view(uow, d) for d in budget_store.list_dossiers(uow.session, req,
                                                                                    self.caller.staff())]

    def _dossier_change(self, operation, request, schema, change):
        reader = self.caller.staff()
        return self.db.once(operation, request, schema, lambda uow, req: self._dossier_view(
            uow, change(uow, req, reader)))

    @staticmethod
    def _dossier_view(uow, dossier):
        return dossier_view(dossier, budget_store.file_of(uow.session, dossier.id))
