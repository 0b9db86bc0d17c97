"""The formation service: agents médiateurs from hiring to exit, their working and training time, their
qualification path, and the training share against the franchise contract's floor; over RPC (its HTTP port
answers /health and /metrics only: people come through the gateway). A daily timer erases the names of
agents who left more than AGENT_RETENTION_MONTHS ago."""
import logging
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.formation import metrics, rules, share, store
from shared import localtime
from shared.contracts.common import PurgeRequest
from shared.contracts.formation import (
    AddMilestoneRequest,
    AgentsUnderFloorRequest,
    HireAgentRequest,
    ListAgentsRequest,
    LogTrainingRequest,
    LogWorkTimeRequest,
    RecordExitRequest,
    TrainingShareRequest,
)
from shared.db import checkpoint, utcnow
from shared.dependencies import Database
from shared.errors import parse_request
from shared.metrics import Metrics
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
TRAINING_FLOOR_PCT_DEFAULT = 9.0  # the network's floor when no contract says otherwise
log = logging.getLogger(__name__)


class FormationService(PlatformService, ContractCopy):
    name = "formation"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()

    # -- RPC ------------------------------------------------------------------------------------------------
    # Every change takes an `idempotency_key`: a repeat answers the first answer and records nothing more.
    @rpc
    def hire_agent(self, request):
        view = self.db.once("hire_agent", request, HireAgentRequest, lambda uow, req: store.agent_view(
            store.hire_agent(uow, req, utcnow(), self.contract(uow))))
        if not self.db.replayed:
            self.metrics[metrics.AGENTS_HIRED].labels(view["contract_type"]).inc()
        return view

    @rpc
    def log_work_time(self, request):
        return self.db.once("log_work_time", request, LogWorkTimeRequest,
                            lambda uow, req: store.log_work_time(uow, req, utcnow()))

    @rpc
    def log_training(self, request):
        training = self.db.once("log_training", request, LogTrainingRequest,
                                lambda uow, req: store.log_training(uow, req, utcnow()))
        if not self.db.replayed:
            self.metrics[metrics.TRAINING_HOURS].labels(training["kind"]).inc(training["hours"])
        return training

    @rpc
    def add_milestone(self, request):
        return self.db.once("add_milestone", request, AddMilestoneRequest, lambda uow, req: store.agent_detail(
            uow.session, store.add_milestone(uow.session, req, utcnow())))

    @rpc
    def record_exit(self, request):
        view = self.db.once("record_exit", request, RecordExitRequest, lambda uow, req: store.agent_view(
            store.record_exit(uow, req, utcnow())))
        if not self.db.replayed:
            self.metrics[metrics.AGENTS_EXITED].labels(view["exit"]["outcome"],
                                                       str(view["exit"]["positive"]).lower()).inc()
        return view

    @rpc
    def get_agent(self, agent_id):
        with self.db.unit_of_work() as uow:
            return store.agent_detail(uow.session, store.get_agent(uow.session, agent_id))

    @rpc
    def list_agents(self, request):
        req = parse_request(ListAgentsRequest, request)
        with self.db.unit_of_work() as uow:
            return [store.agent_view(agent) for agent in store.list_agents(uow.session, req)]

    @rpc
    def training_share(self, request):
        """`{scope: agent|desk, id, from, to}`; from and to are dates or ISO weeks."""
        req = parse_request(TrainingShareRequest, request)
        with self.db.unit_of_work() as uow:
            floor = self._floor(uow)
            times = store.times_in_scope(uow.session, req["scope"], req["id"], req["start"], req["end"])
            return share.training_share(req, times, floor)

    @rpc
    def agents_under_floor(self, request):
        """`{pimms_id, from, to}`; from and to are dates or ISO weeks."""
        req = parse_request(AgentsUnderFloorRequest, request)
        with self.db.unit_of_work() as uow:
            floor = self._floor(uow)
            times = store.times_at_desk(uow.session, req["pimms_id"], req["start"], req["end"])
            employed = store.employed_between(uow.session, req["pimms_id"], req["start"], req["end"])
            return share.agents_under_floor(req, times, employed, floor)

    # -- retention ----------------------------------------------------------------------------------------
    @rpc
    def purge_identities(self, now=None):
        """Erase the names of agents who left more than AGENT_RETENTION_MONTHS ago; `now` (not in the future)
        lets an operator run a given day's retention. `purge_identities()` -> `{"day": "2031-01-05",
        "retention_months": 60, "erased": 2}`."""
        req = parse_request(PurgeRequest, {"now": now})
        months = rules.retention_months(self.config.get("AGENT_RETENTION_MONTHS", rules.AGENT_RETENTION_MONTHS))
        day = rules.erasure_day(req["now"], utcnow(), localtime.zone_of(self.config))
        with self.db.unit_of_work() as uow:
            # recorded at the real moment, even when an operator runs a past day
            erased = store.purge_identities(uow.session, day, months, utcnow())
        if erased:
            checkpoint(self.db.storage.engine)
        self.metrics[metrics.AGENT_RETENTION_RUNS].inc()
        self.metrics[metrics.AGENT_IDENTITIES_ERASED].inc(erased)
        log.info("agents' retention as of %s: %d names erased (exit more than %d months before)",
                 day.isoformat(), erased, months)
        return {"day": day.isoformat(), "retention_months": months, "erased": erased}

    @timer(interval=24 * 3600, eager=True)  # eager: a service restarted daily would otherwise never purge
    def purge_daily(self):
        self.purge_identities()

    def _floor(self, uow):
        default = self.config.get("TRAINING_FLOOR_PCT_DEFAULT", TRAINING_FLOOR_PCT_DEFAULT)
        return store.training_floor(uow.session, self.config["ASSOCIATION_ID"], default)
