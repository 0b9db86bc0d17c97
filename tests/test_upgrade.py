"""Databases made by the previous release are upgraded by this code's migrations and keep their data.

tests/fixtures/previous_release/ holds each service's database as the release named in its release.json
(72e15f8) left it after its own demo (its migrations, its services, through their real RPC), on SQLite
(`make run`'s) and on PostgreSQL (production's), dumped as SQL, with what its services answered then. Each
is loaded, migrated to this code's heads by shared.db.migrate (as a service does at start), and read by this
code's services: the same rows, the same figures, the same contract, the demo's passwords still good, the
outbox all sent. When the schema changes, this test says whether an association's databases survive the
change; the fixture stays the previous release until a new one is made (make.py beside it)."""
import datetime as dt
import importlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from scripts.pimms.backups import migration_scripts
from shared.db import Storage, make_engine, migrate
from tests import kit

FIXTURE = Path(__file__).parent / "fixtures" / "previous_release"
RELEASE = json.loads((FIXTURE / "release.json").read_text())
SERVICES = sorted(RELEASE["sqlite"]["rows"])
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def migrations(service):
    return importlib.import_module(f"services.{service}.service").MIGRATIONS


def heads(service):
    """This code's schema heads for a service: the platform's and the service's."""
    return set(migration_scripts(service).get_heads())


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def upgraded(kind, tmp_path, request):
    """`upgraded(service)`: the previous release's database of the service (on SQLite or PostgreSQL),
    migrated by this code, opened."""
    opened = []

    def make(service):
        dump = FIXTURE / kind / f"{service}.sql"
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / service}.db"
            with sqlite3.connect(tmp_path / f"{service}.db") as db:
                db.executescript(dump.read_text())
        else:
            assert not opened, "one PostgreSQL database (pg_url) per test: ask upgraded() once"
            url = request.getfixturevalue("pg_url")
            subprocess.run(["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-f", str(dump),
                            f"--dbname={url.replace('+pg8000', '')}"], check=True, capture_output=True)
        engine = make_engine(url)
        migrate(engine, migrations(service))
        engine.dispose()
        opened.append(Storage(url, migrations(service), "pimms-lyon"))
        return opened[-1]

    yield make
    for storage in opened:
        storage.dispose()


def rows(storage):
    with storage.engine.connect() as conn:
        return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
                for table in inspect(conn).get_table_names()}


@pytest.mark.parametrize("service", SERVICES)
def test_the_previous_release_database_reaches_this_code_schema_and_keeps_its_rows(service, kind, upgraded):
    storage = upgraded(service)
    with storage.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == heads(service)
    before = {table: n for table, n in RELEASE[kind]["rows"][service].items() if table != "alembic_version"}
    assert {table: rows(storage).get(table) for table in before} == before
    assert sum(before.values()) > 0  # a release's demo left data to carry over
    with storage.engine.connect() as conn:  # everything was sent by the old release: nothing published again
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() == 0


def test_reporting_gives_the_previous_release_figures(kind, upgraded):
    from services.reporting.service import ReportingService

    release = RELEASE[kind]
    reporting = kit.worker(ReportingService, upgraded("reporting"), config={"ALLOW_EXACT_FIGURES": True})
    year = str(dt.date.fromisoformat(release["demo_date"]).year)
    for pimms_id, figures in release["figures"].items():
        answered = json.loads(json.dumps(reporting.figures("desk", pimms_id, year, True), default=str))
        # later editions add cells (the waiting room, workshop sessions...); every cell the release gave is
        # still there with the same value
        assert _as_released(answered, figures) == figures
    assert release["figures"]["lyon-8"]["figures"]["visits"]["total"] > 0


def _as_released(answered, released):
    """The part of `answered` that has the shape of `released`: the cells added since are left out."""
    if isinstance(released, dict) and isinstance(answered, dict):
        return {key: _as_released(answered[key], value) if key in answered else "<missing>"
                for key, value in released.items()}
    return answered


def test_franchise_answers_with_the_previous_release_contract(kind, upgraded):
    from services.franchise.service import FranchiseService

    contract = RELEASE[kind]["contract"]
    franchise = kit.worker(FranchiseService, upgraded("franchise"))
    answered = json.loads(json.dumps(franchise.get_contract(contract["association_id"]), default=str))
    assert answered == contract and answered["status"] == "active"


def test_accueil_answers_with_the_previous_release_desk_figures(kind, upgraded):
    from services.accueil.service import AccueilService

    accueil = kit.worker(AccueilService, upgraded("accueil"))
    assert accueil.desk_figures("lyon-8") == RELEASE[kind]["desk_figures"]
    assert RELEASE[kind]["desk_figures"]["visits"] > 0


def test_the_previous_release_accounts_still_log_in(kind, upgraded):
    from scripts.demo.gateway import ACCOUNTS
    from services.gateway import accounts

    storage = upgraded("gateway")
    for account in ACCOUNTS:
        result = accounts.authenticate(storage.unit_of_work, account["login"], account["password"],
                                       dt.datetime.now(dt.timezone.utc), 5, dt.timedelta(minutes=15))
        assert (account["login"], result.outcome) == (account["login"], "ok")
