"""Backups and restores (`pimms backup`, `pimms restore`): a running stack is backed up, destroyed and
restored, and afterwards reporting counts exactly what accueil's restored database holds, each event once;
what was unsent at backup time is published at the restart, nothing sent before is (unless asked: then
again, and counted once); the outbox resumes. Then the archive's own checks: a corrupt archive, a schema
newer than the code, a running stack, each refused; a PostgreSQL database through pg_dump and back."""
import json
import shutil
import socket
import sqlite3
import tarfile
from pathlib import Path

import pytest
from kombu import Connection, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from scripts import run_local
from scripts.demo import accueil as demo_day
from scripts.demo import franchise as franchise_demo
from scripts.pimms import main
from shared import topology
from tests.helpers import drain, probe, wait_for

VISITS, UNSENT = 12, 5
BLOCKER = "backup-test.blocker"
# the revision accueil's migrations end at (its last file), which a backup names in its manifest
ACCUEIL_HEAD = max(p.name for p in (Path(__file__).parents[1] / "services/accueil/migrations/versions").glob("accueil_*.py"))[:12]


def free_offset():
    """An offset for the stack's six ports (8100..8105 + offset) that none of them uses now."""
    for offset in range(1700, 9000, 37):
        try:
            for port in range(8100 + offset, 8106 + offset):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return offset
        except OSError:
            continue
    raise RuntimeError("no free ports")


def pimms(*argv):
    import io

    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


class Stack:
    def __init__(self, data, amqp_uri, offset):
        self.data, self.amqp_uri, self.offset, self.process = data, amqp_uri, offset, None

    def start(self):
        self.process = run_local.start_stack(self.data, self.amqp_uri, port_offset=self.offset)
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=30) as rpc:
            run_local.wait_ready(rpc, self.process, data=self.data)

    def stop(self):
        if self.process is not None:
            run_local.stop(self.process)
            self.process = None

    def rpc(self):
        return ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=30)


@pytest.fixture
def stack(rabbit_config, tmp_path, monkeypatch):
    offset = free_offset()
    for name, _, port in run_local.STACK:  # where `pimms restore` looks for services still running
        monkeypatch.setenv(f"{name.upper()}_WEB_ADDRESS", f"127.0.0.1:{port + offset}")
        monkeypatch.delenv(f"{name.upper()}_DB_URL", raising=False)
    running = Stack(tmp_path / "data", rabbit_config["AMQP_URI"], offset)
    yield running
    running.stop()


def visit_figures(rpc):
    """Reporting's exact figures of the demo desk's year, and the visits accueil holds closed."""
    year = str(demo_day.demo_date().year)
    return rpc.reporting.figures("desk", demo_day.PIMMS, year, True)["figures"]


def closed_visits(data):
    with sqlite3.connect(data / "accueil.db") as db:
        return db.execute("SELECT count(*) FROM visits WHERE status = 'closed'").fetchone()[0]


def unsent(data, service="accueil"):
    with sqlite3.connect(data / f"{service}.db") as db:
        return db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]


def counted(rpc, visits, data=None):
    """Reporting's figures once it counts `visits` visits and their workshops (two a demo morning), and, given
    the data folder, every outbox of the stack is empty."""
    from shared.errors import NotFound

    mornings = {VISITS: 1, VISITS + UNSENT: 2, VISITS + UNSENT + 1: 3}[visits]

    def done():
        figures = visit_figures(rpc)
        return figures if (figures["visits"]["total"], figures["workshops"]["sessions"]) == (visits, 2 * mornings) \
            and not (data and any(unsent(data, name) for name, _, _ in run_local.STACK)) else None

    return wait_for(done, timeout=60, message=f"reporting to count {visits} visits", ignoring=(NotFound,))


