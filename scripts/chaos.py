"""`make chaos`: stream visits through the local stack on PostgreSQL while killing it piece by piece, then
check that reporting counted every closed visit exactly once.

While clients close at least 10,000 visits at accueil through the real RPC, a chaos thread, in turn:
kills -9 each service (and restarts it), restarts RabbitMQ, and stops PostgreSQL for a while. Clients retry
what failed, as a desk's page would. At the end, once the stack is quiet, every visit closed in accueil's
database is looked for in reporting: the last line is `lost=N duplicated=N`, and the exit status is 0 only
if both are 0. Needs root (to stop PostgreSQL) and a local RabbitMQ and PostgreSQL.
"""
import argparse
import collections
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "chaos"
AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")
PG = os.environ.get("CHAOS_PG", "postgresql+pg8000://postgres@127.0.0.1:5432")
MGMT = "http://127.0.0.1:15672/api"
STACK = [
    ("accueil", "services.accueil.service:AccueilService", 8201),
    ("reporting", "services.reporting.service:ReportingService", 8205),
    ("formation", "services.formation.service:FormationService", 8203),
    ("mediation_sortante", "services.mediation_sortante.service:MediationSortanteService", 8202),
]
TYPED = (InvalidRequest, NotFound, Conflict, ContractViolation)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the stack ----------------------------------------------------------------------------------------------
class Stack:
    def __init__(self):
        self.processes = {}
        self.lock = threading.Lock()

    def db_url(self, name):
        return f"{PG}/chaos_{name}"

    def start(self, name):
        target, port = next((t, p) for n, t, p in STACK if n == name)
        env = dict(os.environ, AMQP_URI=AMQP_URI, CONTRACT_ENFORCEMENT="false", ASSOCIATION_ID="pimms-chaos",
                   **{f"{name.upper()}_DB_URL": self.db_url(name), f"{name.upper()}_WEB_ADDRESS": f"127.0.0.1:{port}"})
        with self.lock:
            self.processes[name] = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "nameko"), "run", "--config", f"services/{name}/config.yaml", target],
                cwd=ROOT, env=env, stdout=open(VAR / f"{name}.log", "ab"), stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self, name):
        with self.lock:
            proc = self.processes[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self):
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def fresh_databases():
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name, _, _ in STACK:
            conn.execute(text(f'DROP DATABASE IF EXISTS "chaos_{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "chaos_{name}"'))
    admin.dispose()


def pg_cluster():
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]
    return version, "main"


def wait_port(port, up=True, timeout=120):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.5)
    raise SystemExit(f"chaos: port {port} still {'down' if up else 'up'} after {timeout}s")


# -- chaos --------------------------------------------------------------------------------------------------
def chaos(stack, stop, interval, rounds_done):
    """Each round: kill -9 every service in turn, restart RabbitMQ, stop PostgreSQL for a while."""
    rounds = 0
    while not stop.is_set():
        for name, _, _ in STACK:
            if stop.wait(interval):
                return rounds
            log(f"chaos: kill -9 {name}")
            stack.kill(name)
            time.sleep(2)
            stack.start(name)
        if stop.wait(interval):
            return rounds
        log("chaos: restarting RabbitMQ")
        subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True)
        time.sleep(5)
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True)
        wait_port(5672)
        if stop.wait(interval):
            return rounds
        version, cluster = pg_cluster()
        log("chaos: stopping PostgreSQL for 15 s")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "stop", "-m", "fast"],
                       check=True, capture_output=True)
        time.sleep(15)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
                       check=True, capture_output=True)
        wait_port(5432)
        rounds += 1
        rounds_done.append(rounds)
    return rounds


# -- the desk's clients -------------------------------------------------------------------------------------
class Client(threading.Thread):
    """Closes visits through the real RPC, retrying whatever failed until it has an answer."""

    def __init__(self, number, enough, closed, day):
        super().__init__(daemon=True)
        self.number, self.enough, self.closed, self.day = number, enough, closed, day
        self.rng = random.Random(number)
        self.retries = 0
        self.proxy = self.rpc = None

    def call(self, method, request):
        while True:
            try:
                if self.rpc is None:
                    self.proxy = ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=15)
                    self.rpc = self.proxy.start()
                return getattr(self.rpc.accueil, method)(request)
            except TYPED:
                raise
            except Exception:  # service killed, broker restarting, database stopped: try again
                self.retries += 1
                self.reconnect()
                time.sleep(0.5)

    def reconnect(self):
        proxy, self.proxy, self.rpc = self.proxy, None, None
        if proxy is not None:
            try:
                proxy.stop()
            except Exception:  # the connection is already gone
                pass

    def run(self):
        i = 0
        while not self.enough.is_set():
            i += 1
            opened = dt.datetime.combine(self.day, dt.time(8), tzinfo=dt.timezone.utc) + dt.timedelta(seconds=i)
            visit = self.call("open_visit", {
                "pimms_id": "chaos-1", "agent_id": f"agent-{self.number}", "opened_at": opened.isoformat(),
                "motif": self.rng.choice([{"kind": "partenaire", "partner": "edf"},
                                          {"kind": "generaliste", "domain": "caf"}])})
            self.call("add_act", {"visit_id": visit["visit_id"], "kind": "information"})
            try:
                self.call("close_visit", {"visit_id": visit["visit_id"], "registres": ["presence"],
                                          "outcome": "resolved", "duration_min": 10,
                                          "closed_at": (opened + dt.timedelta(minutes=10)).isoformat()})
            except Conflict:
                pass  # an earlier try closed it and its answer was lost
            self.closed.append(visit["visit_id"])
        self.reconnect()


