"""`make chaos`: desks recording visits through the gateway's HTTP API while the stack is broken piece by
piece, then three numbers per desk compared: what the clients were told, what accueil stored, what
reporting counted.

The stack is the one `make run` starts (scripts/stack.py: every service in its own process, supervised),
here on the local PostgreSQL, its own RabbitMQ vhost and its own ports. Desk clients log in as agents of
two desks and record visits as the API is meant to be used: open with the first acts, then close, each
POST with its own `Idempotency-Key`, sent again with the same key after a timeout, a refused connection or
a 503, until an answer says yes (2xx) or no (4xx). A visit counts as recorded for a client when its close
was answered 2xx: that is what the desk was told.

Meanwhile a chaos thread, round after round: kills -9 every service in turn (the stack's supervisor starts
it again: the harness never does), stops RabbitMQ for 30 s, stops PostgreSQL for 15 s. Once the clients are
done and the stack has settled, for each desk:
- told: visits whose close the clients were told succeeded;
- stored: visits accueil holds as closed;
- counted: visits reporting counted (its aggregates) and the visit_closed events it applied, per visit.
A visit told but not stored or not counted is lost; stored or counted more than told (or counted twice)
is duplicated. The last line is `lost=N duplicated=N`; the exit status is 0 only if both are 0 and at
least `--visits` visits were recorded. Needs root (to stop RabbitMQ and PostgreSQL)."""
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
import uuid
from pathlib import Path

import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from scripts import run_local
from scripts.demo import franchise as franchise_demo

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "chaos"
BROKER = os.environ.get("CHAOS_BROKER", "127.0.0.1:5672")
VHOST = "chaos"
AMQP_URI = f"pyamqp://guest:guest@{BROKER}/{VHOST}"
MGMT = "http://127.0.0.1:15672/api"
PG = os.environ.get("CHAOS_PG", "postgresql://postgres@127.0.0.1:5432")
PORTS = 200  # the stack's HTTP ports: its usual ones plus this (gateway on 8300)
DESKS = ("lyon-8", "lyon-9")  # the demo contract's two desks
ASSOCIATION = "pimms-lyon"
PASSWORD = "chaos-agent-password"
BROKER_DOWN_S, DATABASE_DOWN_S = 30, 15


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def gateway(path):
    return f"http://127.0.0.1:{8100 + PORTS}{path}"


# -- the stack ----------------------------------------------------------------------------------------------
def fresh_vhost():
    auth = ("guest", "guest")
    requests.delete(f"{MGMT}/vhosts/{VHOST}", auth=auth, timeout=30)
    requests.put(f"{MGMT}/vhosts/{VHOST}", auth=auth, timeout=30).raise_for_status()
    requests.put(f"{MGMT}/permissions/{VHOST}/guest", auth=auth, timeout=30,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()


def db_url(name):
    return f"{PG}/chaos_{name}"


def fresh_databases():
    admin = create_engine(f"{PG.replace('postgresql://', 'postgresql+pg8000://')}/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name, _, _ in run_local.STACK:
            conn.execute(text(f'DROP DATABASE IF EXISTS "chaos_{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "chaos_{name}"'))
    admin.dispose()


def start():
    env = {f"{name.upper()}_DB_URL": db_url(name) for name, _, _ in run_local.STACK}
    env.update(ASSOCIATION_ID=ASSOCIATION, GATEWAY_RPC_TIMEOUT_SECONDS="10")
    return run_local.start_stack(VAR, AMQP_URI, port_offset=PORTS, **env)


def prepare(stack):
    """The contract that covers the desks, then one agent account per client."""
    with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as rpc:
        run_local.wait_ready(rpc, stack, timeout=120, data=VAR)
        franchise_demo.play(rpc, dt.date.today())  # registers the association and its desks, signs the contract
        run_local.wait_enforced(rpc)


def create_agents(count):
    agents = []
    with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as rpc:
        for n in range(count):
            desk = DESKS[n % len(DESKS)]
            login = f"chaos.agent{n}"
            rpc.gateway.create_account({"login": login, "role": "agent", "association_id": ASSOCIATION,
                                        "pimms_id": desk, "agent_id": f"agent-chaos-{n}", "password": PASSWORD})
            agents.append((login, desk))
    return agents


def pg_cluster():
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])[-1]
    return version, "main"


def wait_port(port, timeout=120):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"chaos: port {port} still closed after {timeout}s")


