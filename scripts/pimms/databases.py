"""One service's database copied out to a file and put back: SQLite through sqlite3's online backup API,
PostgreSQL through pg_dump and pg_restore. Each copy is consistent in itself, and since a service's
outbox (events not yet sent) and its consumers' applied event ids live in its own database, they are
copied in the same snapshot as the state they belong to.

- SQLite: the online backup API copies the pages of one read snapshot while the service keeps writing (WAL
  mode), and the copy is switched to a self-contained file (no write-ahead log beside it).
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot, pg_dump dumps exactly that snapshot, and
  the manifest's figures (schema revisions, outbox) are read in it too. Restoring empties the schema and
  loads the dump in one transaction (psql --single-transaction): all of it, or nothing changed."""
import shutil
import sqlite3
import subprocess
from pathlib import Path

from scripts.pimms.failures import Failure, Unreachable

FIGURES = {
    "schema_revisions": "SELECT version_num FROM alembic_version ORDER BY version_num",
    "outbox_unsent": "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
    "outbox_events": "SELECT count(*) FROM outbox",
    "applied_events": "SELECT count(*) FROM processed_events",
}


def kind(url):
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres"):
        return "postgresql"
    raise Failure(f"{url}: neither a sqlite:/// nor a postgresql:// URL")


def sqlite_path(url):
    return Path(url.split("///", 1)[1])


def libpq(url):
    """postgresql+pg8000://u@h/db -> postgresql://u@h/db, as pg_dump and psql read it."""
    return "postgresql://" + url.split("://", 1)[1]


def exists(url):
    """Whether there is a database to back up: an SQLite file (a service not run here has none); a
    PostgreSQL URL is taken as there (it fails loudly if not)."""
    return kind(url) == "postgresql" or sqlite_path(url).is_file()


# -- out ------------------------------------------------------------------------------------------------------
def dump(url, target):
    """Copy the database at `url` to the file `target`; returns the figures read in the copied snapshot."""
    if kind(url) == "sqlite":
        return _dump_sqlite(sqlite_path(url), Path(target))
    return _dump_postgresql(url, Path(target))


def _figures(run):
    found = {}
    for name, query in FIGURES.items():
        try:
            rows = run(query)
        except Exception as exc:  # a table this database does not have (not migrated): say so, not fail
            if "alembic_version" in query:
                raise Failure(f"the database has no alembic_version table: was it ever migrated? ({exc})")
            rows = []
        found[name] = [row[0] for row in rows] if name == "schema_revisions" else (rows[0][0] if rows else 0)
    return found


def _dump_sqlite(path, target):
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise Unreachable(f"cannot open {path}: {exc}") from None
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one consistent snapshot, however the service writes meanwhile
        copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one file, no -wal beside it
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise Failure(f"{path} fails SQLite's integrity check ({check}): not backed up")
        return _figures(lambda query: copy.execute(query).fetchall())
    except sqlite3.Error as exc:
        raise Failure(f"cannot copy {path}: {exc}") from None
    finally:
        copy.close()
        source.close()


def _dump_postgresql(url, target):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    engine = create_engine(_driver(url))
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()

            def run(query):
                with conn.begin_nested():
                    return conn.execute(text(query)).all()

            try:
                figures = _figures(run)
            except ProgrammingError as exc:
                raise Failure(f"cannot read {_safe(url)}: {exc.orig}") from None
            done = subprocess.run([tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={target}", f"--dbname={libpq(url)}"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise Failure(f"pg_dump of {_safe(url)} failed: {done.stderr.strip()}")
            return figures
    except OperationalError as exc:
        raise Unreachable(f"cannot reach {_safe(url)}: {exc.orig}") from None
    finally:
        engine.dispose()


# -- back in --------------------------------------------------------------------------------------------------
def load(url, source):
    """Replace the database at `url` by the copy in `source` (whole, or not at all)."""
    if kind(url) == "sqlite":
        _load_sqlite(Path(source), sqlite_path(url))
    else:
        _load_postgresql(Path(source), url)


def _load_sqlite(source, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    incoming = path.with_name(path.name + ".restoring")
    with sqlite3.connect(source) as copy, sqlite3.connect(incoming) as into:
        copy.backup(into)
    into.close()
    copy.close()
    # an old write-ahead log beside the new file would be replayed into it: gone before the file is swapped
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    incoming.replace(path)


def _load_postgresql(source, url):
    """pg_restore's SQL, written whole to a file first (psql would commit a script cut short), then run by
    psql after the schema is emptied, all in psql's one transaction."""
    script = source.with_name(source.name + ".sql")
    done = subprocess.run([tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(source)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"pg_restore cannot read the dump, nothing changed: {done.stderr.strip()}")
    done = subprocess.run([tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1",
                           "-c", "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;", "-f", str(script),
                           f"--dbname={libpq(url)}"], capture_output=True, text=True)
    script.unlink()
    if done.returncode != 0:
        raise Failure(f"restoring {_safe(url)} failed, nothing changed: {done.stderr.strip()[-2000:]}")


def connected_elsewhere(url):
    """Sessions other than ours on a PostgreSQL database: a service still running on it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_driver(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()
    except Exception as exc:
        raise Unreachable(f"cannot reach {_safe(url)}: {exc}") from None
    finally:
        engine.dispose()


def republish_since(url, since):
    """Mark unsent again the outbox's events sent at or after `since`: the relay publishes them again at the
    service's next start, and their consumers skip those they had applied (by event id). Returns how many."""
    from sqlalchemy import create_engine, update

    from shared.tables import outbox

    engine = create_engine(_driver(url))
    try:
        with engine.begin() as conn:
            return conn.execute(update(outbox).where(outbox.c.sent_at >= since).values(sent_at=None)).rowcount
    finally:
        engine.dispose()


def tool(name):
    """The path of a PostgreSQL client program (pg_dump, pg_restore, psql), or a Failure saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise Failure(f"{name} is not installed: it comes with PostgreSQL's client (apt-get install "
                      "postgresql-client, of the server's major version or newer)")
    return found


def _driver(url):
    if kind(url) == "postgresql":
        return "postgresql+pg8000://" + url.split("://", 1)[1]
    return url


def _safe(url):
    from scripts.pimms.settings import without_password

    return without_password(url)
