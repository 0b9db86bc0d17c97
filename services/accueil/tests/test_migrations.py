"""Accueil's migrations on a database that already holds people, on SQLite and on PostgreSQL: making an
identity erasable (accueil_0004) keeps every citizen, visit and audit entry, turns each recorded consent into
the first entry of its history, and leaves foreign keys enforced."""
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.accueil.service import MIGRATIONS
from shared.db import make_engine, migrate

THEN = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.timezone.utc)


def a_named_visit_read_once(engine):
    """What accueil_0003 held: a named person, their visit and one read of their record."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO citizens (id, first_name, last_name, phone, email, consent_given_at, consent_channel, "
            "consent_purposes, created_at) VALUES (1, 'Awa', 'Diallo', NULL, NULL, :at, 'oral', :purposes, :at)"),
            {"at": THEN, "purposes": '["follow_up"]'})
        conn.execute(text(
            "INSERT INTO visits (id, pimms_id, agent_id, status, motif_kind, opened_at) "
            "VALUES ('7d3c1f4e-1111-4a4a-9b9b-000000000001', 'lyon-8', 'a1', 'open', 'generaliste', :at)"),
            {"at": THEN})
        conn.execute(text(
            "INSERT INTO visit_participants (visit_id, citizen_id, visitor_ref, first_visit) "
            "VALUES ('7d3c1f4e-1111-4a4a-9b9b-000000000001', 1, :ref, :yes)"), {"ref": "0" * 32, "yes": True})
        conn.execute(text("INSERT INTO citizen_reads (citizen_id, reader_id, reader_role, read_at) "
                          "VALUES (1, 'agent.lyon8', 'agent', :at)"), {"at": THEN})


def test_identities_become_erasable_on_a_database_with_people_and_their_visits(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, MIGRATIONS, "accueil_0003")
        a_named_visit_read_once(engine)

        migrate(engine, MIGRATIONS)

        with engine.connect() as conn:
            assert conn.execute(text("SELECT last_name, erased_at FROM citizens")).all() == [("Diallo", None)]
            assert conn.execute(text("SELECT citizen_id FROM visit_participants")).scalars().all() == [1]
            assert conn.execute(text("SELECT action FROM citizen_reads")).scalars().all() == ["read"]
            history = conn.execute(text("SELECT citizen_id, action, channel, recorded_by FROM citizen_consents"))
            assert history.all() == [(1, "given", "oral", None)]
        with pytest.raises(DBAPIError, match="(?i)foreign key"), engine.begin() as conn:
            conn.execute(text("INSERT INTO citizen_reads (citizen_id, reader_id, reader_role, action, read_at) "
                              "VALUES (99, 'x', 'agent', 'read', :at)"), {"at": THEN})
    finally:
        engine.dispose()
