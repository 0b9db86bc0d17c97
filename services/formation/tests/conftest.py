"""Fixtures of formation's tests without a broker: a migrated SQLite database per test, and the service on it
through nameko's worker_factory. Each test's database is a copy of one migrated once per run: migrating
costs more than most tests."""
import shutil

import pytest
from nameko.testing.services import worker_factory

from services.formation.service import MIGRATIONS, FormationService
from shared.db import Storage
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("formation") / "migrated.db"
    Storage(f"sqlite:///{path}", MIGRATIONS, "pimms-lyon").dispose()
    return path


@pytest.fixture
def storage(tmp_path, migrated_database):
    for suffix in ("", "-wal", "-shm"):
        source = migrated_database.with_name(migrated_database.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / ("formation.db" + suffix))
    store = Storage(f"sqlite:///{tmp_path}/formation.db", MIGRATIONS, "pimms-lyon")
    yield store
    store.dispose()


@pytest.fixture
def make_formation(storage):
    """The service on this test's database; contract enforcement off unless a test turns it on."""

    def make(**config):
        return worker_factory(FormationService, db=WorkerDatabase(storage, None), metrics=PlatformMetrics(),
                              config={"ASSOCIATION_ID": "pimms-lyon", "CONTRACT_ENFORCEMENT": False, **config})

    return make


@pytest.fixture
def formation(make_formation):
    return make_formation()