def block_visit_events(amqp_uri):
    """A queue that refuses every visit_closed: the broker nacks them, so accueil's relay keeps them unsent
    (reporting's queue still receives them: RabbitMQ delivers to the queues that accept)."""
    with Connection(amqp_uri) as conn:
        Queue(BLOCKER, exchange=topology.events_exchange, routing_key="accueil.visit_closed", durable=True,
              queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish"})(conn.channel()).declare()


def unblock(amqp_uri):
    with Connection(amqp_uri) as conn:
        conn.channel().queue_delete(BLOCKER)


def test_a_running_stack_backed_up_destroyed_and_restored_counts_each_visit_once(stack, tmp_path):
    data, archive = stack.data, tmp_path / "stack.tar.gz"

    # given a running stack with a contract and a morning of visits, all counted
    stack.start()
    with stack.rpc() as rpc:
        franchise_demo.play(rpc, demo_day.demo_date())
        run_local.wait_enforced(rpc)
        demo_day.play(rpc, visits=VISITS)
        counted(rpc, VISITS, data)
        # and visits whose events the broker refused to confirm: unsent in accueil's outbox at backup time
        block_visit_events(stack.amqp_uri)
        demo_day.play(rpc, visits=UNSENT, seed=9)
        before = counted(rpc, VISITS + UNSENT)
        assert unsent(data) >= UNSENT

        # when it is backed up while it runs
        status, out, err = pimms("backup", str(archive), "--data-dir", str(data))
        assert (status, err) == (0, ""), err
        assert "backed up reporting, franchise, gateway, accueil, mediation_sortante, formation" in out
        assert visit_figures(rpc) == before

        # a running stack's databases are not overwritten
        status, _, err = pimms("restore", str(archive), "--data-dir", str(data))
        assert status == 1 and "the stack still runs on these databases" in err

    # and destroyed: the services stopped, the data folder gone
    stack.stop()
    shutil.rmtree(data)
    unblock(stack.amqp_uri)
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert {m["service"]: m["outbox_unsent"] for m in manifest["members"]}["accueil"] >= UNSENT

    # then restored without publishing again what was sent, and started
    status, out, err = pimms("restore", str(archive), "--data-dir", str(data), "--republish-hours", "0")
    assert (status, err) == (0, ""), err
    probe(stack.amqp_uri, "accueil.visit_closed")
    stack.start()
    with stack.rpc() as rpc:
        after = counted(rpc, VISITS + UNSENT, data)
        # the figures are those of before, each visit once, equal to what accueil holds
        assert after == before and closed_visits(data) == VISITS + UNSENT
        # only the events unsent at backup time were published: none twice
        published = [body["event_id"] for body, _ in drain(stack.amqp_uri, "probe.accueil.visit_closed")]
        assert len(published) == len(set(published)) == manifest_unsent_visits(archive, tmp_path)
        # and the outbox resumes: a new visit is published and counted
        demo_day.play(rpc, visits=1, seed=10)
        counted(rpc, VISITS + UNSENT + 1, data)
        assert len(drain(stack.amqp_uri, "probe.accueil.visit_closed")) == 1
    stack.stop()

    # restored again, publishing the last day's events again: each reaches its consumers again, counted once
    shutil.rmtree(data)
    status, out, err = pimms("restore", str(archive), "--data-dir", str(data))
    assert status == 0 and "published again" in out
    stack.start()
    with stack.rpc() as rpc:
        assert counted(rpc, VISITS + UNSENT, data) == before
    seen = set()

    def every_visit_published_again():
        seen.update(body["event_id"] for body, _ in drain(stack.amqp_uri, "probe.accueil.visit_closed"))
        return len(seen) == VISITS + UNSENT

    wait_for(every_visit_published_again, timeout=30, message="the day's visit events published again")
    with stack.rpc() as rpc:
        assert visit_figures(rpc) == before


def manifest_unsent_visits(archive, folder):
    """The visit_closed events unsent in accueil's copy inside the archive."""
    with tarfile.open(archive) as tar:
        tar.extract("accueil.sqlite", folder, filter="data")
    with sqlite3.connect(folder / "accueil.sqlite") as db:
        return db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND event_type = "
                          "'accueil.visit_closed'").fetchone()[0]


# -- the archive's own checks, on databases made here ---------------------------------------------------------
@pytest.fixture
def quiet_stack(tmp_path, monkeypatch):
    """Where `pimms` looks for this test's stack: nothing of it runs (its web ports are free ones), its
    databases in tmp_path/data unless a <SERVICE>_DB_URL says otherwise."""
    from tests.helpers import free_port

    for name, _, _ in run_local.STACK:
        monkeypatch.setenv(f"{name.upper()}_WEB_ADDRESS", f"127.0.0.1:{free_port()}")
        monkeypatch.delenv(f"{name.upper()}_DB_URL", raising=False)
    return tmp_path / "data"


def with_outbox(storage, sent, unsent):
    """Rows in a service's outbox: `sent` already sent (a minute ago), `unsent` waiting."""
    import datetime as dt
    import uuid

    from shared.tables import outbox

    now = dt.datetime.now(dt.timezone.utc)
    with storage.engine.begin() as conn:
        for i in range(sent + unsent):
            conn.execute(outbox.insert().values(event_id=str(uuid.uuid4()), event_type="accueil.visit_closed",
                                                body="{}", created_at=now,
                                                sent_at=now - dt.timedelta(minutes=1) if i < sent else None))


def outbox_state(url):
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+pg8000://"))
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*), count(sent_at) FROM outbox")).one()
    engine.dispose()
    return tuple(found)


def rebuilt(archive, target, change):
    """A copy of `archive` whose manifest and members `change(manifest, folder)` altered, packed again."""
    folder = archive.parent / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest, folder)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(target, "w:gz") as tar:
        for path in folder.iterdir():
            tar.add(path, arcname=path.name)
    return target


