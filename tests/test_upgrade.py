"""Databases made by the previous release are upgraded by this code's migrations and keep their data.

tests/fixtures/previous_release/ holds each service's SQLite database as the release named in its
release.json (72e15f8) left it after its own demo (its migrations, its services, through their real RPC),
dumped as SQL, with what its services answered then. Each is loaded, migrated to this code's heads by
shared.db.migrate (as a service does at start), and then read by this code's services: the same rows, the
same figures, the same contract, the demo manager's password still good, the outbox all sent. When the
schema changes, this test says whether an association's databases survive the change; the fixture stays
the previous release until a new one is made (make.py beside it)."""
import datetime as dt
import importlib
import json
import sqlite3
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import text

from scripts.pimms.backups import migration_scripts
from shared.db import Storage, make_engine, migrate
from tests import kit

FIXTURE = Path(__file__).parent / "fixtures" / "previous_release"
RELEASE = json.loads((FIXTURE / "release.json").read_text())
SERVICES = sorted(RELEASE["rows"])


def migrations(service):
    return importlib.import_module(f"services.{service}.service").MIGRATIONS


def heads(service):
    """This code's schema heads for a service: the platform's and the service's."""
    return set(migration_scripts(service).get_heads())


@pytest.fixture
def upgraded(tmp_path):
    """`upgraded(service)`: the previous release's database of the service, migrated by this code, opened."""
    opened = []

    def make(service):
        path = tmp_path / f"{service}.db"
        with sqlite3.connect(path) as db:
            db.executescript((FIXTURE / f"{service}.sql").read_text())
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine, migrations(service))
        engine.dispose()
        opened.append(Storage(f"sqlite:///{path}", migrations(service), "pimms-lyon"))
        return opened[-1]

    yield make
    for storage in opened:
        storage.dispose()


def rows(storage):
    with storage.engine.connect() as conn:
        tables = [name for (name,) in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
        return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() for table in tables}


@pytest.mark.parametrize("service", SERVICES)
def test_the_previous_release_database_reaches_this_code_schema_and_keeps_its_rows(service, upgraded):
    storage = upgraded(service)
    with storage.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == heads(service)
    found = rows(storage)
    kept = {table: found.get(table) for table in RELEASE["rows"][service] if table != "alembic_version"}
    assert kept == {table: n for table, n in RELEASE["rows"][service].items() if table != "alembic_version"}
    assert sum(kept.values()) > 0  # a release's demo left data to carry over
    with storage.engine.connect() as conn:  # everything was sent by the old release: nothing published again
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() == 0


def test_reporting_gives_the_previous_release_figures(upgraded):
    from services.reporting.service import ReportingService

    reporting = kit.worker(ReportingService, upgraded("reporting"), config={"ALLOW_EXACT_FIGURES": True})
    year = str(dt.date.fromisoformat(RELEASE["demo_date"]).year)
    for pimms_id, figures in RELEASE["figures"].items():
        assert json.loads(json.dumps(reporting.figures("desk", pimms_id, year, True), default=str)) == figures


def test_franchise_and_accueil_answer_as_the_previous_release(upgraded):
    from services.accueil.service import AccueilService
    from services.franchise.service import FranchiseService

    franchise = kit.worker(FranchiseService, upgraded("franchise"))
    contract = RELEASE["contract"]
    answered = json.loads(json.dumps(franchise.get_contract(contract["association_id"]), default=str))
    assert answered == contract and answered["status"] == "active"
    accueil = kit.worker(AccueilService, upgraded("accueil"))
    assert accueil.desk_figures("lyon-8") == RELEASE["desk_figures"]
    assert RELEASE["desk_figures"]["visits"] > 0


def test_the_previous_release_accounts_still_log_in(upgraded):
    from scripts.demo.gateway import ACCOUNTS
    from services.gateway import accounts

    storage = upgraded("gateway")
    for account in ACCOUNTS:
        result = accounts.authenticate(storage.unit_of_work, account["login"], account["password"],
                                       dt.datetime.now(dt.timezone.utc), 5, dt.timedelta(minutes=15))
        assert (account["login"], result.outcome) == (account["login"], "ok")
