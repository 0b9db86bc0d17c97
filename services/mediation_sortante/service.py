"""The mediation_sortante service: partners' outbound campaigns (phone, door to door...), over RPC and HTTP."""
import base64
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.mediation_sortante import domain, statement
from services.mediation_sortante.schemas import (
    AssignContactsRequest, CloseCampaignRequest, ImportContactsRequest, ListCampaignsRequest, ListContactsRequest,
    OpenCampaignRequest, PurgeRequest, RecordAttemptRequest, ResolveCaseRequest, ShareOutRequest, StatementRequest)
from shared.db import utcnow
from shared.dependencies import Database
from shared.errors import parse_request
from shared.http import STATUS, error_body, json_api, json_response, request_json
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class MediationSortanteService(PlatformService, ContractCopy):
    name = "mediation_sortante"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- RPC: campaigns (every change takes an `idempotency_key`: a repeat answers the first answer) ------------
    @rpc
    def open_campaign(self, request):
        return self.db.once("open_campaign", request, OpenCampaignRequest, lambda uow, req: domain.campaign_view(
            uow.session, domain.open_campaign(uow, req, utcnow(), self.contract(uow))))

    @rpc
    def import_contacts(self, request):
        report = self.db.once("import_contacts", request, ImportContactsRequest,
                              lambda uow, req: domain.import_contacts(uow, req, utcnow()))
        if self.db.replayed:
            return report
        labels = (report["partner"], report["file_format"])
        self.metrics.counter("pimms_outbound_contacts_imported_total", "Contacts imported from partners' files",
                             ["partner", "file_format"]).labels(*labels).inc(report["imported"])
        self.metrics.counter("pimms_outbound_contact_rows_rejected_total", "Rows of partners' files rejected",
                             ["partner", "file_format"]).labels(*labels).inc(report["rejected"])
        return report

    @rpc
    def assign_contacts(self, request):
        return self.db.once("assign_contacts", request, AssignContactsRequest,
                            lambda uow, req: domain.assign_contacts(uow.session, req))

    @rpc
    def share_out(self, request):
        return self.db.once("share_out", request, ShareOutRequest, lambda uow, req: domain.share_out(uow.session, req))

    @rpc
    def close_campaign(self, request):
        return self.db.once("close_campaign", request, CloseCampaignRequest, lambda uow, req: domain.campaign_view(
            uow.session, domain.close_campaign(uow, req, utcnow(), self.config["ASSOCIATION_ID"])))

    @rpc
    def statement(self, campaign_id, format="json"):
        """The partner statement: a dict, or the CSV text with `format="csv"`."""
        req = parse_request(StatementRequest, {"campaign_id": campaign_id, "format": format})
        with self.db.unit_of_work() as uow:
            doc = domain.partner_statement(uow.session, req["campaign_id"], self.config["ASSOCIATION_ID"])
        return statement.render_csv(doc) if req["format"] == "csv" else doc

    # -- RPC: cases ---------------------------------------------------------------------------------------
    @rpc
    def record_attempt(self, request):
        view = self.db.once("record_attempt", request, RecordAttemptRequest, lambda uow, req: self._case_view(
            uow, domain.record_attempt(uow, req, utcnow())))
        if not self.db.replayed:
            reached = str(view["attempts"][-1]["reached"]).lower()
            self.metrics.counter("pimms_outbound_attempts_total", "Attempts to reach a partner's customer",
                                 ["channel", "reached"]).labels(view["attempts"][-1]["channel"], reached).inc()
            if view["automatic"]:
                self._count_outcome(view["partner"], view["outcome"])
        return view

    @rpc
    def resolve_case(self, request):
        view = self.db.once("resolve_case", request, ResolveCaseRequest, lambda uow, req: self._case_view(
            uow, domain.resolve_case(uow, req, utcnow())))
        if not self.db.replayed:
            self._count_outcome(view["partner"], view["outcome"])
        return view

    # -- RPC: reading -------------------------------------------------------------------------------------
    @rpc
    def get_campaign(self, campaign_id):
        with self.db.unit_of_work() as uow:
            return domain.campaign_view(uow.session, domain.get_campaign(uow.session, campaign_id))

    @rpc
    def list_campaigns(self, request):
        req = parse_request(ListCampaignsRequest, request)
        with self.db.unit_of_work() as uow:
            return [domain.campaign_view(uow.session, c) for c in domain.list_campaigns(uow.session, req)]

    @rpc
    def list_contacts(self, request):
        req = parse_request(ListContactsRequest, request)
        with self.db.unit_of_work() as uow:
            return [domain.contact_view(c) for c in domain.list_contacts(uow.session, req)]

    @rpc
    def desk_figures(self, pimms_id):
        with self.db.unit_of_work() as uow:
            return domain.desk_figures(uow.session, pimms_id)

    # -- retention ----------------------------------------------------------------------------------------
    @rpc
    def purge_identities(self, now=None):
        """Blank the identities of campaigns closed CONTACT_RETENTION_DAYS ago or more; `now` (not in the
        future) lets an operator check what a given day would purge."""
        req = parse_request(PurgeRequest, {"now": now})
        with self.db.unit_of_work() as uow:
            purged = domain.purge_identities(uow.session, req, utcnow(),
                                             int(self.config.get("CONTACT_RETENTION_DAYS", 90)))
        if purged["contacts"]:
            domain.checkpoint(self.db.storage.engine)
        self.metrics.counter("pimms_outbound_identities_purged_total",
                      "Contacts whose identity was blanked after the retention delay").inc(purged["contacts"])
        return purged

    @timer(interval=24 * 3600, eager=True)  # eager: a service restarted daily would otherwise never purge
    def purge_daily(self):
        self.purge_identities()

    # -- events -------------------------------------------------------------------------------------------
    # -- HTTP JSON API: the same operations, the same errors ------------------------------------------------
    @http("POST", "/campaigns")
    @json_api
    def http_open_campaign(self, request):
        return self.open_campaign(request_json(request))

    @http("GET", "/campaigns")
    @json_api
    def http_list_campaigns(self, request):
        return self.list_campaigns(request.args.to_dict())

    @http("GET", "/campaigns/<string:campaign_id>")
    @json_api
    def http_get_campaign(self, request, campaign_id):
        return self.get_campaign(campaign_id)

    @http("POST", "/campaigns/<string:campaign_id>/contacts")
    @json_api
    def http_import_contacts(self, request, campaign_id):
        """The partner's file as the body (text/csv, or a multipart upload), `?encoding=&file_format=` in the
        query; or a JSON body as over RPC."""
        if request.mimetype == "application/json":
            body = request_json(request)
        else:
            upload = next(iter(request.files.values()), None)
            data = upload.read() if upload is not None else request.get_data()
            body = {**request.args.to_dict(), "content_base64": base64.b64encode(data).decode("ascii")}
        return self.import_contacts({**body, "campaign_id": campaign_id})

    @http("GET", "/campaigns/<string:campaign_id>/contacts")
    @json_api
    def http_list_contacts(self, request, campaign_id):
        return self.list_contacts({**request.args.to_dict(), "campaign_id": campaign_id})

    @http("POST", "/campaigns/<string:campaign_id>/assignments")
    @json_api
    def http_assign_contacts(self, request, campaign_id):
        return self.assign_contacts({**request_json(request), "campaign_id": campaign_id})

    @http("POST", "/campaigns/<string:campaign_id>/share-out")
    @json_api
    def http_share_out(self, request, campaign_id):
        return self.share_out({**request_json(request), "campaign_id": campaign_id})

    @http("POST", "/campaigns/<string:campaign_id>/close")
    @json_api
    def http_close_campaign(self, request, campaign_id):
        return self.close_campaign({**request_json(request), "campaign_id": campaign_id})

    @http("GET", "/campaigns/<string:campaign_id>/statement")
    def http_statement(self, request, campaign_id):
        format = request.args.get("format", "json")
        try:
            result = self.statement(campaign_id, format)
        except tuple(STATUS) as exc:
            return json_response(error_body(exc), STATUS[type(exc)])
        if format != "csv":
            return json_response(result)
        return Response(result, content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="statement-{campaign_id}.csv"'})

    @http("POST", "/contacts/<string:contact_id>/attempts")
    @json_api
    def http_record_attempt(self, request, contact_id):
        return self.record_attempt({**request_json(request), "contact_id": contact_id})

    @http("POST", "/contacts/<string:contact_id>/outcome")
    @json_api
    def http_resolve_case(self, request, contact_id):
        return self.resolve_case({**request_json(request), "contact_id": contact_id})

    # -- business counters ----------------------------------------------------------------------------------
    @staticmethod
    def _case_view(uow, contact):
        """A case as its agent reads it, with its campaign's partner (for the counters)."""
        return {**domain.contact_view(contact), "partner": domain.get_campaign(uow.session, contact.campaign_id).partner}

    def _count_outcome(self, partner, outcome):
        self.metrics.counter("pimms_outbound_outcomes_total", "Outcomes of outbound cases", ["partner", "outcome"]) \
            .labels(partner, outcome).inc()
