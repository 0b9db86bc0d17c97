"""Head office's side of `make bench`, at national scale: a reporting store of 10 years x 70 desks (35
associations) and 10 million events, its rebuild, and its figures read through the gateway as head office.

- Rebuild: 1 million events (the network's year 2026 alone) and 10 million (2017-2026), each folded by
  `store.rebuild` in its own process, which reports its rate and its peak memory (VmHWM). Cost linear in
  the events means the rate at 10 million is no lower than at 1 million, and memory flat means the same
  peak for both.
- Reads, where head office makes them: head office's stack (scripts/run_local.py with HEAD_OFFICE: its
  reporting holds what the associations published, never their events) on a store of every association's
  periods of those ten years, months and years, each as its reporting publishes it at a close (suppressed)
  from the 10-million store. A head-office account reads the national figures of 2026
  (`GET /api/figures?scope=network&period=2026`) and one desk's twelve months
  (`GET /api/figures/months?scope=desk&id=...&year=2026`), as ratios to the floor of scripts/bench_desk.py
  (a bare nameko @http entrypoint making one RPC) measured in the same round. An association's own reporting
  reads only its own events (2 desks here): the whole network's events are in one store only in this bench.

The stores are generated straight into SQLite (sqlite3's executemany, the columns of `applied_events`): what
is timed is the rebuild and the reads, not the filling. A store already filled with the same parameters is
kept (var/bench/national/*.db and their .json), so a second run only rebuilds and reads.

    .venv/bin/python -W ignore -m scripts.bench_national --events 10000000
"""
import argparse
import datetime as dt
import json
import logging
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench" / "national"
STACK_PORT_OFFSET = 500
PASSWORD = "banc-d-essai-du-siege-2026"
HEAD_OFFICE_LOGIN = "bench.siege"

YEARS = tuple(range(2017, 2027))
ASSOCIATIONS = 35
DESKS = 70  # two desks per association
READ_YEAR = 2026
READ_DESK = "assoc-07-d2"
TIME_ZONE = "Europe/Paris"  # reporting's default: the rebuild folds months in the calendar the service reads


# -- the store ------------------------------------------------------------------------------------------------
def desks():
    return [(f"assoc-{a + 1:02d}", f"assoc-{a + 1:02d}-d{d + 1}") for a in range(ASSOCIATIONS) for d in range(2)]


MOTIFS = [json.dumps(m, separators=(",", ":"), sort_keys=True) for m in (
    *({"domain": None, "kind": "partenaire", "partner": p} for p in ("edf", "engie", "sncf", "la_poste", "veolia")),
    *({"domain": d, "kind": "generaliste", "partner": None} for d in ("caf", "cpam", "housing", "employment")))]
ACTS = ("information", "explanation", "advice", "accompaniment", "letter", "online_help")
REGISTRES = ("understanding", "inform", "referral", "dialogue")
PARTNERS = ("edf", "engie", "sncf", "la_poste", "veolia")
AGENTS_PER_DESK = 5


def _stamp(year, month, day, hour, minute):
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:00.000000"


def _iso(year, month, day, hour, minute):
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+00:00"


