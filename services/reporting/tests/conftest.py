"""Reporting's test fixtures: a real database (SQLite, or both SQLite and PostgreSQL through `db_url`) and
the service on it (the kit in tests/kit.py)."""
import pytest

from services.reporting.service import MIGRATIONS
from services.reporting.tests.events import ASSOCIATION, make_reporting


@pytest.fixture
def storage(migrated_storage):
    return migrated_storage(MIGRATIONS, ASSOCIATION)


@pytest.fixture
def any_storage(db_url, migrated_storage):
    """The same tests on SQLite and on PostgreSQL."""
    return migrated_storage(MIGRATIONS, ASSOCIATION, url=db_url)


@pytest.fixture
def reporting(storage):
    return make_reporting(storage, ALLOW_EXACT_FIGURES=True)
