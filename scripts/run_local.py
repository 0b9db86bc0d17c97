"""`make run` / `make demo`: the local stack on SQLite, a demo day played through the real RPC, its figures.

Each service runs in its own process (`nameko run`), as it would in production, with its database under
var/demo/ (wiped at each start: this is demo data). Ctrl-C (or SIGTERM) stops every service cleanly."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcProxy

from scripts import demo_day
from services.formation import demo as formation_demo
from services.franchise import demo as franchise_demo
from services.mediation_sortante import demo as mediation_sortante_demo
from services.reporting import demo as reporting_demo

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "demo"
AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")

# (service, nameko module:class, HTTP port)
STACK = [
    ("franchise", "services.franchise.service:FranchiseService", 8104),
    ("accueil", "services.accueil.service:AccueilService", 8101),
    ("mediation_sortante", "services.mediation_sortante.service:MediationSortanteService", 8102),
    ("formation", "services.formation.service:FormationService", 8103),
    ("reporting", "services.reporting.service:ReportingService", 8105),
]
ENFORCING = ("accueil", "mediation_sortante", "formation")  # they keep a copy of the contract terms


def start(name, target, port):
    env = dict(os.environ, AMQP_URI=AMQP_URI, **{
        f"{name.upper()}_DB_URL": f"sqlite:///{VAR}/{name}.db",
        f"{name.upper()}_WEB_ADDRESS": f"127.0.0.1:{port}",
    })
    log = open(VAR / f"{name}.log", "ab")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "nameko"), "run", "--config", f"services/{name}/config.yaml", target],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(rpc, processes, timeout=60):
    deadline = time.monotonic() + timeout
    for name, _, _ in STACK:
        while True:
            dead = [n for n, p in processes.items() if p.poll() is not None]
            if dead:
                raise SystemExit(f"{', '.join(dead)} stopped at start: see var/demo/{dead[0]}.log")
            try:
                getattr(rpc, name).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not answer within {timeout}s: see var/demo/{name}.log")
                time.sleep(0.5)


def wait_enforced(rpc, timeout=30):
    """The contract reaches each service as an event: wait until every enforcing service holds it."""
    deadline = time.monotonic() + timeout
    for name in ENFORCING:
        while getattr(rpc, name).contract_revision() is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not receive the franchise contract within {timeout}s")
            time.sleep(0.2)


def stop(processes):
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # nameko finishes running workers, then exits
    for name, proc in processes.items():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in 20s; killing it", file=sys.stderr)
            proc.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit", action="store_true", help="exit after printing the figures")
    parser.add_argument("--visits", type=int, default=300)
    args = parser.parse_args()

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    processes = {name: start(name, target, port) for name, target, port in STACK}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as rpc:
            wait_ready(rpc, processes)
            print("stack up: " + ", ".join(f"{n} (http://127.0.0.1:{p})" for n, _, p in STACK))
            day = demo_day.demo_date()
            franchise_demo.play(rpc, day)  # first: the contract that covers everything below
            wait_enforced(rpc)
            demo_day.play(rpc, visits=args.visits)
            mediation_sortante_demo.play(rpc, day)
            formation_demo.play(rpc, day)
            reporting_demo.play(rpc, day)  # last: it closes the month of what came before
            demo_day.print_figures(rpc)
            for demo in (mediation_sortante_demo, formation_demo, reporting_demo, franchise_demo):
                print("\n" + "\n".join(demo.figures(rpc)))
        if not args.exit:
            print("\nrunning; logs in var/demo/*.log; metrics at http://127.0.0.1:8101/metrics. Ctrl-C stops.")
            while all(p.poll() is None for p in processes.values()):
                time.sleep(1)
            print("a service stopped: see var/demo/*.log", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
