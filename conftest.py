"""Fixtures every test shares: a per-test database (SQLite file, or the local PostgreSQL), a service's
storage migrated on it (tests/kit.py), and service config on nameko's per-test RabbitMQ vhost."""
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import kit

ROOT = Path(__file__).resolve().parent

PRINCIPAL_KEY = "test-principal-key-of-the-suite"  # gateway and accueil share it in tests
PG_ADMIN_URL = os.environ.get("PIMMS_TEST_PG", "postgresql+pg8000://postgres@127.0.0.1:5432/postgres")


def _pg_available():
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test, dropped after it."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at " + PG_ADMIN_URL)
        pytest.skip("PostgreSQL is not reachable at " + PG_ADMIN_URL)
    name = "pimms_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Storage tests run once on SQLite and once on the local PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory):
    return kit.MigratedTemplates(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def migrated_storage(migrated_templates, tmp_path):
    """Make a service's Storage for this test, disposed after it: `migrated_storage(MIGRATIONS)` on SQLite in
    tmp_path (<service>.db, a copy of a database migrated once per run), `migrated_storage(MIGRATIONS,
    url=db_url)` on SQLite or PostgreSQL; `association_id` is pimms-lyon unless given."""
    opened = []

    def make(migrations, association_id="pimms-lyon", url=None):
        opened.append(kit.open_storage(migrated_templates, tmp_path, migrations, association_id, url))
        return opened[-1]

    yield make
    for storage in opened:
        storage.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Passwords hashed at argon2id's lowest cost in this process: the real one (19 MiB, two passes, 54 ms a
    hash) took over 30 s of the suite, each stack's accounts and logins paying it again. How passwords are
    really kept is tested at the real cost (`owasp_hashing`: services/gateway/tests/test_accounts.py), and
    the stacks run as processes (make run's, the outage's) hash at it too."""
    if request.node.get_closest_marker("owasp_hashing"):
        return
    import argon2

    from services.gateway import accounts

    monkeypatch.setattr(accounts, "HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def service_config(rabbit_config, tmp_path, migrated_templates):
    """Make a service's config on this test's vhost, with its own SQLite database unless one is given: a
    copy of the run's migrated one, which the service finds at its schema's heads when it starts (alembic
    loading every migration script at each start was 85 ms of each service's start, hundreds of them)."""

    def make(name, **overrides):
        versions = ROOT / "services" / name / "migrations" / "versions"
        database = tmp_path / f"{name}.db"
        if "DB_URL" not in overrides and versions.is_dir() and not database.exists():
            migrated_templates.copy(versions, database)
        config = dict(rabbit_config)
        config.update({
            "DB_URL": f"sqlite:///{tmp_path}/{name}.db",
            "ASSOCIATION_ID": "pimms-test",
            "VISITOR_REF_KEY": "test-visitor-reference-key",
            "PRINCIPAL_KEY": PRINCIPAL_KEY,
            "CONTRACT_ENFORCEMENT": False,  # tests of the franchise rules turn it on
            # no linger after a commit (a service's default is 0.1 s, to batch a busy desk's events): a test
            # waits for each event it causes, and a suite causes thousands
            "OUTBOX": {"relay": True, "batch_size": 100, "poll_interval": 0.1, "linger": 0},
            "EVENT_RETRY": {"max_attempts": 3, "backoff": 0.01},
            "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        })
        config.update(overrides)
        return config

    return make


@pytest.fixture
def web_config(empty_config):
    """nameko's `web_config`, on a port no outgoing connection can take meanwhile (tests/helpers.free_port)."""
    from nameko.constants import WEB_SERVER_CONFIG_KEY

    from tests.helpers import free_port

    empty_config[WEB_SERVER_CONFIG_KEY] = f"127.0.0.1:{free_port()}"
    return empty_config


@pytest.fixture
def web_session(web_config_port):
    """nameko's `web_session`, without werkzeug.urls.url_join (gone from Werkzeug 3): a requests session on
    the test service's web port."""
    from urllib.parse import urljoin

    import requests

    class WebSession(requests.Session):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, urljoin(f"http://127.0.0.1:{web_config_port}/", url), *args, **kwargs)

    with WebSession() as session:
        yield session
