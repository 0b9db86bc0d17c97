"""`pimms backup` and `pimms restore`: every service's database of the stack in one archive, and back.

Each database is copied consistently in itself, its outbox and applied event ids with it (databases.py);
the archive (archive.py) says what it holds. The databases are copied consumers first (reporting, then
franchise, gateway, then the services whose events they consume): a consumer's copy is then older than
its producers', so it never holds an event whose producer's copy does not know the change. Events its copy
had not applied yet are in the producers' outboxes (unsent: published at their start) or were sent
shortly before: `restore` marks the events sent in the last `--republish-hours` before the backup unsent
again, and consumers skip those they had applied, by event id. docs/operations.md ("Backups and
restores") says what is recovered, and what is not.

Restore refuses a corrupt archive, one whose schema is newer than this code (a revision its migrations do
not know), and a stack that still runs on its databases, unless --force."""
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from scripts.pimms import archive, databases, settings
from scripts.pimms.failures import Failure

# consumers first: see the module's docstring
ORDER = ("reporting", "franchise", "gateway", "accueil", "mediation_sortante", "formation")
SECRETS = "secrets.json"
REPUBLISH_HOURS = 24.0


def add_commands(commands):
    backup = commands.add_parser("backup", help="back every database of the stack up into one archive",
                                 description="Copy every service's database of the stack (SQLite's online "
                                             "backup, pg_dump for PostgreSQL), its outbox and consumer state "
                                             "included, into one tar.gz with a manifest; the stack keeps "
                                             "running. The archive holds personal data and the stack's keys: "
                                             "keep it as such (docs/operations.md).")
    backup.add_argument("archive", nargs="?", metavar="ARCHIVE",
                        help="the file to write (default: pimms-backup-<UTC time>.tar.gz here)")
    backup.add_argument("--data-dir", type=Path, default=None,
                        help="the local stack's data folder (default: $PIMMS_DATA_DIR, else var/data)")
    backup.set_defaults(run=make_backup)

    restore = commands.add_parser("restore", help="put the stack's databases back from an archive",
                                  description="Check an archive made by `pimms backup` and put every database "
                                              "it holds back, replacing the stack's. Stop the stack first. At "
                                              "the next start each service migrates its database to this "
                                              "code's schema and its outbox resumes.")
    restore.add_argument("archive", metavar="ARCHIVE", help="an archive made by `pimms backup`")
    restore.add_argument("--data-dir", type=Path, default=None,
                         help="the local stack's data folder (default: $PIMMS_DATA_DIR, else var/data)")
    restore.add_argument("--force", action="store_true",
                         help="restore even though services seem to run on these databases, or the archive is "
                              "another association's")
    restore.add_argument("--republish-hours", type=float, default=REPUBLISH_HOURS, metavar="HOURS",
                         help="events sent in these hours before the backup are published again, for the "
                              f"consumers whose copy had not applied them (default {REPUBLISH_HOURS:g}; 0: none)")
    restore.add_argument("--check", action="store_true", help="only check the archive; restore nothing")
    restore.set_defaults(run=restore_backup)


def now():
    return dt.datetime.now(dt.timezone.utc)


# -- backup ---------------------------------------------------------------------------------------------------
def make_backup(args, out):
    data = args.data_dir or settings.data_dir()
    started = now()
    target = Path(args.archive or f"pimms-backup-{started:%Y%m%dT%H%M%SZ}.tar.gz")
    if not target.parent.is_dir():
        raise Failure(f"no folder {target.parent} to write the archive in")
    targets = [(service, settings.db_url(service, data)) for service in ORDER if service in settings.services()]
    present = [(service, url) for service, url in targets if databases.exists(url)]
    if not present:
        raise Failure(f"no database found (looked in {data} and the <SERVICE>_DB_URL variables)")
    with tempfile.TemporaryDirectory(prefix="pimms-backup-") as folder:
        members = []
        for service, url in present:
            kind = databases.kind(url)
            file = f"{service}.{'sqlite' if kind == 'sqlite' else 'pgdump'}"
            taken_at = now()
            figures = databases.dump(url, Path(folder) / file)
            members.append({"service": service, "kind": kind, "file": file, "taken_at": taken_at.isoformat(),
                            **figures})
        extras = []
        if (Path(data) / SECRETS).is_file():  # without them, visitor references would change after a restore
            shutil.copy(Path(data) / SECRETS, Path(folder) / SECRETS)
            extras.append({"file": SECRETS, "sha256": archive.sha256(Path(folder) / SECRETS),
                           "bytes": (Path(folder) / SECRETS).stat().st_size})
        try:
            manifest = archive.write(target, folder, {
                "started_at": started.isoformat(), "finished_at": now().isoformat(),
                "association_id": os.environ.get("ASSOCIATION_ID"), "members": members, "extras": extras})
        except OSError as exc:
            raise Failure(f"cannot write {target}: {exc}") from None
    skipped = sorted(set(dict(targets)) - set(dict(present)))
    out.answer(manifest, f"backed up {', '.join(m['service'] for m in members)} into {target}"
                         + (f" (no database for {', '.join(skipped)}: not part of this stack)" if skipped else "")
                         + "".join(f"\n  {m['service']:<20} {m['kind']:<10} schema {'+'.join(m['schema_revisions'])}"
                                   f", {m['outbox_unsent']} event(s) unsent" for m in members))


