"""Reporting's test fixtures: a real database (SQLite, or both SQLite and PostgreSQL through `db_url`) and
the service on it."""
import pytest

from services.reporting.service import MIGRATIONS
from services.reporting.tests.events import ASSOCIATION, make_reporting
from shared.db import Storage


@pytest.fixture
def storage(tmp_path):
    store = Storage(f"sqlite:///{tmp_path}/reporting.db", MIGRATIONS, ASSOCIATION)
    yield store
    store.dispose()


@pytest.fixture
def any_storage(db_url):
    """The same tests on SQLite and on PostgreSQL."""
    store = Storage(db_url, MIGRATIONS, ASSOCIATION)
    yield store
    store.dispose()


@pytest.fixture
def reporting(storage):
    return make_reporting(storage, ALLOW_EXACT_FIGURES=True)
