"""The accueil service: visits at the desk (médiation postée) and collective workshops, over RPC.

Its HTTP port answers `/health` and `/metrics` only: people reach it through the gateway, which checks who
they are; nothing here serves a visit or an identity to whoever can open a socket."""
import logging
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.accueil import case_store, lifecycle, metrics, rules, store
from services.accueil.budget_entrypoints import BudgetDesk
from services.accueil.case_entrypoints import FollowUps
from services.accueil.case_views import case_view
from services.accueil.views import visit_view
from services.accueil.waiting_entrypoints import WaitingRoom
from services.accueil.workshop_entrypoints import WorkshopSessions
from shared import localtime
from shared.contracts.accueil import (
    AddActRequest,
    CloseVisitRequest,
    EraseCitizenRequest,
    FindCitizensRequest,
    GetCitizenRequest,
    ListVisitsRequest,
    OpenVisitRequest,
    RecordConsentRequest,
    RecordVisitRequest,
    RecordWorkshopRequest,
)
from shared.contracts.common import PurgeRequest
from shared.db import checkpoint, utcnow
from shared.dependencies import Database, RequiredSecrets
from shared.errors import parse_request
from shared.metrics import Metrics
from shared.principal import Caller
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
log = logging.getLogger(__name__)


class AccueilService(PlatformService, ContractCopy, FollowUps, BudgetDesk, WaitingRoom, WorkshopSessions):
    name = "accueil"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()
    secrets = RequiredSecrets(VISITOR_REF_KEY="VISITOR_REF_KEY")
    caller = Caller()

    # -- RPC ------------------------------------------------------------------------------------------------
    # Every call that changes state takes an `idempotency_key`: a repeat answers the first answer. A call that
    # acts for a person carries their signed identity (self.caller, shared/principal.py), and then acts on
    # their desks only; naming a citizen or reading one needs it.
    @rpc
    def open_visit(self, request):
        """Open a visit with its participants and first acts, in one transaction."""
        return self.db.once("open_visit", request, OpenVisitRequest, lambda uow, req: visit_view(
            store.open_visit(uow.session, req, self.config["VISITOR_REF_KEY"], utcnow(), self.contract(uow),
                              self._reader())))

    @rpc
    def add_act(self, request):
        return self.db.once("add_act", request, AddActRequest, lambda uow, req: visit_view(
            store.add_act(uow.session, req, utcnow(), self._reader())))

    @rpc
    def close_visit(self, request):
        """Close a visit (with the acts given, added first): publishes accueil.visit_closed, once; with
        `follow_up`, opens a follow-up from it or moves or closes the one it took further."""
        view = self.db.once("close_visit", request, CloseVisitRequest, lambda uow, req: self._closed(
            uow, store.close_visit(uow, req, utcnow(), self._reader()), req))
        if not self.db.replayed:
            self._count_visit(view)
        return view

    @rpc
    def record_visit(self, request):
        """Record a visit that is over (opened, its acts, closed) in one transaction, as a desk form does."""
        view = self.db.once("record_visit", request, RecordVisitRequest, lambda uow, req: self._closed(
            uow, store.record_visit(uow, req, self.config["VISITOR_REF_KEY"], utcnow(), self.contract(uow),
                                    self._reader()), req))
        if not self.db.replayed:
            self._count_visit(view)
        return view

    @rpc
    def record_workshop(self, request):
        """A workshop held, recorded after the fact as a head count: its attendees are anonymous people."""
        workshop = self.db.once("record_workshop", request, RecordWorkshopRequest, lambda uow, req:
                                store.record_workshop(uow, req, self.config["VISITOR_REF_KEY"], utcnow(),
                                                      self.contract(uow), self._zone(), self._reader()))
        if self.db.replayed:
            return workshop
        self.metrics[metrics.WORKSHOPS_HELD].labels(workshop["theme"]).inc()
        self.metrics[metrics.WORKSHOP_ATTENDEES].inc(workshop["attendees"])
        return workshop

    @rpc
    def get_visit(self, visit_id):
        with self.db.unit_of_work() as uow:
            return visit_view(store.get_visit(uow.session, visit_id, self._reader()))

    @rpc
    def list_visits(self, request):
        req = parse_request(ListVisitsRequest, request)
        rules.in_scope(self._reader(), req["pimms_id"])
        with self.db.unit_of_work() as uow:
            return [visit_view(v) for v in store.list_visits(uow.session, req, self._zone())]

    @rpc
    def get_citizen(self, citizen_id):
        """A citizen's identity, for the staff member the call acts for, if their desks received that person;
        every read is audited in this database, and identities never leave it otherwise."""
        req = parse_request(GetCitizenRequest, {"citizen_id": citizen_id})
        reader = self.caller.staff()
        with self.db.unit_of_work() as uow:
            citizen = store.get_citizen(uow.session, req["citizen_id"], reader, utcnow())
        self.metrics[metrics.CITIZEN_IDENTITY_READS].labels(reader["role"]).inc()
        return citizen

    @rpc
    def find_citizens(self, request):
        """People of a name who consented to be followed (follow_up), for staff of any desk of the
        association; the search is audited, and lets the searcher name one of them for the next hour."""
        req = parse_request(FindCitizensRequest, request)
        reader = self.caller.staff()
        with self.db.unit_of_work() as uow:
            found = store.find_citizens(uow.session, req, reader, utcnow())
        self.metrics[metrics.CITIZEN_SEARCHES].labels(reader["role"]).inc()
        return found

    # -- the citizen's data lifecycle (lifecycle.py) ---------------------------------------------------------
    @rpc
    def export_citizen(self, citizen_id):
        """All that accueil holds about a person, for staff whose desks received them (right of access);
        audited as an export."""
        req = parse_request(GetCitizenRequest, {"citizen_id": citizen_id})
        reader = self.caller.staff()
        with self.db.unit_of_work() as uow:
            export = lifecycle.export_citizen(uow.session, req["citizen_id"], reader, utcnow(),
                                              self._months("CITIZEN_RETENTION_MONTHS"))
        self.metrics[metrics.CITIZEN_EXPORTS].labels(reader["role"]).inc()
        return export

    @rpc
    def record_consent(self, request):
        """A consent given or withdrawn; withdrawn for every purpose, the record is erased."""
        reader = self.caller.staff()
        answer = self.db.once("record_consent", request, RecordConsentRequest, lambda uow, req:
                              lifecycle.record_consent(uow.session, req, reader, utcnow()))
        if not self.db.replayed:
            self.metrics[metrics.CONSENTS_RECORDED].labels(request.get("action", "")).inc()
            if answer["erased"]:
                self._erased("withdrawal", 1)
        return answer

    @rpc
    def erase_citizen(self, request):
        """A person's record erased at their request, by a manager: afterwards it reads as not found."""
        reader = self.caller.staff()
        answer = self.db.once("erase_citizen", request, EraseCitizenRequest, lambda uow, req:
                              lifecycle.erase_citizen(uow.session, req["citizen_id"], reader, utcnow()))
        if not self.db.replayed:
            self._erased("request", 1)
        return answer

    @rpc
    def purge_expired(self, now=None):
        """Erase the records past CITIZEN_RETENTION_MONTHS without a visit, delete the audit entries past
        AUDIT_RETENTION_MONTHS; `now` (not in the future) lets an operator run a given day's retention."""
        req = parse_request(PurgeRequest, {"now": now})
        at = rules.not_after_now(req["now"], utcnow(), "now")
        citizen_months, audit_months = self._months("CITIZEN_RETENTION_MONTHS"), self._months("AUDIT_RETENTION_MONTHS")
        with self.db.unit_of_work() as uow:
            purged = lifecycle.purge_expired(uow.session, at, citizen_months, audit_months)
        self._erased("retention", purged["identities"])
        self.metrics[metrics.AUDIT_ENTRIES_PURGED].inc(purged["reads"] + purged["searches"])
        self.metrics[metrics.RETENTION_RUNS].inc()
        log.info("retention at %s: %d identities erased (no visit for %d months), %d notes of closed follow-ups "
                 "and answered referrals emptied, %d reads and %d searches of the audit trail deleted (older than "
                 "%d months)", at.isoformat(), purged["identities"], citizen_months, purged["notes"], purged["reads"],
                 purged["searches"], audit_months)
        return purged

    @timer(interval=24 * 3600, eager=True)  # eager: a service restarted daily would otherwise never purge
    def purge_daily(self):
        self.purge_expired()

    @rpc
    def desk_figures(self, pimms_id):
        with self.db.unit_of_work() as uow:
            return store.desk_figures(uow.session, pimms_id)

    def _closed(self, uow, visit, req):
        """A closed visit's view, with the follow-up its close opened, moved or closed."""
        case = case_store.with_follow_up(uow, visit, req["follow_up"], utcnow(), self._zone(), self._reader())
        return {**visit_view(visit), "follow_up": None if case is None else case_view(case)}

    def _reader(self):
        """The staff member the call acts for (verified), or None for a call that acts for nobody."""
        return self.caller.staff() if self.caller.principal is not None else None

    def _zone(self):
        return localtime.zone_of(self.config)

    def _months(self, name):
        defaults = {"CITIZEN_RETENTION_MONTHS": rules.CITIZEN_RETENTION_MONTHS,
                    "AUDIT_RETENTION_MONTHS": rules.AUDIT_RETENTION_MONTHS}
        return int(self.config.get(name, defaults[name]))

    def _erased(self, reason, count):
        self.metrics[metrics.CITIZENS_ERASED].labels(reason).inc(count)
        if count:
            checkpoint(self.db.storage.engine)

    # -- business counters ----------------------------------------------------------------------------------
    def _count_visit(self, view):
        self.metrics[metrics.VISITS_CLOSED].labels(view["motif"]["kind"]).inc()
        acts = self.metrics[metrics.MEDIATION_ACTS]
        for act in view["acts"]:
            acts.labels(act["kind"]).inc()
