"""`make run` / `make demo`: the local stack on SQLite, supervised, with its data kept across restarts.

Each service runs in its own process (forked by scripts/stack.py, which loads the code once for all and
starts again a service that exits), with its database under the data folder (`var/data/` unless
PIMMS_DATA_DIR says otherwise; logs in its `logs/`). On the first start, into an empty data folder, the
association's secrets are generated (`secrets.json`, mode 0600) and a demo day is played through the real
RPC (unless `--no-demo`); later starts keep everything and play nothing. `--fresh` (what `make demo` does)
deletes the data folder first. When Debian's `prometheus` is installed, a Prometheus scrapes the stack with
the platform's alert rules (scripts/local_prometheus.py; its data in the data folder's `prometheus/`) and its
address is printed (`--no-prometheus`: none). Ctrl-C (or SIGTERM) stops every service cleanly."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcProxy

from scripts import local_prometheus, stack_secrets
from scripts.demo import accueil as demo_day
from scripts.demo import ateliers as ateliers_demo
from scripts.demo import budget as budget_demo
from scripts.demo import formation as formation_demo
from scripts.demo import franchise as franchise_demo
from scripts.demo import gateway as gateway_demo
from scripts.demo import mediation_sortante as mediation_sortante_demo
from scripts.demo import reporting as reporting_demo
from scripts.demo import suivis as suivis_demo
from scripts.demo import waiting as waiting_demo

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PIMMS_DATA_DIR") or ROOT / "var" / "data")
AMQP_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")

STACK = [  # (service, nameko module:class, HTTP port)
    ("franchise", "services.franchise.service:FranchiseService", 8104),
    ("accueil", "services.accueil.service:AccueilService", 8101),
    ("mediation_sortante", "services.mediation_sortante.service:MediationSortanteService", 8102),
    ("formation", "services.formation.service:FormationService", 8103),
    ("reporting", "services.reporting.service:ReportingService", 8105),
    ("gateway", "services.gateway.service:GatewayService", 8100),
]
ENFORCING = ("accueil", "mediation_sortante", "formation")  # they keep a copy of the contract terms
PROMETHEUS_PORT = 9090  # Prometheus' usual port, or a free one when something else holds it


def logs(data):
    return data / "logs"


def pid_of(data, name):
    """The running process of a service (the supervisor writes it at each start)."""
    return int((logs(data) / f"{name}.pid").read_text())


def stack_environment(data, amqp_uri, port_offset=0):
    env = dict(os.environ, AMQP_URI=amqp_uri, EVENTLET_NO_GREENDNS="yes",  # eventlet's DNS: 7 MB per service
               REPORTING_ALLOW_EXACT_FIGURES="true")  # the association's own staff see exact figures
    for name, _, port in STACK:
        env[f"{name.upper()}_DB_URL"] = f"sqlite:///{data}/{name}.db"
        env[f"{name.upper()}_WEB_ADDRESS"] = f"127.0.0.1:{port + port_offset}"
    env.update(stack_secrets.load_or_create(data))
    return env


def start_stack(data, amqp_uri=AMQP_URI, port_offset=0, **extra_env):
    """Every service of STACK in its own process, forked and supervised by scripts/stack.py."""
    logs(data).mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-W", "ignore", "-m", "scripts.stack", "--logs", str(logs(data)),
         *[name for name, _, _ in STACK]],
        cwd=ROOT, env={**stack_environment(data, amqp_uri, port_offset), **extra_env},
        stdout=open(logs(data) / "stack.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(rpc, stack, timeout=60, data=DATA):
    deadline = time.monotonic() + timeout
    for name, _, _ in STACK:
        while True:
            if stack.poll() is not None:
                raise SystemExit(f"the stack stopped at start: see {logs(data)}/stack.log")
            try:
                getattr(rpc, name).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not answer within {timeout}s: see {logs(data)}/{name}.log")
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
        stack.wait(timeout=45)
    except subprocess.TimeoutExpired:
        print("the stack did not stop in 45s; killing it", file=sys.stderr)
        os.killpg(stack.pid, signal.SIGKILL)


def start_prometheus(data):
    """The stack's own Prometheus, or None when Debian's `prometheus` is not installed (or fails to start)."""
    if not local_prometheus.installed():
        print("no Prometheus: `apt-get install prometheus` (or scripts/ensure-services.sh --prometheus as root) "
              "and `make run` starts one beside the stack")
        return None
    port = PROMETHEUS_PORT if local_prometheus.port_free(PROMETHEUS_PORT) else local_prometheus.free_port()
    try:
        prometheus = local_prometheus.LocalPrometheus(
            data / "prometheus", local_prometheus.targets(STACK), port=port).start()
    except RuntimeError as exc:  # the stack is worth running without it
        print(f"warning: {exc}", file=sys.stderr)
        return None
    print(f"Prometheus: {prometheus.url}/ (alerts at {prometheus.url}/alerts; rules "
          f"{local_prometheus.ALERTS.relative_to(ROOT)}; its data in {data / 'prometheus'})")
    return prometheus


def play_demo(rpc, visits):
    day = demo_day.demo_date()
    franchise_demo.play(rpc, day)  # first: the contract that covers everything below
    wait_enforced(rpc)
    demo_day.play(rpc, visits=visits)
    mediation_sortante_demo.play(rpc, day)
    formation_demo.play(rpc, day)
    gateway_demo.play(rpc, day)  # accounts, and one named visit before reporting closes the month
    suivis_demo.play(rpc, day)  # a week of follow-ups and referrals, through the API
    ateliers_demo.play(rpc, day)  # two workshop sessions: registered, marked, closed
    budget_demo.play(rpc, day)  # three households' budget dossiers, one through admissibility
    waiting_demo.play(rpc, day)  # a morning's tickets and appointments, through the API
    reporting_demo.play(rpc, day)  # last: it closes the month of what came before
    demo_day.print_figures(rpc)
    print("\n" + "\n".join(gateway_demo.lifecycle(rpc, day)))
    for demo in (mediation_sortante_demo, formation_demo, reporting_demo, franchise_demo, suivis_demo, budget_demo,
                 waiting_demo, ateliers_demo, gateway_demo):
        print("\n" + "\n".join(demo.figures(rpc)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exit", action="store_true", help="exit once the stack is up (and the demo played)")
    parser.add_argument("--fresh", action="store_true", help=f"delete the data folder ({DATA}) first")
    parser.add_argument("--no-demo", action="store_true", help="start an empty stack without the demo day")
    parser.add_argument("--visits", type=int, default=300, help="visits of the demo day")
    parser.add_argument("--no-prometheus", action="store_true", help="start no Prometheus beside the stack")
    args = parser.parse_args()

    if args.fresh:
        shutil.rmtree(DATA, ignore_errors=True)
    new = not stack_secrets.path(DATA).exists()
    DATA.mkdir(parents=True, exist_ok=True)
    stack = start_stack(DATA)
    prometheus = None
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as rpc:
            wait_ready(rpc, stack)
            print("stack up: " + ", ".join(f"{n} (http://127.0.0.1:{p})" for n, _, p in STACK))
            print(f"data in {DATA} (databases, secrets.json, logs/); `make run` again keeps it, "
                  f"`make demo` or `python -m scripts.run_local --fresh` starts over")
            if not (args.exit or args.no_prometheus):
                prometheus = start_prometheus(DATA)
            if new and not args.no_demo:
                play_demo(rpc, args.visits)
                (DATA / "demo-played").write_text(demo_day.demo_date().isoformat())
            elif new:
                print("an empty stack: no account yet")
            elif (DATA / "demo-played").exists():
                print("data kept from the last run (a demo stack):\n" + "\n".join(gateway_demo.figures(rpc)))
        if not args.exit:
            print(f"\nrunning; logs in {logs(DATA)}; the desk page and figures at http://127.0.0.1:8100/. "
                  "A service that stops is started again. Ctrl-C stops.")
            while stack.poll() is None:
                time.sleep(1)
            print(f"the stack stopped: see {logs(DATA)}/stack.log", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        if prometheus is not None:
            prometheus.stop()
        stop(stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
