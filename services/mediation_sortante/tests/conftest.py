"""Fixtures of médiation sortante's unit tests: the service class over a real database, no broker."""
import shutil

import pytest
from nameko.testing.services import worker_factory

from services.mediation_sortante.service import MIGRATIONS, MediationSortanteService
from shared.db import Storage
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics


def make_service(storage, **config):
    return worker_factory(MediationSortanteService, db=WorkerDatabase(storage, None), metrics=PlatformMetrics(),
                          config={"ASSOCIATION_ID": "pimms-lyon", "CONTRACT_ENFORCEMENT": False,
                                  "CONTACT_RETENTION_DAYS": 90, **config})


@pytest.fixture(scope="session")
def migrated(tmp_path_factory):
    """A database migrated once per run: copying it is ten times faster than migrating for every test."""
    path = tmp_path_factory.mktemp("template") / "mediation_sortante.db"
    Storage(f"sqlite:///{path}", MIGRATIONS, "pimms-lyon").dispose()
    return path


@pytest.fixture
def storage(tmp_path, migrated):
    shutil.copy(migrated, tmp_path / "mediation_sortante.db")
    store = Storage(f"sqlite:///{tmp_path}/mediation_sortante.db", MIGRATIONS, "pimms-lyon")
    yield store
    store.dispose()


@pytest.fixture
def service(storage):
    return make_service(storage)
