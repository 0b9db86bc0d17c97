"""Fixtures of formation's tests without a broker: a migrated SQLite database per test, and the service on it
through nameko's worker_factory (the kit in tests/kit.py)."""
import pytest

from services.formation.service import MIGRATIONS, FormationService
from tests import kit


@pytest.fixture
def storage(migrated_storage):
    return migrated_storage(MIGRATIONS)


@pytest.fixture
def make_formation(storage):
    """The service on this test's database; contract enforcement off unless a test turns it on."""

    def make(**config):
        return kit.worker(FormationService, storage, config)

    return make


@pytest.fixture
def formation(make_formation):
    return make_formation()