# -- restore --------------------------------------------------------------------------------------------------
def restore_backup(args, out):
    data = args.data_dir or settings.data_dir()
    with tempfile.TemporaryDirectory(prefix="pimms-restore-") as folder:
        manifest = archive.read(args.archive, folder)
        here, there = os.environ.get("ASSOCIATION_ID"), manifest.get("association_id")
        if here and there and here != there and not args.force:
            raise Failure(f"the archive is of the association {there} and this stack serves {here} "
                          "(ASSOCIATION_ID); give --force if that is what you mean; nothing was restored")
        plan = []
        for member in manifest["members"]:
            service = member["service"]
            if service not in settings.services():
                raise Failure(f"the archive holds a database of {service!r}, a service this code does not have")
            unknown = unknown_revisions(service, member["schema_revisions"])
            if unknown:
                raise Failure(f"{service}'s database in the archive is at schema {', '.join(unknown)}, which "
                              "this code does not know: it was made by a newer release; restore it with that "
                              "release (nothing was restored)")
            url = settings.db_url(service, data)
            if databases.kind(url) != member["kind"]:
                raise Failure(f"{service}: the archive holds a {member['kind']} database and this stack's is "
                              f"{databases.kind(url)} ({settings.without_password(url)}); nothing was restored")
            plan.append((member, url))
        if args.check:
            out.answer(manifest, f"{args.archive}: a sound archive of {len(plan)} database(s) made at "
                                 f"{manifest['started_at']}")
            return
        if not args.force:
            running = still_running(data, [(m["service"], url) for m, url in plan])
            if running:
                raise Failure("the stack still runs on these databases (" + "; ".join(running) + "): stop it "
                              "first, or give --force if you know they are not in use; nothing was restored")
        since = dt.datetime.fromisoformat(manifest["started_at"]) - dt.timedelta(hours=args.republish_hours)
        lines = []
        for member, url in plan:
            databases.load(url, Path(folder) / member["file"])
            again = databases.republish_since(url, since) if args.republish_hours > 0 else 0
            lines.append(f"  {member['service']:<20} {member['kind']:<10} schema "
                         f"{'+'.join(member['schema_revisions'])}, {member['outbox_unsent'] + again} event(s) "
                         f"to publish at its start ({again} sent before, published again)")
        for extra in manifest.get("extras", []):
            if extra["file"] == SECRETS:
                _put_secrets(Path(folder) / SECRETS, Path(data) / SECRETS)
    out.answer(manifest, f"restored {len(plan)} database(s) from {args.archive}, as they were at "
                         f"{manifest['started_at']}: anything recorded after that is not in them\n" + "\n".join(lines))


def migration_scripts(service):
    """This code's migrations of a service's database: the platform's and the service's (as shared.db.migrate
    runs them)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from shared.db import PLATFORM_MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(PLATFORM_MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(
        [str(PLATFORM_MIGRATIONS / "versions"), str(settings.migrations(service))]))
    return ScriptDirectory.from_config(config)


def unknown_revisions(service, revisions):
    """The revisions this code's migrations do not know: a database made by a newer release."""
    from alembic.util import CommandError

    scripts = migration_scripts(service)
    unknown = []
    for revision in revisions:
        try:
            if scripts.get_revision(revision) is None:
                unknown.append(revision)
        except CommandError:
            unknown.append(revision)
    return unknown


def still_running(data, targets):
    """What shows that services still use these databases: a process of the local stack alive, a service
    answering its health, a session on a PostgreSQL database."""
    import requests

    found = []
    for service, url in targets:
        pid_file = Path(data) / "logs" / f"{service}.pid"
        if pid_file.is_file():
            try:
                os.kill(int(pid_file.read_text()), 0)
                found.append(f"{service} runs as process {pid_file.read_text().strip()}")
                continue
            except PermissionError:  # alive, another user's
                found.append(f"{service} runs as process {pid_file.read_text().strip()}")
                continue
            except (ValueError, ProcessLookupError):
                pass
        try:
            requests.get(settings.health_url(service), timeout=2)
            found.append(f"{service} answers at {settings.health_url(service)}")
            continue
        except requests.RequestException:
            pass
        if databases.kind(url) == "postgresql":
            sessions = databases.connected_elsewhere(url)
            if sessions:
                found.append(f"{sessions} session(s) on {service}'s database")
    return found


def _put_secrets(source, target):
    """The stack's keys back beside its data; ones already there and different are kept aside, not lost."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and json.loads(target.read_text()) != json.loads(source.read_text()):
        target.replace(target.with_name(f"{SECRETS}.before-restore-{int(time.time())}"))
    fd = os.open(target.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(source.read_bytes())
    os.replace(target.with_suffix(".tmp"), target)
    os.chmod(target, 0o600)
