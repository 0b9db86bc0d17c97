"""Entrypoints every service shares, as base classes of the nameko service classes.

`PlatformService` installs the speed patches, gives readiness over RPC, health and metrics over HTTP (with
the gauges read at scrape time, `read_gauges`), looks at its dead-letter queue's oldest letter every 5
minutes for the operators, and forgets the idempotency keys once they are a day old; `ContractCopy` gives a
service that records activity its local copy of the franchise contract. A service class declares the
dependencies they use (`config = Config()`, `db = Database(...)`, `metrics = Metrics()`)."""
import logging

from nameko.timer import timer
from nameko.web.handlers import http

from shared import contract_terms, deadletters, health, idempotency
from shared.consumer import handle_event
from shared.db import utcnow
from shared.metrics import gauge
from shared.outages import is_outage
from shared.rpc import rpc
from shared.speedups import Speedups

log = logging.getLogger(__name__)
DEAD_LETTERS_CHECK_S = 300  # the alert waits for a day-old letter: a look every 5 minutes is plenty
# read from the database at scrape time: behind head office's revision (pimms_contract_revision) means the
# service enforces terms that changed (alert PimmsContractCopyBehind); 0 before the first contract arrived
CONTRACT_COPY_REVISION = gauge("pimms_contract_copy_revision", "Revision of the franchise contract this "
                               "service enforces (0: none received)", ["association_id"])


class PlatformService:
    speedups = Speedups()  # the speed patches, installed at start (shared/speedups.py)

    @timer(interval=3600, eager=True)  # eager: a service restarted often would otherwise never forget
    def forget_idempotency_keys(self):
        """Forget the idempotency keys older than IDEMPOTENCY_KEEP_HOURS (24): longer than any retry."""
        keep = float(self.config.get("IDEMPOTENCY_KEEP_HOURS", idempotency.KEEP_HOURS))
        forgotten = idempotency.forget(self.db.storage, utcnow(), keep)
        self.metrics.idempotency_keys_forgotten.inc(forgotten)
        return forgotten

    @timer(interval=DEAD_LETTERS_CHECK_S, eager=True)
    def look_at_dead_letters(self):
        """Set pimms_dead_letters_oldest_timestamp_seconds from the head of the service's dead-letter queue;
        when the broker is away the gauge keeps what was last seen."""
        try:
            oldest = deadletters.oldest_dead_lettered_at(self.config["AMQP_URI"], self.name)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("dead letters of %s not looked at: %s", self.name, exc)  # the broker has its own alerts
            return None
        self.metrics.dead_letters_oldest.set(oldest or 0)
        return oldest

    @rpc
    def ping(self):
        """Readiness: answers once the service consumes RPC and its database is migrated."""
        return "pong"

    @http("GET", "/health")
    def http_health(self, request):
        return health.response(self.db.storage.engine, self.config["AMQP_URI"])

    @http("GET", "/metrics")
    def http_metrics(self, request):
        self.read_gauges()
        return self.metrics.expose(request.headers.get("Accept"))

    def read_gauges(self):
        """Set the gauges read from the database at scrape time. A mixin with gauges of its own defines this
        too and calls super(): the services' classes put PlatformService first, so it passes the call on."""
        more = getattr(super(), "read_gauges", None)
        if more is not None:
            more()


class ContractCopy:
    @handle_event("franchise.contract_changed")
    def on_contract_changed(self, event):
        return self.db.apply_once(event, contract_terms.apply_contract_changed)

    def read_gauges(self):
        association_id = self.config["ASSOCIATION_ID"]
        with self.db.unit_of_work() as uow:
            revision = contract_terms.revision(uow.session, association_id)
        self.metrics[CONTRACT_COPY_REVISION].labels(association_id).set(revision or 0)
        more = getattr(super(), "read_gauges", None)
        if more is not None:
            more()

    @rpc
    def contract_revision(self):
        """The revision of the franchise contract this service enforces (None before the first)."""
        with self.db.unit_of_work() as uow:
            return contract_terms.revision(uow.session, self.config["ASSOCIATION_ID"])

    def contract(self, uow):
        """The contract check for an activity recorded in this unit of work (config CONTRACT_ENFORCEMENT)."""
        return contract_terms.Enforcer(uow.session, self.config["ASSOCIATION_ID"],
                                       enabled=self.config.get("CONTRACT_ENFORCEMENT", True))
