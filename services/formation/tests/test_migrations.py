"""Formation's migrations on a database that already holds agents, on SQLite and on PostgreSQL: making the names
erasable (formation_0002) keeps every agent and what points at them, and leaves foreign keys enforced."""
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.formation.service import MIGRATIONS, FormationService
from shared.db import make_engine, migrate
from tests import kit

LONG_AGO = dt.datetime(2019, 1, 7, 9, tzinfo=dt.timezone.utc)


def migrate_to(engine, revision, direction="upgrade"):
    """Formation's database to one revision, by the migration every service runs at start."""
    migrate(engine, MIGRATIONS, revision, downgrade=direction == "downgrade")


def an_agent_with_a_week_and_a_milestone(engine):
    """What formation_0001 held: an agent who left in June 2020, with a week of work and a milestone."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO agents (id, pimms_id, first_name, last_name, gender, contract_type, weekly_minutes, "
            "hired_on, exited_on, exit_outcome, exit_positive, created_at) VALUES ('mat-0001', 'lyon-8', "
            "'Zénobie', 'Quarantotto', 'female', 'adulte_relais', 2100, :hired, :exited, 'cdi', :yes, :at)"),
            {"hired": dt.date(2019, 1, 7), "exited": dt.date(2020, 6, 30), "yes": True, "at": LONG_AGO})
        conn.execute(text("INSERT INTO work_weeks VALUES ('mat-0001', :week, 2100, 1, :at)"),
                     {"week": dt.date(2019, 1, 7), "at": LONG_AGO})
        conn.execute(text("INSERT INTO milestones (agent_id, kind, reached_on, recorded_at) "
                          "VALUES ('mat-0001', 'positioning', :day, :at)"), {"day": dt.date(2019, 1, 9), "at": LONG_AGO})


def test_names_become_erasable_on_a_database_with_agents_and_their_weeks(db_url, migrated_storage):
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "formation_0001")
        an_agent_with_a_week_and_a_milestone(engine)

        migrate_to(engine, "heads")

        with engine.connect() as conn:
            assert conn.execute(text("SELECT first_name, last_name, identity_erased_at FROM agents")).all() == [
                ("Zénobie", "Quarantotto", None)]
            assert conn.execute(text("SELECT count(*) FROM work_weeks")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM milestones")).scalar() == 1
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # the pooled connection, as before
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        with pytest.raises(DBAPIError, match="(?i)foreign key"), engine.begin() as conn:  # pg8000: ProgrammingError
            conn.execute(text("INSERT INTO work_weeks VALUES ('ghost', :week, 60, 1, :at)"),
                         {"week": dt.date(2019, 1, 14), "at": LONG_AGO})
    finally:
        engine.dispose()

    formation = kit.worker(FormationService, migrated_storage(MIGRATIONS, url=db_url))
    assert formation.purge_identities()["erased"] == 1
    assert formation.get_agent("mat-0001")["work_hours"] == 35.0


def test_the_migration_cannot_be_undone_once_a_name_is_erased(db_url):
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "formation_0001")
        an_agent_with_a_week_and_a_milestone(engine)
        migrate_to(engine, "heads")
        with engine.begin() as conn:
            conn.execute(text("UPDATE agents SET first_name = NULL, last_name = NULL, identity_erased_at = :at"),
                         {"at": LONG_AGO})

        with pytest.raises(RuntimeError, match="erased"):
            migrate_to(engine, "formation_0001", "downgrade")

        with engine.connect() as conn:
            assert "formation_0002" in conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
