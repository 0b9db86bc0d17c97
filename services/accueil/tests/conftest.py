"""Accueil's unit-test fixtures: the service class over a real SQLite database, without a broker."""
import pytest
from nameko.testing.services import worker_factory

from services.accueil.service import MIGRATIONS, AccueilService
from shared.db import Storage
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics
from shared.principal import Acting, sign


@pytest.fixture
def storage(tmp_path):
    store = Storage(f"sqlite:///{tmp_path}/accueil.db", MIGRATIONS, "pimms-lyon")
    yield store
    store.dispose()


@pytest.fixture
def enforcement():
    """Whether the franchise contract is enforced; test modules about the contract override it."""
    return False


# Whom the service's calls act for, as the gateway would sign it: by default a manager of both desks
MANAGER = {"login": "manager.lyon", "role": "manager", "association_id": "pimms-lyon", "desks": ["lyon-8", "lyon-9"],
           "agent_id": "manager-lyon"}
AGENT = {"login": "agent.lyon8", "role": "agent", "association_id": "pimms-lyon", "desks": ["lyon-8"],
         "agent_id": "agent-lyon8"}
KEY = "test-principal-key-of-accueil"


def acting(principal):
    """The `caller` dependency of a call signed for `principal` (None: a call that acts for nobody)."""
    return Acting(None if principal is None else sign(principal, KEY), KEY, "pimms-lyon")


def make_accueil(storage, principal=MANAGER, enforcement=False, **config):
    return worker_factory(AccueilService, db=WorkerDatabase(storage, None), metrics=PlatformMetrics(),
                          caller=acting(principal),
                          config={"VISITOR_REF_KEY": "k", "ASSOCIATION_ID": "pimms-lyon",
                                  "CONTRACT_ENFORCEMENT": enforcement, **config})


@pytest.fixture
def accueil(storage, enforcement):
    return make_accueil(storage, enforcement=enforcement)
