"""Each service's migrations build exactly the tables its models describe, on SQLite and on PostgreSQL: a
model changed without its migration (or a migration that drifted from the model) fails here, before a
database made by an earlier release meets code that expects another schema (issue 19)."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from shared import tables
from tests.test_structure import SERVICES


def described(service):
    """The service's tables as its models say, with the platform's own (outbox, idempotency...)."""
    models = importlib.import_module(f"services.{service}.models")
    metadata = models.Base.metadata if hasattr(models, "Base") else models.metadata
    combined = MetaData()
    for table in [*metadata.tables.values(), *tables.metadata.tables.values()]:
        table.to_metadata(combined)
    return combined


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_build_what_the_models_describe(service, db_url, migrated_storage):
    migrations = importlib.import_module(f"services.{service}.service").MIGRATIONS
    storage = migrated_storage(migrations, url=db_url)
    with storage.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                       described(service))
    assert differences == []


def test_a_model_changed_without_its_migration_is_caught(db_url, migrated_storage):
    """The check can fail: a column added to a copy of the models, with no migration, is reported."""
    from sqlalchemy import Column, String
    migrations = importlib.import_module("services.gateway.service").MIGRATIONS
    storage = migrated_storage(migrations, url=db_url)
    changed = described("gateway")
    changed.tables["accounts"].append_column(Column("nickname", String(40)))
    with storage.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), changed)
    assert [d[0] for d in differences] == ["add_column"]