def month_events(rng, year, month, association, desk, per_desk_month, first, agents, cases, next_id):
    """One desk's month, in the mix of a real one: mostly visits, then outbound contact attempts, follow-ups
    opened and closed (remembered subjects), the agents' weekly work time (subjects too), two workshop
    sessions and, once a year, an agent leaving and another hired. Rows as `applied_events` holds them."""
    rows = []

    def add(type_, version, day, hour, minute, payload):
        rows.append((str(uuid.UUID(int=next_id())), type_, version, _stamp(year, month, day, hour, minute),
                     association, desk, json.dumps(payload, separators=(",", ":"), sort_keys=True),
                     _stamp(year, month, day, hour, minute)))

    if first:  # the store's first month: the desk's staff are hired (in the store's view)
        for agent in agents:
            add("formation.agent_hired", 1, 1, 8, 0, {"agent_id": agent, "contract_type": "adulte_relais",
                "gender": rng.choice(("female", "female", "male")), "hired_on": f"{year:04d}-{month:02d}-01",
                "weekly_hours": 35.0})
    if month == 6:  # turnover: the longest-serving agent leaves, a new one is hired
        leaving = agents.pop(0)
        add("formation.agent_exited", 1, 15, 17, 0, {"agent_id": leaving, "contract_months": None,
            "exited_on": f"{year:04d}-06-15", "outcome": "cdi", "positive": rng.random() < 0.6})
        agents.append(f"{desk}-agent-{year}")
        add("formation.agent_hired", 1, 16, 8, 0, {"agent_id": agents[-1], "contract_type": "adulte_relais",
            "gender": rng.choice(("female", "female", "male")), "hired_on": f"{year:04d}-06-16",
            "weekly_hours": 35.0})
    for week in range(4):
        day = 1 + 7 * week
        iso_year, iso_week, _ = dt.date(year, month, day).isocalendar()
        for agent in agents:
            add("formation.work_time_logged", 1, day, 9, 0, {"agent_id": agent, "hours": 35.0, "revision": 1,
                                                             "week": f"{iso_year}-W{iso_week:02d}"})
    for day in (8, 22):
        visitors = [f"{association[-2:]:0>8}{rng.randrange(40000):024x}" for _ in range(10)]
        add("accueil.workshop_held", 2, day, 16, 0, {
            "agent_id": agents[0], "attendees": 10, "capacity": 12, "duration_min": 90,
            "held_on": f"{year:04d}-{month:02d}-{day:02d}", "partner": None, "registrations": 12,
            "registrations_attended": 9, "registres": ["collective", "inform"], "theme": "digital",
            "visitors": visitors, "workshop_id": str(uuid.UUID(int=next_id()))})
    closing, cases[:] = cases[:], []
    for case_id, opened in closing:  # last month's follow-ups close this month
        day = rng.randrange(1, 28)
        add("accueil.case_closed", 1, day, 11, 0, {
            "agent_id": agents[0], "case_id": case_id, "closed_at": _iso(year, month, day, 11, 0),
            "days_open": 20 + day, "motif": json.loads(MOTIFS[0]), "opened_at": opened, "outcome": "resolved",
            "visits": 2})
    n_cases = max(1, per_desk_month // 50)
    for _ in range(n_cases):
        day = rng.randrange(1, 28)
        case_id, opened = str(uuid.UUID(int=next_id())), _iso(year, month, day, 10, 0)
        cases.append((case_id, opened))
        add("accueil.case_opened", 1, day, 10, 0, {
            "agent_id": agents[0], "case_id": case_id, "due_on": f"{year:04d}-{month:02d}-{min(day + 7, 28):02d}",
            "motif": json.loads(MOTIFS[0]), "named": False, "opened_at": opened})
    for _ in range(per_desk_month // 30):
        day, hour = rng.randrange(1, 28), rng.randrange(9, 18)
        add("mediation_sortante.contact_attempted", 1, day, hour, 0, {
            "agent_id": agents[1], "at": _iso(year, month, day, hour, 0), "attempt_id": str(uuid.UUID(int=next_id())),
            "attempt_number": 1, "campaign_id": str(uuid.UUID(int=8)), "channel": "phone",
            "contact_id": str(uuid.UUID(int=next_id())), "partner": rng.choice(PARTNERS),
            "reached": rng.random() < 0.4})
    base = (year - YEARS[0]) * 6000  # the association's people drift from year to year
    visit = ('{{"acts":{acts},"agent_id":"{agent}","closed_at":"{closed}","duration_min":{duration},'
             '"motif":{motif},"opened_at":"{opened}","outcome":"resolved","registres":["{registre}"],'
             '"visit_id":"{visit_id}","visitors":[{{"first_visit":{first},"visitor_ref":"{ref}"}}],'
             '"waiting_min":{waiting}}}')
    for _ in range(max(per_desk_month - len(rows), 0)):
        day, hour, minute = rng.randrange(1, 29), rng.randrange(8, 18), rng.randrange(0, 40)
        stamp = _stamp(year, month, day, hour, minute + 20)
        payload = visit.format(
            acts=json.dumps(rng.sample(ACTS, rng.randrange(1, 3))), agent=rng.choice(agents),
            closed=_iso(year, month, day, hour, minute + 20), duration=20, motif=rng.choice(MOTIFS),
            opened=_iso(year, month, day, hour, minute), registre=rng.choice(REGISTRES),
            visit_id=uuid.UUID(int=next_id()), first="true" if rng.random() < 0.3 else "false",
            ref=f"{association[-2:]:0>8}{base + rng.randrange(15000):024x}", waiting=rng.randrange(0, 30))
        rows.append((str(uuid.UUID(int=next_id())), "accueil.visit_closed", 1, stamp, association, desk, payload,
                     stamp))
    return rows


def fill(path, years, events):
    """A reporting store (reporting's migrations, then rows straight into `applied_events`) holding `events`
    events over `years` at every desk; returns the count. Kept when one with the same parameters exists."""
    marker = path.with_suffix(".json")
    wanted = {"years": list(years), "events": events, "desks": DESKS, "generator": 2}
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        return _count(path)
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    marker.unlink(missing_ok=True)
    _migrate(path)
    per_desk_month = events // (len(years) * 12 * DESKS)
    rng = random.Random(2026)
    counter = iter(range(1, 1 << 62))
    next_id = counter.__next__
    staff = {desk: [f"{desk}-agent-{k}" for k in range(AGENTS_PER_DESK)] for _, desk in desks()}
    cases = {desk: [] for _, desk in desks()}
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    insert = ("INSERT INTO reporting_applied_events (event_id, type, version, occurred_at, association_id, "
              "pimms_id, payload, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    first = True
    for year in years:
        for month in range(1, 13):
            rows = []
            for association, desk in desks():
                rows += month_events(rng, year, month, association, desk, per_desk_month, first, staff[desk],
                                     cases[desk], next_id)
            with db:
                db.executemany(insert, rows)
            first = False
        print(f"   filled {year} ({time.perf_counter() - started:.0f} s)", flush=True)
    db.close()
    marker.write_text(json.dumps(wanted))
    return _count(path)


def _migrate(path):
    from services.reporting.service import MIGRATIONS
    from shared.db import Storage

    Storage(f"sqlite:///{path}", MIGRATIONS, "pimms-bench").dispose()


def _count(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT max(seq) FROM reporting_applied_events").fetchone()[0] or 0


# -- head office's store: what the associations published of those events ----------------------------------------
def fill_head_office(source, path, years, threshold=5):
    """Head office's store: every association's figures of each month and each year of `years`, as its own
    reporting publishes them when it closes a period (reading.local_table, then periods.publication:
    suppressed), received by head office's code (periods.receive_period). Read from `source`, a rebuilt
    store of every association's events. Kept when one from the same source exists; returns the rows."""
    from types import SimpleNamespace

    from services.reporting import periods, reading
    from services.reporting.service import MIGRATIONS
    from shared.db import Storage

    marker = path.with_suffix(".json")
    wanted = {"source": json.loads(source.with_suffix(".json").read_text()), "threshold": threshold,
              "generator": 1}
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        return _received(path)
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    associations = sorted({a for a, _ in desks()})
    now = dt.datetime(READ_YEAR + 1, 1, 5, tzinfo=dt.timezone.utc)
    local = Storage(f"sqlite:///{source}", MIGRATIONS, "pimms-bench")
    head_office = Storage(f"sqlite:///{path}", MIGRATIONS, "pimms-bench")
    try:
        for year in years:
            for period in [*(f"{year}-{m:02d}" for m in range(1, 13)), str(year)]:
                for association in associations:
                    with local.unit_of_work() as uow:
                        docs = periods.publication(reading.local_table(uow.session, period, association),
                                                   association, threshold)
                    with head_office.unit_of_work() as uow:
                        for doc in docs:
                            event = SimpleNamespace(
                                event_id=str(uuid.uuid4()), association_id=association, pimms_id=doc["pimms_id"],
                                payload={"period": period, "revision": 1, "threshold": threshold,
                                         "figures": doc["figures"], "suppressed": doc["suppressed"]})
                            periods.receive_period(uow, event, now)
            print(f"   head office received {year} ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        local.dispose()
        head_office.dispose()
    marker.write_text(json.dumps(wanted))
    return _received(path)


def _received(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM reporting_received_periods").fetchone()[0]


# -- the rebuild, each in its own process -----------------------------------------------------------------------
def rebuild_in_child(path):
    """Runs `store.rebuild` on the store in a fresh process; returns (events, seconds, peak memory in MB)."""
    answer = subprocess.run([sys.executable, "-W", "ignore", "-m", "scripts.bench_national", "--rebuild", str(path)],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if answer.returncode:
        raise SystemExit(f"bench: the rebuild of {path} failed:\n{answer.stderr[-3000:]}")
    done = json.loads(answer.stdout.strip().splitlines()[-1])
    return done["events"], done["seconds"], done["peak_mb"]


def rebuild_here(path, profile=None):
    from zoneinfo import ZoneInfo

    from services.reporting import store
    from services.reporting.service import MIGRATIONS
    from shared.db import Storage

    storage = Storage(f"sqlite:///{path}", MIGRATIONS, "pimms-bench")
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with storage.unit_of_work() as uow:
        applied, seconds = store.rebuild(uow.session, zone=ZoneInfo(TIME_ZONE))
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    storage.dispose()
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:"))
    print(json.dumps({"events": applied, "seconds": seconds, "peak_mb": peak / 1024}))


# -- the reads, through the gateway as head office ---------------------------------------------------------------
class HeadOffice:
    """The local stack as head office runs it (HEAD_OFFICE: its reporting reads the periods the associations
    published) on head office's filled store, and a head-office account logged in."""

    def __init__(self, data, amqp_uri):
        from scripts import run_local

        self.run_local, self.data, self.amqp_uri = run_local, data, amqp_uri
        self.base = f"http://127.0.0.1:{8100 + STACK_PORT_OFFSET}"
        self.stack = run_local.start_stack(data, amqp_uri, port_offset=STACK_PORT_OFFSET,
                                           CONTRACT_ENFORCEMENT="false", REPORTING_CLOSE_CHECK_INTERVAL="86400",
                                           HEAD_OFFICE="true", TIME_ZONE=TIME_ZONE, PYTHONPATH=str(ROOT))

    def prepare(self):
        from nameko.standalone.rpc import ClusterRpcProxy

        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=60) as rpc:
            self.run_local.wait_ready(rpc, self.stack, timeout=120, data=self.data)
            rpc.gateway.create_account({"login": HEAD_OFFICE_LOGIN, "role": "head_office", "password": PASSWORD})
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=600) as rpc:
            # untimed first reads straight to reporting: they bring the store's pages into the OS's cache
            rpc.reporting.figures("network", None, str(READ_YEAR), False)
            for month in range(1, 13):
                rpc.reporting.figures("desk", READ_DESK, f"{READ_YEAR}-{month:02d}", False)
        self.session = requests.Session()
        token = _ok(self.session.post(f"{self.base}/api/login", timeout=30,
                                      json={"login": HEAD_OFFICE_LOGIN, "password": PASSWORD})).json()["token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        return self

    def national_year(self, times, warmup=3):
        from scripts.bench_desk import Load

        def work(session, number):
            found = _ok(session.get(f"{self.base}/api/figures", params={"scope": "network", "period": READ_YEAR},
                                    timeout=120)).json()
            if found["figures"]["desks"] != DESKS:
                raise RuntimeError(f"the national figures count {found['figures']['desks']} desks, not {DESKS}")
        return Load([self.session], work, times, warmup=warmup).run()

    def desk_months(self, times, warmup=3):
        from scripts.bench_desk import Load

        def work(session, number):
            found = _ok(session.get(f"{self.base}/api/figures/months", timeout=120,
                                    params={"scope": "desk", "id": READ_DESK, "year": READ_YEAR})).json()
            if sum(1 for month in found["months"] if month is not None) < 12:
                raise RuntimeError(f"{READ_DESK} has figures for fewer than 12 months of {READ_YEAR}")
        return Load([self.session], work, times, warmup=warmup).run()

    def stop(self):
        self.run_local.stop(self.stack)


def _ok(answer):
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.request.method} {answer.request.path_url}: {answer.status_code} "
                           f"{answer.text[:200]}")
    return answer


# -- the run ------------------------------------------------------------------------------------------------
TARGETS = {  # name: (the bound, True when the figure must stay at or under it)
    "national_year_vs_floor": (5.0, True), "desk_months_vs_floor": (5.0, True),
    "rebuild_10m_vs_1m": (1.0, False), "rebuild_memory_10m_vs_1m": (1.2, True),
}


def rebuild_both(one_year, big, n_small, n_big, report):
    """The 1M store's rebuild then the 10M's, each in its own process: their rate and memory ratios."""
    print("-- national: rebuilds, each in its own process", flush=True)
    small_events, small_seconds, small_mb = rebuild_in_child(one_year)
    report(f"reporting rebuild of {small_events:,} events", small_events / small_seconds, "events/s")
    report(f"   its peak memory ({small_seconds:.0f} s)", small_mb, "MB")
    big_events, big_seconds, big_mb = rebuild_in_child(big)
    report(f"reporting rebuild of {big_events:,} events", big_events / big_seconds, "events/s",
           small_events / small_seconds, "the 1M rebuild")
    report(f"   its peak memory ({big_seconds:.0f} s)", big_mb, "MB", small_mb, "the 1M rebuild")
    if (small_events, big_events) != (n_small, n_big):
        raise SystemExit(f"bench: rebuilds folded {small_events} and {big_events} of {n_small} and {n_big} events")
    return {"rebuild_10m_vs_1m": (big_events / big_seconds) / (small_events / small_seconds),
            "rebuild_memory_10m_vs_1m": big_mb / small_mb}


def run(var, new_vhost, spawn, report, rounds=3, events=10_000_000, small=1_000_000, requests_per_round=50,
        rebuilds=True):
    """Fill, rebuild (1M then the full store), then read in `rounds` rounds; returns the ratios (medians).
    Without `rebuilds`, only the reads (head office's store kept from an earlier run)."""
    from scripts.bench_desk import floor_load, start_floor, stop_floor

    var.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPATH"] = str(ROOT)  # the processes it starts import this tree's code
    data = var / "head_office"
    data.mkdir(exist_ok=True)
    for stale in data.glob("*.db*"):  # the other services start afresh (accounts, outboxes); the store is kept
        if not stale.name.startswith("reporting.db"):
            stale.unlink()
    big, one_year = var / "stack" / "reporting.db", var / "rebuild-1m.db"
    big.parent.mkdir(exist_ok=True)
    years = YEARS if events >= small else YEARS[-1:]
    print(f"-- national: filling the stores ({small:,} events over {READ_YEAR}, {events:,} over "
          f"{years[0]}-{years[-1]}), unless kept from a previous run", flush=True)
    n_small = fill(one_year, (READ_YEAR,), small)
    n_big = fill(big, years, events)
    if rebuilds:
        rebuilt = rebuild_both(one_year, big, n_small, n_big, report)
    elif not (data / "reporting.json").exists():
        raise SystemExit("bench: --reads-only reads head office's store of an earlier run: there is none")
    print("-- national: head office's store, the associations' periods of those events as published, unless "
          "kept from a previous run", flush=True)
    received = fill_head_office(big, data / "reporting.db", years)
    print(f"   {received:,} periods received (desks and associations, months and years)", flush=True)
    results = []
    with new_vhost() as floor_vhost, new_vhost() as stack_vhost:
        floor_procs = start_floor(var, floor_vhost.uri, spawn)
        head_office = HeadOffice(data, stack_vhost.uri)
        try:
            head_office.prepare()
            for number in range(1, rounds + 1):
                if results and results[-1] is None:
                    break
                print(f"-- national round {number} of {rounds}", flush=True)
                floor = floor_load(1, 100)
                try:
                    national = head_office.national_year(requests_per_round)
                    months = head_office.desk_months(requests_per_round)
                except SystemExit as failed:  # a read slower than the gateway's 10 s wait: reported, not fatal
                    print(f"-- national reads failed: {failed}", flush=True)
                    results.append(None)
                    continue
                report("floor: @http -> one RPC, 1 client, p50", floor.p(50), "ms")
                report(f"national figures of {READ_YEAR}, head office, p50", national.p(50), "ms", floor.p(50),
                       "floor")
                report(f"a desk's twelve months of {READ_YEAR}, p50", months.p(50), "ms", floor.p(50), "floor")
                results.append({"national_year_vs_floor": national.p(50) / floor.p(50),
                                "desk_months_vs_floor": months.p(50) / floor.p(50)})
        finally:
            head_office.stop()
            stop_floor(floor_procs)
    if None in results:
        results = [{"national_year_vs_floor": float("inf"), "desk_months_vs_floor": float("inf")}]
    medians = {name: statistics.median(r[name] for r in results) for name in results[0]}
    print(f"-- national, medians of {rounds} rounds: " + ", ".join(
        f"{name} {value:.2f} ({' '.join(f'{r[name]:.2f}' for r in results)})" for name, value in medians.items()),
        flush=True)
    if rebuilds:
        medians.update(rebuilt)
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000, help="events of the national store")
    parser.add_argument("--small", type=int, default=1_000_000, help="events of the one-year store")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50, help="requests of each read per round")
    parser.add_argument("--fill-only", action="store_true", help="fill (or keep) the stores, and stop there")
    parser.add_argument("--reads-only", action="store_true",
                        help="only head office's reads, on the stores of an earlier run (no rebuild)")
    parser.add_argument("--rebuild", metavar="DB", help=argparse.SUPPRESS)  # the child of rebuild_in_child
    parser.add_argument("--profile", metavar="FILE", help=argparse.SUPPRESS)  # with --rebuild: cProfile stats
    args = parser.parse_args()
    if args.rebuild:
        return rebuild_here(Path(args.rebuild), args.profile)
    if args.fill_only:
        (VAR / "stack").mkdir(parents=True, exist_ok=True)
        (VAR / "head_office").mkdir(parents=True, exist_ok=True)
        big = VAR / "stack" / "reporting.db"
        print(fill(VAR / "rebuild-1m.db", (READ_YEAR,), args.small), fill(big, YEARS, args.events))
        if not (VAR / "head_office" / "reporting.json").exists():
            rebuild_in_child(big)  # head office's store is read from the folded figures
        print(fill_head_office(big, VAR / "head_office" / "reporting.db", YEARS))
        return 0
    from scripts.bench import Vhost, report, spawn

    for noisy in ("pika", "amqp"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    shutil.rmtree(VAR / "head_office" / "logs", ignore_errors=True)
    ratios = run(VAR, Vhost, spawn, report, rounds=args.rounds, events=args.events, small=args.small,
                 requests_per_round=args.requests, rebuilds=not args.reads_only)
    missed = [name for name, value in ratios.items()
              if not (value <= TARGETS[name][0] if TARGETS[name][1] else value >= TARGETS[name][0])]
    if missed:
        print("targets missed: " + ", ".join(missed), flush=True)
    print(" ".join(f"{name}={value:.2f}" for name, value in ratios.items()), flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