# -- chaos --------------------------------------------------------------------------------------------------
def chaos(stop, interval, rounds_done):
    """Each round: kill -9 every service in turn, stop RabbitMQ for 30 s, stop PostgreSQL for 15 s. The
    stack's own supervisor restarts what was killed; nothing here starts anything but the broker and the
    database it stopped, as their own supervisor would."""
    rounds = 0
    while not stop.is_set():
        for name, _, _ in run_local.STACK:
            if stop.wait(interval):
                return
            pid = run_local.pid_of(VAR, name)
            log(f"chaos: kill -9 {name} (pid {pid})")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                log(f"chaos: {name} was not running")
        if stop.wait(interval):
            return
        log(f"chaos: RabbitMQ stopped for {BROKER_DOWN_S} s")
        subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True)
        time.sleep(BROKER_DOWN_S)
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True)
        wait_port(5672)
        if stop.wait(interval):
            return
        version, cluster = pg_cluster()
        log(f"chaos: PostgreSQL stopped for {DATABASE_DOWN_S} s")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "stop", "-m", "fast"],
                       check=True, capture_output=True)
        time.sleep(DATABASE_DOWN_S)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
                       check=True, capture_output=True)
        wait_port(5432)
        rounds += 1
        rounds_done.append(rounds)
        log(f"chaos: round {rounds} done")


# -- the desks' clients -------------------------------------------------------------------------------------
class Refused(Exception):
    """The API said no (4xx): the client does not send that request again."""


