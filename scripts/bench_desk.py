"""The desk's side of `make bench`: what an agent waits for, through the gateway's JSON API, as ratios to the
framework's floor measured in the same run.

Floor: a bare nameko @http entrypoint making one RPC to a bare nameko service doing no I/O
(scripts/bench_services.py), each its own process, asked by 1 and by 8 concurrent clients. Desk: the local
stack of `make run` (every service, forked by scripts/stack.py, on SQLite, the franchise contract signed and
enforced), its agents logged in once, each then recording visits as a desk does: open with its acts (one
request), close (a second). Also the day's list of a desk with 200 visits, and the desk page with its session
cookie, as the browser gets it. Rounds are interleaved (floor, then desk), and each ratio taken within one.
"""
import datetime as dt
import statistics
import threading
import time
import uuid
from pathlib import Path

import requests

from scripts.bench import stop, wait_until

ROOT = Path(__file__).resolve().parents[1]

FLOOR_PORT, STACK_PORT_OFFSET = 8390, 400
PASSWORD = "banc-d-essai-du-guichet-2026"
LIST_DESK = "lyon-9"  # the desk whose day holds LIST_VISITS visits; the cycles run at lyon-8
LIST_VISITS = 200


# -- the load: clients in threads, each with its own keep-alive connection ----------------------------------
class Load:
    """`clients` threads, each calling work(session, client) `per_client` times after `warmup` untimed
    calls; the duration of each call, and the wall time from the first timed call to the last."""

    def __init__(self, sessions, work, per_client, warmup=5):
        self.sessions, self.work, self.per_client, self.warmup = sessions, work, per_client, warmup
        self.durations, self.failures = [], []
        self.lock = threading.Lock()

    def run(self):
        ready = threading.Barrier(len(self.sessions) + 1)
        threads = [threading.Thread(target=self._client, args=(number, session, ready), daemon=True)
                   for number, session in enumerate(self.sessions)]
        for thread in threads:
            thread.start()
        ready.wait()  # every client warmed up: the clock starts for all at once
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        self.seconds = time.perf_counter() - started
        if self.failures:
            raise SystemExit(f"bench: {len(self.failures)} requests failed, first: {self.failures[0]}")
        return self

    def _client(self, number, session, ready):
        try:
            for _ in range(self.warmup):
                self.work(session, number)
        except Exception as exc:  # noqa: BLE001 - reported once every client is done
            self.failures.append(repr(exc))
        ready.wait()
        mine = []
        for _ in range(self.per_client):
            started = time.perf_counter()
            try:
                self.work(session, number)
            except Exception as exc:  # noqa: BLE001
                self.failures.append(repr(exc))
                return
            mine.append(time.perf_counter() - started)
        with self.lock:
            self.durations.extend(mine)

    def p(self, percent):
        """The percentile in ms (statistics' exclusive method; p99 of 400 calls is between the 4th and 5th
        slowest)."""
        return statistics.quantiles(self.durations, n=100)[percent - 1] * 1000

    def rate(self):
        return len(self.durations) / self.seconds


def ok(answer):
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.request.method} {answer.request.path_url}: {answer.status_code} "
                           f"{answer.text[:200]}")
    return answer


# -- the floor ----------------------------------------------------------------------------------------------
def start_floor(var, amqp_uri, spawn):
    config = var / "floor.yaml"
    config.write_text(f"AMQP_URI: '{amqp_uri}'\nWEB_SERVER_ADDRESS: '127.0.0.1:{FLOOR_PORT}'\n")
    nameko = str(ROOT / ".venv" / "bin" / "nameko")
    procs = [spawn([nameko, "run", "--config", str(config), f"scripts.bench_services:{name}"],
                   log=var / f"floor-{name}.log") for name in ("BareBack", "BareFront")]
    def answers():
        try:
            return requests.get(f"http://127.0.0.1:{FLOOR_PORT}/floor?v=up", timeout=5).status_code == 200
        except requests.RequestException:
            return False
    wait_until(answers, 60, f"the floor (see {var}/floor-*.log)")
    return procs


