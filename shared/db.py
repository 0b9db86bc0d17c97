"""The database: engine (SQLite by default, PostgreSQL by URL), migrations at start, and the unit of work that
commits a state change together with the events it causes and the event ids it applied."""
import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from shared import envelope
from shared.envelope import Event
from shared.tables import outbox, processed_events
from shared.types import as_utc  # noqa: F401 (the services read it here)

log = logging.getLogger(__name__)

PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite has one writer anyway, and a second connection waiting in
        # sqlite's busy handler would block the whole eventlet hub while the first cannot finish.
        engine = create_engine(
            url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=120,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: durable across a process crash
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # pg8000 is pure Python, so eventlet's green sockets keep the service responsive during queries
        url = "postgresql+pg8000://" + url.split("://", 1)[1]
    return create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True, pool_recycle=1800)


def secure_delete(session: Session) -> None:
    """Before personal data is erased on SQLite: this connection zeroes what it overwrites or deletes, so
    the values do not linger in the file's free pages (the setting stays on for the pooled connection)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def checkpoint(engine: Engine) -> None:
    """After personal data was erased on SQLite: fold the write-ahead log, which still holds the old pages,
    into the file and empty it (the erasing connection set `PRAGMA secure_delete`, so the file keeps no
    copy). Best effort: a reader holding the log open only delays it to the next checkpoint."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def migrate(engine: Engine, service_versions: Path, revision: str = "heads", downgrade: bool = False) -> None:
    """Bring the database to the newest schema: platform tables plus the service's (alembic heads); or to
    one `revision`, up or down (tests of a migration over the data of the one before).

    On SQLite, foreign keys are not enforced while migrations run, then checked before the commit: batch
    mode alters a table by copying it and dropping the original, and with enforcement on, that drop fails as
    soon as a row of another table points at it (a populated database). The setting can only change between
    transactions, hence on the connection before the migrations' transaction begins."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PLATFORM_MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join([str(PLATFORM_MIGRATIONS / "versions"), str(service_versions)])
    )
    if revision == "heads" and not downgrade and _at(engine, _heads(cfg, service_versions)):
        return  # nothing to run: alembic would load every migration script to find that out
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # replicas starting together must not run the same migration twice
                    conn.execute(text("SELECT pg_advisory_xact_lock(72002600)"))
                cfg.attributes["connection"] = conn
                (command.downgrade if downgrade else command.upgrade)(cfg, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migrations would leave rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


_HEADS: dict[str, frozenset] = {}  # migrations folder -> its heads (the scripts do not change in a process)


def _heads(cfg: Config, service_versions: Path) -> frozenset:
    key = str(Path(service_versions).resolve())
    if key not in _HEADS:
        _HEADS[key] = frozenset(ScriptDirectory.from_config(cfg).get_heads())
    return _HEADS[key]


def _at(engine: Engine, heads: frozenset) -> bool:
    """Whether the database's alembic versions are exactly `heads` (False without a version table)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return frozenset(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) == heads


class UnitOfWork:
    """One transaction: the service's changes, the events they cause (outbox) and the events applied.

    Used as `with db.unit_of_work() as uow:`; it commits when the block ends without error, else rolls back.
    Commit happens inside the entrypoint, before nameko acks the message that caused it."""

    def __init__(self, sessionmaker: Callable[[], Session], association_id: str,
                 on_commit: Callable[[], None] | None = None):
        self._sessionmaker = sessionmaker
        self.association_id = association_id
        self._on_commit = on_commit
        self.session: Session | None = None
        self.events: list[dict[str, Any]] = []  # the envelopes published in this transaction

    def __enter__(self) -> "UnitOfWork":
        self.session = self._sessionmaker()
        self.events = []
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
        if exc_type is None and self.events and self._on_commit:
            self._on_commit()
        return False

    def publish(self, event_type: str, payload: dict[str, Any], *, pimms_id: str | None,
                association_id: str | None = None, version: int = 1,
                occurred_at: dt.datetime | None = None) -> dict[str, Any]:
        """Validate the event against its schema and add it to the outbox in this transaction."""
        doc = envelope.build(
            event_type, payload, version=version, occurred_at=occurred_at,
            association_id=association_id or self.association_id, pimms_id=pimms_id,
        )
        self.session.execute(insert(outbox).values(
            event_id=doc["event_id"], event_type=event_type, body=json.dumps(doc), created_at=utcnow(),
        ))
        self.events.append(doc)
        return doc

    def already_applied(self, consumer: str, event_id: str) -> bool:
        row = self.session.execute(
            select(processed_events.c.event_id).where(
                processed_events.c.consumer == consumer, processed_events.c.event_id == event_id)
        ).first()
        return row is not None

    def mark_applied(self, consumer: str, event_id: str) -> None:
        # the primary key makes a concurrent second application fail at commit, so it is retried and skipped
        self.session.execute(insert(processed_events).values(
            consumer=consumer, event_id=event_id, applied_at=utcnow()))


ALREADY_APPLIED = object()


class Storage:
    """What a service holds of its database: engine, sessions, and the outbox wake-up."""

    def __init__(self, url: str, service_versions: Path, association_id: str,
                 on_commit: Callable[[], None] | None = None):
        self.engine = make_engine(url)
        migrate(self.engine, service_versions)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.association_id = association_id
        self.on_commit = on_commit

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, self.association_id, self.on_commit)

    def apply_once(self, consumer: str, event: Event, apply: Callable[[UnitOfWork, Event], T]) -> T | object:
        """Run `apply(uow, event)` unless this consumer already applied this event; both in one transaction."""
        with self.unit_of_work() as uow:
            if uow.already_applied(consumer, event.event_id):
                return ALREADY_APPLIED
            result = apply(uow, event)
            uow.mark_applied(consumer, event.event_id)
            return result

    def apply_batch(self, consumer: str, events: Sequence[Event], apply: Callable[[UnitOfWork, list[Event]], Any],
                    journal: Callable[[Session, list[str]], Iterable[str]] | None = None) -> "BatchApplied":
        """Run `apply(uow, new_events)` on the events this consumer has not applied yet, and mark them, in
        one transaction. Returns (applied, duplicates), a BatchApplied.

        `journal`: for a service whose `apply` itself stores every event it applies under a unique event_id
        (reporting's append-only store), a function (session, ids) -> the ids among them already stored.
        That store is then the record of what was applied, and processed_events is not written as well:
        one index insert less per event, and a concurrent second application still fails at commit."""
        with self.unit_of_work() as uow:
            ids = [e.event_id for e in events]
            if journal is not None:
                done = set(journal(uow.session, ids))
            else:
                done = set(uow.session.scalars(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == consumer, processed_events.c.event_id.in_(ids))))
            new, seen = [], set()
            for received in events:
                if received.event_id not in done and received.event_id not in seen:
                    seen.add(received.event_id)
                    new.append(received)
            if new:
                apply(uow, new)
                if journal is None:
                    now = utcnow()
                    uow.session.execute(insert(processed_events), [
                        {"consumer": consumer, "event_id": e.event_id, "applied_at": now} for e in new])
            return BatchApplied(new, events)

    def dispose(self) -> None:
        self.engine.dispose()


class BatchApplied(tuple):
    """apply_batch's (applied, duplicates), which also knows which of the events given were new (`new`, their
    id()s), so that the batch consumer logs each event's own outcome."""

    def __new__(cls, new: Sequence[Event], given: Sequence[Event]) -> "BatchApplied":
        result = super().__new__(cls, (len(new), len(given) - len(new)))
        result.new = frozenset(map(id, new))
        return result