class Client(threading.Thread):
    """An agent at a desk recording visits through the API, sending each request again with its key until
    it is answered, as a desk's software should."""

    def __init__(self, login, desk, enough, seed):
        super().__init__(daemon=True)
        self.login, self.desk, self.enough = login, desk, enough
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.told_closed = []  # visit ids whose close was answered 2xx
        self.retries = 0
        self.refusals = collections.Counter()

    def send(self, path, body, key=None):
        pause = 0.5
        while True:
            headers = {} if key is None else {"Idempotency-Key": key}
            try:
                answer = self.session.post(gateway(path), json=body, headers=headers, timeout=15)
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code < 300:
                return answer.json()
            if answer is not None and answer.status_code == 401 and path != "/api/login":
                self.log_in()  # only if the account's session was lost
                continue
            if answer is not None and 400 <= answer.status_code < 500 and answer.status_code != 429:
                raise Refused(f"{answer.status_code} {answer.text[:200]}")
            self.retries += 1  # no answer, 5xx: the same request again, with the same key
            time.sleep(pause)
            pause = min(pause * 2, 5)

    def log_in(self):
        token = self.send("/api/login", {"login": self.login, "password": PASSWORD})["token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def run(self):
        self.log_in()
        while not self.enough.is_set():
            motif = self.rng.choice([{"kind": "partenaire", "partner": "edf"}, {"kind": "generaliste", "domain": "caf"},
                                     {"kind": "partenaire", "partner": "sncf"}])
            acts = [{"kind": kind} for kind in self.rng.sample(["information", "advice", "letter", "online_help"],
                                                               self.rng.randint(1, 2))]
            try:
                visit = self.send("/api/visits", {"motif": motif, "acts": acts}, key=str(uuid.uuid4()))
                self.send(f"/api/visits/{visit['visit_id']}/close",
                          {"registres": ["understanding"], "outcome": "resolved", "duration_min": 10},
                          key=str(uuid.uuid4()))
            except Refused as exc:
                self.refusals[str(exc)[:60]] += 1
                continue
            self.told_closed.append(visit["visit_id"])


# -- the count ----------------------------------------------------------------------------------------------
def engine(name):
    return create_engine(db_url(name).replace("postgresql://", "postgresql+pg8000://"))


def settled(timeout=900, engine_of=None, queues_url=f"{MGMT}/queues/{VHOST}", name="chaos"):
    """Wait until accueil's outbox is sent, reporting's queues are empty and its count holds still.
    `engine_of(service)`: its database (this run's PostgreSQL ones unless given); `queues_url`: the
    management API's list of the stack's queues."""
    engine_of = engine_of or engine
    accueil, reporting = engine_of("accueil"), engine_of("reporting")
    deadline, last, steady_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            with accueil.connect() as conn:
                backlog = conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
            with reporting.connect() as conn:
                applied = conn.execute(text("SELECT count(*) FROM reporting_applied_events")).scalar()
            queues = requests.get(queues_url, auth=("guest", "guest"), timeout=10).json()
            waiting = sum(q.get("messages", 0) for q in queues if q["name"].startswith("reporting."))
        except Exception:
            time.sleep(1)
            continue
        if (backlog, applied, waiting) != last:
            last, steady_since = (backlog, applied, waiting), time.monotonic()
        elif backlog == 0 and waiting == 0 and time.monotonic() - steady_since > 15:
            return
        time.sleep(1)
    raise SystemExit(f"{name}: the stack did not settle (backlog, applied, waiting = {last})")


def count(engine_of=None):
    """Per desk: the visits accueil holds as closed, reporting's applied events per visit, and its total.
    `engine_of(service)`: its database (this run's PostgreSQL ones unless given)."""
    engine_of = engine_of or engine
    with engine_of("accueil").connect() as conn:
        stored = collections.defaultdict(set)
        for visit_id, desk in conn.execute(text("SELECT id, pimms_id FROM visits WHERE status = 'closed'")):
            stored[desk].add(visit_id)
    with engine_of("reporting").connect() as conn:
        applied = collections.defaultdict(collections.Counter)
        for pimms_id, payload in conn.execute(text(
                "SELECT pimms_id, payload FROM reporting_applied_events WHERE type = 'accueil.visit_closed'")):
            applied[pimms_id][json.loads(payload)["visit_id"]] += 1
        counted = dict(conn.execute(text(
            "SELECT pimms_id, coalesce(sum(value), 0) FROM reporting_aggregates WHERE cell = 'visits.total' "
            "GROUP BY pimms_id")).all())
    return stored, applied, counted


def compare(told, stored, applied, counted):
    """lost and duplicated per desk, against what the clients were told."""
    result = {}
    for desk in sorted(set(told) | set(stored) | set(applied) | set(counted)):
        t, s, a, c = told.get(desk, set()), stored.get(desk, set()), applied.get(desk, {}), int(counted.get(desk, 0))
        lost = len(t - s) + len(t - set(a)) + max(0, len(t) - c)
        duplicated = len(s - t) + len(set(a) - t) + sum(n - 1 for n in a.values()) + max(0, c - len(t))
        result[desk] = {"told": len(t), "stored": len(s), "counted": c, "events": sum(a.values()),
                        "lost": lost, "duplicated": duplicated}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=10000, help="visits the clients must be told recorded")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1, help="whole chaos rounds at least (0: a calm run)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between two blows")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("chaos: run as root (it stops and starts RabbitMQ and PostgreSQL)")
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    fresh_vhost()
    fresh_databases()
    stack = start()
    stop, enough = threading.Event(), threading.Event()
    rounds, clients = [], []
    started = time.monotonic()
    try:
        prepare(stack)
        agents = create_agents(args.clients)
        chaos_thread = threading.Thread(target=chaos, args=(stop, args.interval, rounds), daemon=True)
        clients = [Client(login, desk, enough, n) for n, (login, desk) in enumerate(agents)]
        for client in clients:
            client.start()
        if args.rounds:
            chaos_thread.start()
        while not (sum(len(c.told_closed) for c in clients) >= args.visits and len(rounds) >= args.rounds):
            time.sleep(10)
            log(f"{sum(len(c.told_closed) for c in clients)} visits recorded, {len(rounds)} chaos rounds, "
                f"{sum(c.retries for c in clients)} retries")
        enough.set()
        for client in clients:
            client.join()
        stop.set()
        if args.rounds:
            chaos_thread.join()
        log(f"clients done in {time.monotonic() - started:.0f}s ({sum(c.retries for c in clients)} requests sent "
            f"again), {len(rounds)} full chaos rounds; waiting for the stack to settle")
        settled()
        told = collections.defaultdict(set)
        for client in clients:
            told[client.desk].update(client.told_closed)
        result = compare(told, *count())
        restarts = json.loads((run_local.logs(VAR) / "restarts.json").read_text()) \
            if (run_local.logs(VAR) / "restarts.json").exists() else {"restarts": {}}
        alive = stack.poll() is None
    finally:
        stop.set()
        run_local.stop(stack)
    refusals = sum((c.refusals for c in clients), collections.Counter())
    for desk, row in result.items():
        log(f"desk {desk}: told {row['told']}, stored closed {row['stored']}, counted by reporting {row['counted']} "
            f"({row['events']} events applied): lost {row['lost']}, duplicated {row['duplicated']}")
    log(f"the supervisor restarted: {restarts['restarts']}; the stack was {'up' if alive else 'DOWN'} at the end")
    if refusals:
        log(f"requests refused (4xx, not sent again): {dict(refusals)}")
    lost = sum(row["lost"] for row in result.values())
    duplicated = sum(row["duplicated"] for row in result.values())
    recorded = sum(row["told"] for row in result.values())
    print(f"lost={lost} duplicated={duplicated}")
    return 0 if lost == 0 and duplicated == 0 and recorded >= args.visits and alive else 1


if __name__ == "__main__":
    sys.exit(main())
