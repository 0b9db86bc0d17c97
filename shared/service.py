"""Entrypoints every service shares, as base classes of the nameko service classes.

`PlatformService` installs the speed patches, gives readiness over RPC, health and metrics over HTTP, and
forgets the idempotency keys once they are a day old; `ContractCopy` gives a service that records activity its local copy of the
franchise contract. A service class declares the dependencies
they use (`config = Config()`, `db = Database(...)`, `metrics = Metrics()`)."""
from nameko.timer import timer
from nameko.web.handlers import http

from shared import contract_terms, health, idempotency
from shared.consumer import handle_event
from shared.db import utcnow
from shared.rpc import rpc
from shared.speedups import Speedups


class PlatformService:
    speedups = Speedups()  # the speed patches, installed at start (shared/speedups.py)

    @timer(interval=3600, eager=True)  # eager: a service restarted often would otherwise never forget
    def forget_idempotency_keys(self):
        """Forget the idempotency keys older than IDEMPOTENCY_KEEP_HOURS (24): longer than any retry."""
        keep = float(self.config.get("IDEMPOTENCY_KEEP_HOURS", idempotency.KEEP_HOURS))
        forgotten = idempotency.forget(self.db.storage, utcnow(), keep)
        self.metrics.idempotency_keys_forgotten.inc(forgotten)
        return forgotten

    @rpc
    def ping(self):
        """Readiness: answers once the service consumes RPC and its database is migrated."""
        return "pong"

    @http("GET", "/health")
    def http_health(self, request):
        return health.response(self.db.storage.engine, self.config["AMQP_URI"])

    @http("GET", "/metrics")
    def http_metrics(self, request):
        return self.metrics.expose(request.headers.get("Accept"))


class ContractCopy:
    @handle_event("franchise.contract_changed")
    def on_contract_changed(self, event):
        return self.db.apply_once(event, contract_terms.apply_contract_changed)

    @rpc
    def contract_revision(self):
        """The revision of the franchise contract this service enforces (None before the first)."""
        with self.db.unit_of_work() as uow:
            return contract_terms.revision(uow.session, self.config["ASSOCIATION_ID"])

    def contract(self, uow):
        """The contract check for an activity recorded in this unit of work (config CONTRACT_ENFORCEMENT)."""
        return contract_terms.Enforcer(uow.session, self.config["ASSOCIATION_ID"],
                                       enabled=self.config.get("CONTRACT_ENFORCEMENT", True))