def stop_floor(procs):
    for proc in procs:
        stop(proc)


def floor_load(clients, per_client):
    def work(session, number):
        ok(session.get(f"http://127.0.0.1:{FLOOR_PORT}/floor?v={number}", timeout=30))
    return Load([requests.Session() for _ in range(clients)], work, per_client, warmup=20).run()


# -- the desk -----------------------------------------------------------------------------------------------
class Desk:
    """The local stack with its agents: `clients` agents at lyon-8 and one at LIST_DESK."""

    def __init__(self, var, amqp_uri, clients, **env):
        from scripts import run_local

        self.run_local, self.var = run_local, var
        self.base = f"http://127.0.0.1:{8100 + STACK_PORT_OFFSET}"
        self.stack = run_local.start_stack(var, amqp_uri, port_offset=STACK_PORT_OFFSET, **env)
        self.amqp_uri, self.clients = amqp_uri, clients

    def prepare(self):
        from nameko.standalone.rpc import ClusterRpcProxy

        from scripts.demo import franchise as franchise_demo

        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=30) as rpc:
            self.run_local.wait_ready(rpc, self.stack, data=self.var)
            franchise_demo.play(rpc, dt.date.today())  # the contract: accueil checks every visit against it
            self.run_local.wait_enforced(rpc)
            association = franchise_demo.association_id()
            logins = [(f"bench.agent{n}", "lyon-8") for n in range(self.clients)] + [("bench.list", LIST_DESK)]
            for login, desk in logins:
                rpc.gateway.create_account({"login": login, "role": "agent", "association_id": association,
                                            "pimms_id": desk, "agent_id": login.replace(".", "-"),
                                            "password": PASSWORD})
        self.agents = [self.session(f"bench.agent{n}") for n in range(self.clients)]
        self.list_agent = self.session("bench.list")
        for _ in range(LIST_VISITS):  # the day of the listed desk: 200 visits, through the API as a desk does
            self.cycle(self.list_agent, 0)
        return self

    def session(self, login):
        session = requests.Session()
        token = ok(session.post(f"{self.base}/api/login", json={"login": login, "password": PASSWORD},
                                timeout=30)).json()["token"]
        session.headers["Authorization"] = f"Bearer {token}"
        session.cookies.set("pimms_session", token, path="/")  # the browser's session, for the desk page
        return session

    def cycle(self, session, number):
        """A visit: opened with its acts (one request), then closed (a second), each with its own key."""
        visit = ok(session.post(f"{self.base}/api/visits", timeout=30, headers={"Idempotency-Key": str(uuid.uuid4())},
                                json={"motif": {"kind": "partenaire", "partner": "edf"},
                                      "acts": [{"kind": "information"}, {"kind": "advice"}]})).json()
        ok(session.post(f"{self.base}/api/visits/{visit['visit_id']}/close", timeout=30,
                        headers={"Idempotency-Key": str(uuid.uuid4())},
                        json={"registres": ["understanding"], "outcome": "resolved", "duration_min": 10}))

    def visits(self, clients, per_client):
        return Load(self.agents[:clients], self.cycle, per_client).run()

    def day_list(self, times):
        from zoneinfo import ZoneInfo

        day = {"day": dt.datetime.now(ZoneInfo("Europe/Paris")).date().isoformat(), "limit": 1000}

        def work(session, number):
            listed = ok(session.get(f"{self.base}/api/visits", params=day, timeout=30)).json()
            if len(listed) < LIST_VISITS:
                raise RuntimeError(f"the day's list holds {len(listed)} visits, not {LIST_VISITS}")
        return Load([self.list_agent], work, times).run()

    def desk_page(self, times):
        def work(session, number):
            page = ok(session.get(f"{self.base}/desk", timeout=30, headers={"Authorization": None}))
            if "text/html" not in page.headers.get("Content-Type", ""):
                raise RuntimeError("the desk page is not HTML")
        return Load([self.list_agent], work, times).run()

    def stop(self):
        self.run_local.stop(self.stack)


