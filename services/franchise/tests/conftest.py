"""Franchise's unit-test fixture: head office's database, migrated, on SQLite (the kit in tests/kit.py)."""
import pytest

from services.franchise.service import MIGRATIONS


@pytest.fixture
def storage(migrated_storage):
    return migrated_storage(MIGRATIONS, "union-nationale")
