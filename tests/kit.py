"""The kit the services' tests share, so that each service's tests say only what is particular to it: a
migrated database per test, the service class on it with no broker, what it wrote (its outbox, its rows), and
the franchise contract as a service receives it. The fixtures over it are in the root conftest.py."""
import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

from nameko.testing.services import worker_factory
from sqlalchemy import func, select

from shared import envelope
from shared.contract_terms import apply_contract_changed
from shared.db import Storage
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics
from shared.tables import outbox


# -- databases ----------------------------------------------------------------------------------------------
def service_name(migrations):
    """`accueil` for services/accueil/migrations/versions: the name of a service's test database."""
    migrations = Path(migrations)
    return (migrations.parent if migrations.name == "versions" else migrations).parent.name


class MigratedTemplates:
    """SQLite databases migrated once per run, one per set of migrations: a test's database is a copy of its
    service's. Copying takes a third of the time migrating does (about 10 ms against 30 ms a database; the
    setup of the five services' ~690 SQLite tests went from 10.3 s to 6.0 s). Migrations write no rows, and
    tests/test_kit.py checks that a copy has the schema and heads migrating makes."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._made = {}

    def template(self, migrations):
        key = Path(migrations).resolve()
        if key not in self._made:
            path = self.folder / f"{len(self._made)}-{service_name(key)}.db"
            Storage(f"sqlite:///{path}", key, "template").dispose()
            self._made[key] = path
        return self._made[key]

    def copy(self, migrations, path):
        """Put a migrated database at `path` (with its write-ahead log, should one be left)."""
        template = self.template(migrations)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            source = template.with_name(template.name + suffix)
            if source.exists():
                shutil.copy(source, path.with_name(path.name + suffix))


def open_storage(templates, folder, migrations, association_id="pimms-lyon", url=None):
    """A service's Storage, migrated: on SQLite a copy of the run's template (`url`'s file, else
    `folder`/<service>.db), opened as is when the file is already there; on PostgreSQL migrated in place.
    Storage migrates as it opens, which on a copy finds nothing to do."""
    if url is None:
        url = f"sqlite:///{Path(folder) / service_name(migrations)}.db"
    if url.startswith("sqlite:///"):
        path = Path(url.split("///", 1)[1])
        if not path.exists():
            templates.copy(migrations, path)
    return Storage(url, migrations, association_id)


# -- the service class on it --------------------------------------------------------------------------------
def worker(service_cls, storage, config=None, context=None, **dependencies):
    """`service_cls` through nameko's worker_factory on `storage`, no broker: entrypoints called as methods.
    Its config: the storage's association, contract enforcement off, then `config`. `context`: the worker
    context an event handler needs (`handling`); `dependencies`: others to swap in (accueil's caller)."""
    settings = {"ASSOCIATION_ID": storage.association_id, "CONTRACT_ENFORCEMENT": False, **(config or {})}
    return worker_factory(service_cls, db=WorkerDatabase(storage, context), metrics=PlatformMetrics(),
                          config=settings, **dependencies)


def handling(method_name, queue=None):
    """The worker context of an event handler: apply_once names its consumer after the queue, else after the
    method (`handling("stream")`: one consumer for every handler)."""
    entrypoint = SimpleNamespace(method_name=method_name)
    if queue is not None:
        entrypoint.queue = SimpleNamespace(name=queue)
    return SimpleNamespace(entrypoint=entrypoint)


# -- what it wrote ------------------------------------------------------------------------------------------
def published(storage, event_type=None):
    """The outbox's events (of one type, or all), oldest first, as the relay sends them: JSON documents."""
    query = select(outbox.c.body).order_by(outbox.c.id)
    if event_type is not None:
        query = query.where(outbox.c.event_type == event_type)
    with storage.sessionmaker() as session:
        return [json.loads(body) for body in session.scalars(query)]


def published_events(storage, event_type=None):
    """The same events loaded by their schema (raises if one breaks it), as a consumer receives them."""
    return [envelope.load(doc) for doc in published(storage, event_type)]


def counts(storage, *tables):
    """The rows of each table or model, in one session: `counts(storage, Visit, outbox) == (1, 0)`."""
    with storage.sessionmaker() as session:
        return tuple(session.scalar(select(func.count()).select_from(table)) for table in tables)


def count(storage, table):
    """The rows of one table or model."""
    return counts(storage, table)[0]


# -- the franchise contract as a service receives it --------------------------------------------------------
CONTRACT_ID = uuid.uuid4()  # one contract per run: each revision a test signs is a revision of it


def contract_changed(revision=1, association_id="pimms-lyon", **terms):
    """`franchise.contract_changed` as it arrives from the bus (loaded by its schema): the association's
    contract, active since 1 January 2025 with no end, for lyon-8 and lyon-9, mandate accueil, no convention,
    a training floor of 9 %, changed by `terms`."""
    payload = {"contract_id": CONTRACT_ID, "revision": revision, "pimms_ids": ["lyon-8", "lyon-9"],
               "mandates": ["accueil"], "conventions": [], "training_floor_pct": 9.0, "status": "active",
               "valid_from": dt.date(2025, 1, 1), "valid_to": None, **terms}
    return envelope.load(envelope.build("franchise.contract_changed", payload, association_id=association_id,
                                        pimms_id=None))


def apply_contract(storage, service, event):
    """Apply a contract_changed to `service`'s copy of the terms as its consumer does, once: "applied",
    "stale" (an older revision than the one held), or ALREADY_APPLIED."""
    return storage.apply_once(f"{service}.franchise.contract_changed", event, apply_contract_changed)
