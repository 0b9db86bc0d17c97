"""Accueil's unit-test fixtures: the service class over a real SQLite database, without a broker."""
import pytest
from nameko.testing.services import worker_factory

from services.accueil.service import MIGRATIONS, AccueilService
from shared.db import Storage
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics


@pytest.fixture
def storage(tmp_path):
    store = Storage(f"sqlite:///{tmp_path}/accueil.db", MIGRATIONS, "pimms-lyon")
    yield store
    store.dispose()


@pytest.fixture
def enforcement():
    """Whether the franchise contract is enforced; test modules about the contract override it."""
    return False


@pytest.fixture
def accueil(storage, enforcement):
    return worker_factory(AccueilService, db=WorkerDatabase(storage, None), metrics=PlatformMetrics(),
                          config={"VISITOR_REF_KEY": "k", "ASSOCIATION_ID": "pimms-lyon",
                                  "CONTRACT_ENFORCEMENT": enforcement})
