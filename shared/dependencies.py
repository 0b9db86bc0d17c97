"""The database as a nameko dependency: migrates at start, runs the outbox relay beside the service, and
gives each worker a handle to open units of work and apply events once."""
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from marshmallow import Schema
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from shared import idempotency, localtime
from shared.config import require_secret
from shared.db import Storage, UnitOfWork, utcnow
from shared.envelope import Event
from shared.metrics import metrics_for
from shared.outbox import Relay

log = logging.getLogger(__name__)
T = TypeVar("T")
LINGER = 0.1  # seconds the outbox relay waits after a commit woke it, for the next commits to join its batch


class Database(DependencyProvider):
    """Config: DB_URL, ASSOCIATION_ID, TIME_ZONE, OUTBOX (relay: true|false, batch_size, poll_interval)."""

    def __init__(self, migrations):
        self.migrations = migrations

    def setup(self):
        config = self.container.config
        localtime.zone_of(config)  # a TIME_ZONE that is no zone stops the service at start, not at its first day
        outbox_cfg = config.get("OUTBOX") or {}
        self.relay = None
        self.storage = Storage(config["DB_URL"], self.migrations, config["ASSOCIATION_ID"], on_commit=self._wake)
        if outbox_cfg.get("relay", True):
            self.relay = Relay(
                self.storage.engine, config["AMQP_URI"],
                batch_size=int(outbox_cfg.get("batch_size", 500)),
                poll_interval=float(outbox_cfg.get("poll_interval", 1.0)),
                linger=float(outbox_cfg.get("linger", LINGER)),
                metrics=metrics_for(self.container),
            )
            metrics_for(self.container).watch_outbox(self.relay)

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        self._shutdown()

    def kill(self):
        self._shutdown()

    def _shutdown(self):
        if self.relay is not None:
            self.relay.stop()
        self.storage.dispose()

    def _wake(self):
        if self.relay is not None:
            self.relay.wake()

    def get_dependency(self, worker_ctx):
        return WorkerDatabase(self.storage, worker_ctx)


class WorkerDatabase:
    def __init__(self, storage, worker_ctx):
        self.storage = storage
        self.worker_ctx = worker_ctx
        self.replayed = False  # whether the last `once` answered from the record (count nothing twice)

    def unit_of_work(self) -> UnitOfWork:
        return self.storage.unit_of_work()

    def once(self, operation: str, request: Any, schema: type[Schema], work: Callable[[UnitOfWork, dict], T]) -> T:
        """Load `request` with `schema` and run `work(uow, loaded)` in one unit of work, once per idempotency
        key (shared/idempotency.py): a repeat with the same key answers what the first run answered."""
        replays = self._replays()
        answer, self.replayed = idempotency.once(self.storage, operation, request, schema, work, utcnow)
        if self.replayed and replays is not None:
            replays.labels(operation).inc()
        return answer

    def apply_once(self, event: Event, apply: Callable[[UnitOfWork, Event], T]) -> T | object:
        """Apply an event at most once for this consumer (named after its queue)."""
        return self.storage.apply_once(self._consumer(), event, apply)

    def apply_batch(self, events: Sequence[Event], apply: Callable[[UnitOfWork, list[Event]], Any],
                    journal: Callable[[Session, list[str]], Iterable[str]] | None = None) -> tuple[int, int]:
        """Apply the events this consumer has not applied yet, in one transaction: (applied, duplicates).
        `journal`: see Storage.apply_batch."""
        return self.storage.apply_batch(self._consumer(), events, apply, journal)

    def _replays(self):
        container = getattr(self.worker_ctx, "container", None)  # unit tests hand in no worker, or a fake one
        return None if container is None else metrics_for(container).idempotent_replays

    def _consumer(self):
        entrypoint = self.worker_ctx.entrypoint
        return getattr(getattr(entrypoint, "queue", None), "name", None) or entrypoint.method_name


class RequiredSecrets(DependencyProvider):
    """`secrets = RequiredSecrets(VISITOR_REF_KEY="VISITOR_REF_KEY")`: the service refuses to start, saying
    what to set, while one of these config values (name = environment variable) is missing, short or public."""

    def __init__(self, **names):
        self.names = names

    def setup(self):
        for name, env in self.names.items():
            require_secret(self.container.config, name, env)
