"""The unit of work, the outbox and idempotent application, on SQLite and on PostgreSQL."""
import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

import shared.contracts.accueil  # noqa: F401
from shared import envelope
from shared.db import ALREADY_APPLIED, Storage, migrate
from shared.tables import outbox, processed_events
from tests.tally.service import tallied

TALLY_MIGRATIONS = Path(__file__).parents[2] / "tests" / "tally" / "migrations" / "versions"


def workshop(attendees=10):
    return {"workshop_id": uuid.uuid4(), "agent_id": "a1", "theme": "budget", "partner": None,
            "held_on": dt.date(2026, 11, 2), "attendees": attendees, "duration_min": 60, "registres": ["inform"]}


@pytest.fixture
def storage(db_url):
    store = Storage(db_url, TALLY_MIGRATIONS, "pimms-test")
    yield store
    store.dispose()


def count(store, table):
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_migrations_run_twice_without_harm(storage):
    migrate(storage.engine, TALLY_MIGRATIONS)
    assert count(storage, outbox) == 0 and count(storage, tallied) == 0


def test_a_database_at_its_heads_is_not_migrated_again_and_one_behind_is(storage, monkeypatch):
    from alembic import command

    from shared import db

    # given a database at the newest schema, and alembic's upgrade made to fail if it is called
    def upgrade(*args):
        raise AssertionError("alembic ran")

    monkeypatch.setattr(command, "upgrade", upgrade)
    # when the service starts on it again, nothing runs
    migrate(storage.engine, TALLY_MIGRATIONS)
    # and when its versions are not the heads (one head missing, as in a database of an earlier release),
    # alembic does run
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version WHERE version_num = (SELECT min(version_num) FROM alembic_version)")
    with pytest.raises(AssertionError, match="alembic ran"):
        migrate(storage.engine, TALLY_MIGRATIONS)
    assert db._HEADS  # the heads were read once for the folder, and kept


def test_state_and_events_commit_together(storage):
    with storage.unit_of_work() as uow:
        uow.session.execute(insert(tallied).values(event_id="x", event_type="t"))
        uow.publish("accueil.workshop_held", workshop(), pimms_id="lyon-8")
    assert count(storage, tallied) == 1 and count(storage, outbox) == 1


def test_a_failure_stores_neither_state_nor_events(storage):
    with pytest.raises(RuntimeError):
        with storage.unit_of_work() as uow:
            uow.session.execute(insert(tallied).values(event_id="x", event_type="t"))
            uow.publish("accueil.workshop_held", workshop(), pimms_id="lyon-8")
            raise RuntimeError("crash before commit")
    assert count(storage, tallied) == 0 and count(storage, outbox) == 0


def test_an_invalid_event_stores_nothing(storage):
    with pytest.raises(Exception):
        with storage.unit_of_work() as uow:
            uow.session.execute(insert(tallied).values(event_id="x", event_type="t"))
            uow.publish("accueil.workshop_held", workshop(attendees=-1), pimms_id="lyon-8")
    assert count(storage, tallied) == 0 and count(storage, outbox) == 0


def test_an_event_is_applied_once_per_consumer(storage):
    doc = envelope.build("accueil.workshop_held", workshop(), association_id="a", pimms_id="p")
    event = envelope.load(doc)

    def apply(uow, ev):
        uow.session.execute(insert(tallied).values(event_id=ev.event_id, event_type=ev.type))
        return "applied"

    assert storage.apply_once("reporting.q", event, apply) == "applied"
    assert storage.apply_once("reporting.q", event, apply) is ALREADY_APPLIED
    assert storage.apply_once("franchise.q", event, apply) == "applied"
    assert count(storage, tallied) == 2 and count(storage, processed_events) == 2


def test_a_failed_application_does_not_mark_the_event_applied(storage):
    event = envelope.load(envelope.build("accueil.workshop_held", workshop(), association_id="a", pimms_id="p"))

    def fail(uow, ev):
        uow.session.execute(insert(tallied).values(event_id=ev.event_id, event_type=ev.type))
        raise ValueError("bug")

    with pytest.raises(ValueError):
        storage.apply_once("c", event, fail)
    assert count(storage, processed_events) == 0 and count(storage, tallied) == 0


def test_a_database_outage_is_told_apart_from_a_bad_event(tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from shared.outages import is_outage

    unreachable = create_engine("postgresql+pg8000://nobody@127.0.0.1:1/none")
    with pytest.raises(Exception) as outage:
        unreachable.connect()
    assert is_outage(outage.value)
    engine = create_engine(f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(OperationalError) as bug:
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    assert not is_outage(bug.value)
    assert not is_outage(ValueError("bad payload"))