@pytest.fixture
def backed_up(quiet_stack, migrated_storage, tmp_path):
    from services.accueil.service import MIGRATIONS

    storage = migrated_storage(MIGRATIONS, url=f"sqlite:///{quiet_stack}/accueil.db")
    with_outbox(storage, sent=3, unsent=2)
    storage.dispose()
    assert pimms("backup", str(tmp_path / "b.tar.gz"), "--data-dir", str(quiet_stack))[0] == 0
    with_outbox(storage, sent=1, unsent=0)  # work after the backup
    return quiet_stack, tmp_path / "b.tar.gz"


def test_a_backup_restores_as_it_was_and_publishes_again_what_was_sent_in_the_window(backed_up):
    data, archive = backed_up
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (6, 4)
    status, out, err = pimms("restore", str(archive), "--data-dir", str(data), "--republish-hours", "0")
    assert (status, err) == (0, "") and outbox_state(f"sqlite:///{data}/accueil.db") == (5, 3)
    assert f"accueil              sqlite     schema {ACCUEIL_HEAD}+platform_0003, 2 event(s)" in out
    status, out, _ = pimms("restore", str(archive), "--data-dir", str(data))  # the last 24 hours again
    assert status == 0 and "5 event(s) to publish at its start (3 sent before, published again)" in out
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (5, 0)


def test_a_corrupt_archive_is_refused_and_nothing_is_restored(backed_up):
    data, archive = backed_up
    spoiled = archive.with_name("spoiled.tar.gz")
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    spoiled.write_bytes(bytes(raw))
    status, _, err = pimms("restore", str(spoiled), "--data-dir", str(data))
    assert status == 1 and "corrupt" in err
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (6, 4)


def test_a_member_that_does_not_match_its_sha256_is_refused(backed_up):
    data, archive = backed_up

    def tamper(manifest, folder):
        with sqlite3.connect(folder / "accueil.sqlite") as db:
            db.execute("DELETE FROM outbox")

    status, _, err = pimms("restore", str(rebuilt(archive, archive.with_name("t.tar.gz"), tamper)),
                           "--data-dir", str(data))
    assert status == 1 and "accueil.sqlite does not match its sha256 in the manifest" in err
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (6, 4)


def test_an_archive_of_a_newer_schema_is_refused(backed_up):
    data, archive = backed_up

    def newer(manifest, folder):
        manifest["members"][0]["schema_revisions"] = ["accueil_0099", "platform_0003"]

    status, _, err = pimms("restore", str(rebuilt(archive, archive.with_name("n.tar.gz"), newer)),
                           "--data-dir", str(data))
    assert status == 1
    assert "accueil's database in the archive is at schema accueil_0099, which this code does not know" in err
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (6, 4)


def test_an_archive_that_is_not_a_backup_is_refused(backed_up, tmp_path):
    data, _ = backed_up
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(data / "accueil.db", arcname="accueil.db")
    status, _, err = pimms("restore", str(other), "--data-dir", str(data))
    assert status == 1 and "has no manifest.json: not a pimms backup" in err


@pytest.mark.postgres
def test_a_postgresql_database_goes_through_pg_dump_and_back(quiet_stack, migrated_storage, pg_url, tmp_path,
                                                              monkeypatch):
    from services.accueil.service import MIGRATIONS

    monkeypatch.setenv("ACCUEIL_DB_URL", pg_url)
    storage = migrated_storage(MIGRATIONS, url=pg_url)
    with_outbox(storage, sent=3, unsent=2)
    status, out, err = pimms("backup", str(tmp_path / "pg.tar.gz"), "--data-dir", str(quiet_stack))
    assert (status, err) == (0, "")
    assert f"accueil              postgresql schema {ACCUEIL_HEAD}+platform_0003, 2 event(s) unsent" in out
    with_outbox(storage, sent=4, unsent=0)

    # a service still connected to its database keeps it from being overwritten
    status, _, err = pimms("restore", str(tmp_path / "pg.tar.gz"), "--data-dir", str(quiet_stack))
    assert status == 1 and "session(s) on accueil's database" in err
    storage.dispose()
    status, _, err = pimms("restore", str(tmp_path / "pg.tar.gz"), "--data-dir", str(quiet_stack),
                           "--republish-hours", "0")
    assert (status, err) == (0, "")
    assert outbox_state(pg_url) == (5, 3)


def test_an_archive_of_another_association_is_refused_unless_forced(backed_up, monkeypatch):
    data, archive = backed_up
    monkeypatch.setenv("ASSOCIATION_ID", "pimms-lille")

    def of_lyon(manifest, folder):
        manifest["association_id"] = "pimms-lyon"

    lyon = rebuilt(archive, archive.with_name("lyon.tar.gz"), of_lyon)
    status, _, err = pimms("restore", str(lyon), "--data-dir", str(data))
    assert status == 1 and "the archive is of the association pimms-lyon and this stack serves pimms-lille" in err
    assert outbox_state(f"sqlite:///{data}/accueil.db") == (6, 4)
    assert pimms("restore", str(lyon), "--data-dir", str(data), "--force")[0] == 0
