"""Fixtures of médiation sortante's unit tests: the service class over a real database, no broker (the kit
in tests/kit.py)."""
import pytest

from services.mediation_sortante.service import MIGRATIONS, MediationSortanteService
from tests import kit


def make_service(storage, **config):
    return kit.worker(MediationSortanteService, storage, {"CONTACT_RETENTION_DAYS": 90, **config})


@pytest.fixture
def storage(migrated_storage):
    return migrated_storage(MIGRATIONS)


@pytest.fixture
def service(storage):
    return make_service(storage)