# -- the count ----------------------------------------------------------------------------------------------
def settled(stack, timeout=600):
    """Wait until accueil's outbox is empty and reporting's queues are drained and its count steady."""
    accueil = create_engine(stack.db_url("accueil"))
    reporting = create_engine(stack.db_url("reporting"))
    deadline, last, steady_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            with accueil.connect() as conn:
                backlog = conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
            with reporting.connect() as conn:
                applied = conn.execute(text("SELECT count(*) FROM reporting_applied_events")).scalar()
            queues = requests.get(f"{MGMT}/queues/%2F", auth=("guest", "guest"), timeout=10).json()
            waiting = sum(q.get("messages", 0) for q in queues if q["name"].startswith("reporting."))
        except Exception:
            time.sleep(1)
            continue
        if (backlog, applied, waiting) != last:
            last, steady_since = (backlog, applied, waiting), time.monotonic()
        elif backlog == 0 and waiting == 0 and time.monotonic() - steady_since > 10:
            return
        time.sleep(1)
    raise SystemExit(f"chaos: the stack did not settle (backlog, applied, waiting = {last})")


def count(stack):
    accueil = create_engine(stack.db_url("accueil"))
    reporting = create_engine(stack.db_url("reporting"))
    with accueil.connect() as conn:
        closed = {row[0] for row in conn.execute(text("SELECT id FROM visits WHERE status = 'closed'"))}
    with reporting.connect() as conn:
        payloads = conn.execute(text(
            "SELECT payload FROM reporting_applied_events WHERE type = 'accueil.visit_closed'")).scalars()
        applied = collections.Counter(json.loads(p)["visit_id"] for p in payloads)
        counted = conn.execute(text(
            "SELECT coalesce(sum(value), 0) FROM reporting_aggregates WHERE cell = 'visits.total'")).scalar()
    return closed, applied, int(counted)


def dead_letters():
    queues = requests.get(f"{MGMT}/queues/%2F", auth=("guest", "guest"), timeout=10).json()
    return {q["name"]: q.get("messages", 0) for q in queues
            if q["name"].endswith(".dead_letters") or q["name"] == "pimms.unrouted"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="whole chaos rounds at least (0: a calm run)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between two blows")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("chaos: run as root (it stops and starts PostgreSQL)")
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    fresh_databases()
    before = dead_letters()
    stack = Stack()
    for name, _, _ in STACK:
        stack.start(name)
    time.sleep(8)
    stop, enough = threading.Event(), threading.Event()
    rounds = []
    chaos_thread = threading.Thread(target=lambda: chaos(stack, stop, args.interval, rounds), daemon=True)
    closed_by_clients = []
    day = dt.date.today() - dt.timedelta(days=1)
    clients = [Client(n, enough, closed_by_clients, day) for n in range(args.clients)]
    started = time.monotonic()
    try:
        if args.rounds:
            chaos_thread.start()
        for client in clients:
            client.start()
        # clients go on until both enough visits are closed and a whole chaos round has hit them
        while not (len(closed_by_clients) >= args.visits and len(rounds) >= args.rounds):
            time.sleep(5)
            log(f"{len(closed_by_clients)} visits closed")
        enough.set()
        for client in clients:
            client.join()
        stop.set()
        if args.rounds:
            chaos_thread.join()
        log(f"clients done in {time.monotonic() - started:.0f}s ({sum(c.retries for c in clients)} retries), "
            f"{len(rounds)} full chaos rounds; waiting for the stack to settle")
        settled(stack)
        closed, applied, counted = count(stack)
        letters = {k: v - before.get(k, 0) for k, v in dead_letters().items() if v - before.get(k, 0)}
    finally:
        stop.set()
        stack.stop_all()
    missing = closed - set(applied)
    extra = set(applied) - closed
    duplicated = sum(n - 1 for n in applied.values()) + max(0, counted - len(applied)) + len(extra)
    lost = len(missing) + max(0, len(set(applied) & closed) - counted)
    log(f"visits closed in accueil: {len(closed)} (clients saw {len(closed_by_clients)}); "
        f"events applied by reporting: {sum(applied.values())}; visits counted: {counted}")
    if letters:
        log(f"dead letters or unrouted during the run: {letters}")
    print(f"lost={lost} duplicated={duplicated}")
    return 0 if lost == 0 and duplicated == 0 and len(closed) >= args.visits else 1


if __name__ == "__main__":
    sys.exit(main())
