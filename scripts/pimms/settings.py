"""Where the stack a `pimms` command works on lives: its broker, each service's database and web address.

Read from the environment the services themselves read (`AMQP_URI`, `<SERVICE>_DB_URL`,
`<SERVICE>_WEB_ADDRESS`, `PIMMS_DATA_DIR`), with `make run`'s defaults (scripts/run_local.py) when unset, so
that beside a `make run` no option is needed and in a deployment the same variables the pods get apply."""
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672//"


def stack():
    """[(service, default web port)] in the order `make run` starts them (franchise first)."""
    from scripts.run_local import STACK

    return [(name, port) for name, _, port in STACK]


def services():
    return [name for name, _ in stack()]


def amqp_uri():
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def data_dir():
    return Path(os.environ.get("PIMMS_DATA_DIR") or ROOT / "var" / "data")


def db_url(service, data=None):
    """The service's database: `<SERVICE>_DB_URL`, else its SQLite file in the data folder (`make run`)."""
    return os.environ.get(f"{service.upper()}_DB_URL") or f"sqlite:///{Path(data or data_dir())}/{service}.db"


def health_url(service):
    """`GET /health` on the service's web address (`<SERVICE>_WEB_ADDRESS`, else `make run`'s port)."""
    address = os.environ.get(f"{service.upper()}_WEB_ADDRESS") or f"127.0.0.1:{dict(stack())[service]}"
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "::"):  # listening everywhere: ask it on this machine
        host = "127.0.0.1"
    return f"http://{host}:{port}/health"


def migrations(service):
    return ROOT / "services" / service / "migrations" / "versions"


def without_password(uri):
    """A URI fit to print: its password replaced by ***."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
