"""The mediation_sortante service: partners' outbound campaigns (phone, door to door...), over RPC. Its HTTP
port answers /health and /metrics only: partners' customers' names and phones are read through the gateway,
by the staff it lets in, never by whoever reaches the port."""
import logging
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.mediation_sortante import metrics, rules, statement, store
from shared.contracts.mediation_sortante import (
    AssignContactsRequest,
    CloseCampaignRequest,
    ImportContactsRequest,
    ListCampaignsRequest,
    ListContactsRequest,
    MarkStatementSentRequest,
    OpenCampaignRequest,
    PurgeRequest,
    RecordAttemptRequest,
    ResolveCaseRequest,
    ShareOutRequest,
    StatementRequest,
)
from shared.db import checkpoint, utcnow
from shared.dependencies import Database
from shared.errors import parse_request
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
log = logging.getLogger(__name__)


class MediationSortanteService(PlatformService, ContractCopy):
    name = "mediation_sortante"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- RPC: campaigns (every change takes an `idempotency_key`: a repeat answers the first answer) ------------
    @rpc
    def open_campaign(self, request):
        return self.db.once("open_campaign", request, OpenCampaignRequest, lambda uow, req: store.campaign_view(
            uow.session, store.open_campaign(uow, req, utcnow(), self.contract(uow))))

    @rpc
    def import_contacts(self, request):
        report = self.db.once("import_contacts", request, ImportContactsRequest,
                              lambda uow, req: store.import_contacts(uow, req, utcnow()))
        if self.db.replayed:
            return report
        labels = (report["partner"], report["file_format"])
        self.metrics[metrics.CONTACTS_IMPORTED].labels(*labels).inc(report["imported"])
        self.metrics[metrics.CONTACT_ROWS_REJECTED].labels(*labels).inc(report["rejected"])
        return report

    @rpc
    def assign_contacts(self, request):
        return self.db.once("assign_contacts", request, AssignContactsRequest,
                            lambda uow, req: store.assign_contacts(uow.session, req))

    @rpc
    def share_out(self, request):
        return self.db.once("share_out", request, ShareOutRequest, lambda uow, req: store.share_out(uow.session, req))

    @rpc
    def close_campaign(self, request):
        return self.db.once("close_campaign", request, CloseCampaignRequest, lambda uow, req: store.campaign_view(
            uow.session, store.close_campaign(uow, req, utcnow(), self.config["ASSOCIATION_ID"])))

    @rpc
    def mark_statement_sent(self, request):
        """`{"campaign_id": ..., "sent_at": None, "idempotency_key": ...}`: the closed campaign's statement went
        to the partner; its partner references are kept STATEMENT_REFERENCE_RETENTION_DAYS from then."""
        return self.db.once("mark_statement_sent", request, MarkStatementSentRequest,
                            lambda uow, req: store.campaign_view(
                                uow.session, store.mark_statement_sent(uow.session, req, utcnow())))

    @rpc
    def statement(self, campaign_id, format="json"):
        """The partner statement: a dict, or the CSV text with `format="csv"`."""
        req = parse_request(StatementRequest, {"campaign_id": campaign_id, "format": format})
        with self.db.unit_of_work() as uow:
            doc = store.partner_statement(uow.session, req["campaign_id"], self.config["ASSOCIATION_ID"])
        return statement.render_csv(doc) if req["format"] == "csv" else doc

    # -- RPC: cases ---------------------------------------------------------------------------------------
    @rpc
    def record_attempt(self, request):
        view = self.db.once("record_attempt", request, RecordAttemptRequest, lambda uow, req: self._case_view(
            uow, store.record_attempt(uow, req, utcnow())))
        if not self.db.replayed:
            reached = str(view["attempts"][-1]["reached"]).lower()
            self.metrics[metrics.ATTEMPTS].labels(view["attempts"][-1]["channel"], reached).inc()
            if view["automatic"]:
                self._count_outcome(view["partner"], view["outcome"])
        return view

    @rpc
    def resolve_case(self, request):
        view = self.db.once("resolve_case", request, ResolveCaseRequest, lambda uow, req: self._case_view(
            uow, store.resolve_case(uow, req, utcnow())))
        if not self.db.replayed:
            self._count_outcome(view["partner"], view["outcome"])
        return view

    # -- RPC: reading -------------------------------------------------------------------------------------
    @rpc
    def get_campaign(self, campaign_id):
        with self.db.unit_of_work() as uow:
            return store.campaign_view(uow.session, store.get_campaign(uow.session, campaign_id))

    @rpc
    def list_campaigns(self, request):
        req = parse_request(ListCampaignsRequest, request)
        with self.db.unit_of_work() as uow:
            return [store.campaign_view(uow.session, c) for c in store.list_campaigns(uow.session, req)]

    @rpc
    def list_contacts(self, request):
        req = parse_request(ListContactsRequest, request)
        with self.db.unit_of_work() as uow:
            return [store.contact_view(c) for c in store.list_contacts(uow.session, req)]

    @rpc
    def desk_figures(self, pimms_id):
        with self.db.unit_of_work() as uow:
            return store.desk_figures(uow.session, pimms_id)

    # -- retention ----------------------------------------------------------------------------------------
    @rpc
    def apply_retention(self, now=None):
        """The daily job: close the campaigns left open OPEN_CAMPAIGN_LIMIT_DAYS, blank the identities of those
        closed CONTACT_RETENTION_DAYS ago, remove the partner references of statements sent
        STATEMENT_REFERENCE_RETENTION_DAYS ago. `now` (not in the future) runs it as of a past moment."""
        req = parse_request(PurgeRequest, {"now": now})
        with self.db.unit_of_work() as uow:
            done = store.apply_retention(uow, req, utcnow(), rules.retention_limits(self.config),
                                         self.config["ASSOCIATION_ID"])
        self._account_for_retention(done)
        return done

    @rpc
    def purge_identities(self, now=None):
        """Blank the identities of campaigns closed CONTACT_RETENTION_DAYS ago or more, and nothing else (the
        daily job is apply_retention); `now` (not in the future) purges as of a past moment."""
        req = parse_request(PurgeRequest, {"now": now})
        with self.db.unit_of_work() as uow:
            purged = store.purge_identities(uow.session, req, utcnow(),
                                             rules.retention_limits(self.config).contact_days)
        if purged["contacts"]:
            checkpoint(self.db.storage.engine)
        self.metrics[metrics.IDENTITIES_PURGED].inc(purged["contacts"])
        return purged

    @timer(interval=24 * 3600, eager=True)  # eager: a service restarted daily would otherwise never purge
    def purge_daily(self):
        self.apply_retention()

    # -- business counters ----------------------------------------------------------------------------------
    @staticmethod
    def _case_view(uow, contact):
        """A case as its agent reads it, with its campaign's partner (for the counters)."""
        partner = store.get_campaign(uow.session, contact.campaign_id).partner
        return {**store.contact_view(contact), "partner": partner}

    def _count_outcome(self, partner, outcome):
        self.metrics[metrics.OUTCOMES].labels(partner, outcome).inc()

    def _account_for_retention(self, done):
        """Every run leaves one line and its counts, even when it found nothing to do: a silent job and a job
        that never ran look alike otherwise."""
        if done["identities_contacts"] or done["statements_references_purged"]:
            checkpoint(self.db.storage.engine)
        self.metrics[metrics.CAMPAIGNS_EXPIRED].inc(done["campaigns_expired"])
        self.metrics[metrics.CASES_EXPIRED].inc(done["cases_expired"])
        self.metrics[metrics.IDENTITIES_PURGED].inc(done["identities_contacts"])
        self.metrics[metrics.STATEMENT_REFERENCES_PURGED].inc(done["statements_references_purged"])
        log.info("retention as of %s: %d campaign(s) left open closed (%d case(s) expired), identities of %d "
                 "contact(s) in %d campaign(s) blanked, partner references removed from %d statement(s)",
                 done["as_of"], done["campaigns_expired"], done["cases_expired"], done["identities_contacts"],
                 done["identities_campaigns"], done["statements_references_purged"])
