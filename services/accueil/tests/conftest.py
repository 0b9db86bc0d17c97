"""Accueil's unit-test fixtures: the service class over a real SQLite database, without a broker (the kit in
tests/kit.py, signed calls as the gateway makes them)."""
import pytest

from services.accueil.service import MIGRATIONS, AccueilService
from shared.principal import Acting, sign
from tests import kit


@pytest.fixture
def storage(migrated_storage):
    return migrated_storage(MIGRATIONS)


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
    config = {"VISITOR_REF_KEY": "k", "CONTRACT_ENFORCEMENT": enforcement, **config}
    return kit.worker(AccueilService, storage, config, caller=acting(principal))


@pytest.fixture
def accueil(storage, enforcement):
    return make_accueil(storage, enforcement=enforcement)
