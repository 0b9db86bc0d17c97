"""`make run` / `make demo`: the local stack on SQLite, a demo day played through the real RPC, its figures.

Each service runs in its own process (forked by scripts/stack.py, which loads the code once for all), with
its database under var/demo/ (wiped at each start: this is demo data). Ctrl-C (or SIGTERM) stops every
service cleanly."""
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
from services.gateway import demo as gateway_demo
from services.franchise import demo as franchise_demo
from services.mediation_sortante import demo as mediation_sortante_demo
from services.reporting import demo as reporting_demo

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "demo"
AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")

# (service, nameko module:class, HTTP port)
STACK = [  # (service, nameko module:class, HTTP port)
    ("franchise", "services.franchise.service:FranchiseService", 8104),
    ("accueil", "services.accueil.service:AccueilService", 8101),
    ("mediation_sortante", "services.mediation_sortante.service:MediationSortanteService", 8102),
    ("formation", "services.formation.service:FormationService", 8103),
    ("reporting", "services.reporting.service:ReportingService", 8105),
    ("gateway", "services.gateway.service:GatewayService", 8100),
]
ENFORCING = ("accueil", "mediation_sortante", "formation")  # they keep a copy of the contract terms


def stack_environment(var, amqp_uri, port_offset=0):
    env = dict(os.environ, AMQP_URI=amqp_uri, EVENTLET_NO_GREENDNS="yes",  # eventlet's DNS: 7 MB per service
               REPORTING_ALLOW_EXACT_FIGURES="true")  # the association's own staff see exact figures
    for name, _, port in STACK:
        env[f"{name.upper()}_DB_URL"] = f"sqlite:///{var}/{name}.db"
        env[f"{name.upper()}_WEB_ADDRESS"] = f"127.0.0.1:{port + port_offset}"
    return env


def start_stack(var, amqp_uri=AMQP_URI, port_offset=0, **extra_env):
    """Every service of STACK in its own process, forked from one parent (scripts/stack.py)."""
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-W", "ignore", "-m", "scripts.stack", "--logs", str(var),
         *[name for name, _, _ in STACK]],
        cwd=ROOT, env={**stack_environment(var, amqp_uri, port_offset), **extra_env},
        stdout=open(var / "stack.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(rpc, stack, timeout=60):
    deadline = time.monotonic() + timeout
    for name, _, _ in STACK:
        while True:
            if stack.poll() is not None:
                raise SystemExit("a service stopped at start: see var/demo/*.log")
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


def stop(stack):
    if stack.poll() is None:
        stack.send_signal(signal.SIGTERM)  # every service finishes its running workers, then exits
    try:
        stack.wait(timeout=30)
    except subprocess.TimeoutExpired:
        print("the stack did not stop in 30s; killing it", file=sys.stderr)
        os.killpg(stack.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit", action="store_true", help="exit after printing the figures")
    parser.add_argument("--visits", type=int, default=300)
    args = parser.parse_args()

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    stack = start_stack(VAR)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as rpc:
            wait_ready(rpc, stack)
            print("stack up: " + ", ".join(f"{n} (http://127.0.0.1:{p})" for n, _, p in STACK))
            day = demo_day.demo_date()
            franchise_demo.play(rpc, day)  # first: the contract that covers everything below
            wait_enforced(rpc)
            demo_day.play(rpc, visits=args.visits)
            mediation_sortante_demo.play(rpc, day)
            formation_demo.play(rpc, day)
            gateway_demo.play(rpc, day)  # accounts, and one named visit before reporting closes the month
            reporting_demo.play(rpc, day)  # last: it closes the month of what came before
            demo_day.print_figures(rpc)
            for demo in (mediation_sortante_demo, formation_demo, reporting_demo, franchise_demo, gateway_demo):
                print("\n" + "\n".join(demo.figures(rpc)))
        if not args.exit:
            print("\nrunning; logs in var/demo/*.log; the desk page and figures at http://127.0.0.1:8100/ "
                  "(logins above). Ctrl-C stops.")
            while stack.poll() is None:
                time.sleep(1)
            print("a service stopped: see var/demo/*.log", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        stop(stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