# -- one round, and the targets -----------------------------------------------------------------------------
def one_round(desk, clients, cycles, report):
    """Floor then desk, seconds apart; returns the round's ratios."""
    floor1, floor8 = floor_load(1, cycles), floor_load(clients, max(cycles // 2, 20))
    report("floor: @http -> one RPC, 1 client, p50", floor1.p(50), "ms")
    report("floor: 1 client, p99", floor1.p(99), "ms")
    report(f"floor: {clients} clients, p99", floor8.p(99), "ms")
    report("floor: 1 client", floor1.rate(), "req/s")
    report(f"floor: {clients} clients", floor8.rate(), "req/s")
    one = desk.visits(1, cycles // 2)
    many = desk.visits(clients, max(cycles // 8, 10))
    listed, page = desk.day_list(max(cycles // 4, 20)), desk.desk_page(max(cycles // 4, 20))
    per_request = 2  # a visit cycle is two HTTP requests: each is held to the floor's one round trip
    report("desk: visit cycle (open with acts, close), 1 client, p50", one.p(50), "ms",
           per_request * floor1.p(50), "2x floor")
    report("desk: visit cycle, 1 client, p99", one.p(99), "ms")
    report(f"desk: visit cycle, {clients} clients, p50", many.p(50), "ms")
    report(f"desk: visit cycle, {clients} clients, p99", many.p(99), "ms", per_request * floor8.p(99),
           "2x floor p99")
    report("desk: visits, 1 client", one.rate(), "visits/s")
    report(f"desk: visits, {clients} clients", many.rate(), "visits/s")
    report(f"desk: day's list of {LIST_VISITS} visits, p50", listed.p(50), "ms", floor1.p(50), "floor")
    report("desk: desk page (browser, cookie), p50", page.p(50), "ms", floor1.p(50), "floor")
    floor_scaling, desk_scaling = floor8.rate() / floor1.rate(), many.rate() / one.rate()
    print(f"{'desk: scaling, visits/s at ' + str(clients) + ' over at 1':<44} {desk_scaling:>12.2f}"
          f"   floor's {floor_scaling:.2f}, x{desk_scaling / floor_scaling:5.2f}", flush=True)
    return {
        "desk_visit_vs_floor": one.p(50) / (per_request * floor1.p(50)),
        "desk_visit_p99_vs_floor": many.p(99) / (per_request * floor8.p(99)),
        "desk_list_vs_floor": listed.p(50) / floor1.p(50),
        "desk_page_vs_floor": page.p(50) / floor1.p(50),
        "desk_scaling_vs_floor": desk_scaling / floor_scaling,
    }


TARGETS = {  # name: (the bound, True when the figure must stay at or under it)
    "desk_visit_vs_floor": (3.0, True), "desk_visit_p99_vs_floor": (3.0, True), "desk_list_vs_floor": (3.0, True),
    "desk_scaling_vs_floor": (0.9, False),
}


def run(var, new_vhost, spawn, report, rounds=3, clients=8, cycles=200):
    """Every round's figures, printed; returns the medians of the rounds' ratios."""
    var.mkdir(parents=True, exist_ok=True)
    with new_vhost() as floor_vhost, new_vhost() as desk_vhost:
        floor_procs = start_floor(var, floor_vhost.uri, spawn)
        desk = Desk(var / "desk", desk_vhost.uri, clients)
        try:
            desk.prepare()
            results = []
            for number in range(1, rounds + 1):
                print(f"-- desk round {number} of {rounds}", flush=True)
                results.append(one_round(desk, clients, cycles, report))
        finally:
            desk.stop()
            stop_floor(floor_procs)
    medians = {name: statistics.median(r[name] for r in results) for name in results[0]}
    print(f"-- desk, medians of {rounds} rounds: " + ", ".join(
        f"{name} {value:.2f} ({' '.join(f'{r[name]:.2f}' for r in results)})" for name, value in medians.items()),
        flush=True)
    return medians
