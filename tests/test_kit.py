"""The test kit's speed trick changes nothing: a test's database copied from the run's migrated template is the
database migrating it would have made (same tables, indexes and migration heads), for every service."""
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import Storage
from tests import kit

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = sorted(p for p in (ROOT / "services").glob("*/migrations/versions") if p.is_dir())


def schema(storage):
    with storage.engine.connect() as conn:
        objects = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"))
        heads = conn.execute(text("SELECT version_num FROM alembic_version ORDER BY version_num"))
        return objects.all(), heads.scalars().all()


@pytest.mark.parametrize("migrations", MIGRATIONS, ids=[kit.service_name(p) for p in MIGRATIONS])
def test_a_copy_of_the_template_is_the_database_migrating_makes(migrations, migrated_storage, tmp_path):
    migrated = Storage(f"sqlite:///{tmp_path}/migrated.db", migrations, "pimms-lyon")
    try:
        copied = migrated_storage(migrations)
        assert Path(copied.engine.url.database) == tmp_path / f"{kit.service_name(migrations)}.db"
        assert schema(copied) == schema(migrated)
        assert schema(copied)[0], "the services' tables"
    finally:
        migrated.dispose()

