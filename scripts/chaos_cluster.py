"""`make chaos-cluster`: desks recording visits through the gateway while the nodes of a three-node RabbitMQ
cluster fail one after another, then what the clients were told compared with what accueil stored and
reporting counted, as `make chaos` does for one broker (scripts/chaos.py: the same desk clients, the same
count).

The cluster is three RabbitMQ nodes on loopback (scripts/cluster.py: own node names, ports and data under
a temporary folder; stopped and removed at the end). The local stack (`make run`'s, on SQLite, supervised)
runs on it with quorum queues (PIMMS_QUEUE_TYPE=quorum) and the list of the three nodes as AMQP_URI, so
every connection fails over to the next node (kombu's failover). Each round of faults:
1. kill -9 of the node leading reporting's queue of visits; started again 20 s later, as its supervisor
   (systemd, Kubernetes) would;
2. once it is back in the cluster, kill -9 of the node then leading accueil's RPC queue, started again;
3. a network pause of the third node: SIGSTOP for 30 s (sockets open, nothing answered), then SIGCONT.
The harness never restarts a service: the stack's supervisor does, if one dies. The last line is
`lost=N duplicated=N`; the exit status is 0 only if both are 0, at least `--visits` visits were told
recorded, every round of faults was played and the stack was still up."""
import argparse
import collections
import datetime as dt
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine

from scripts import chaos, run_local
from scripts.cluster import Cluster
from scripts.demo import franchise as franchise_demo

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "chaos-cluster"
NODE_DOWN_S, PAUSE_S = 20, 30
REPORTING_QUEUE = "reporting.accueil.visit_closed"
log = chaos.log


def engine(name):
    return create_engine(f"sqlite:///{VAR}/{name}.db")


def leader_of(cluster, queue):
    """The node leading a quorum queue, asked of any node that answers."""
    for node in cluster.nodes:
        try:
            info = requests.get(f"{node.management}/queues/%2F/{quote(queue, safe='')}", auth=("guest", "guest"),
                                timeout=5).json()
            return info.get("leader") or info.get("node")
        except (requests.RequestException, ValueError):
            continue
    return None


def index_of(cluster, node_name, besides=()):
    names = [node.name for node in cluster.nodes]
    if node_name in names and names.index(node_name) not in besides:
        return names.index(node_name)
    return next(i for i in range(len(names)) if i not in besides)


def faults(cluster, stop, interval, rounds_done, failures):
    try:
        play_faults(cluster, stop, interval, rounds_done)
    except Exception as exc:  # a node that does not come back ends the run, failed, instead of hanging it
        log(f"chaos: the faults stopped: {type(exc).__name__}: {exc}")
        failures.append(exc)


def play_faults(cluster, stop, interval, rounds_done):
    rounds = 0
    while not stop.is_set():
        if stop.wait(interval):
            return
        first = index_of(cluster, leader_of(cluster, REPORTING_QUEUE))
        log(f"chaos: kill -9 {cluster.nodes[first].name} (leader of {REPORTING_QUEUE})")
        cluster.kill(first)
        time.sleep(NODE_DOWN_S)
        cluster.start_node(first)
        log(f"chaos: {cluster.nodes[first].name} back in the cluster")
        if stop.wait(interval):
            return
        second = index_of(cluster, leader_of(cluster, "rpc-accueil"), besides=(first,))
        log(f"chaos: kill -9 {cluster.nodes[second].name}")
        cluster.kill(second)
        time.sleep(NODE_DOWN_S)
        cluster.start_node(second)
        log(f"chaos: {cluster.nodes[second].name} back in the cluster")
        if stop.wait(interval):
            return
        third = next(i for i in range(len(cluster.nodes)) if i not in (first, second))
        log(f"chaos: SIGSTOP {cluster.nodes[third].name} for {PAUSE_S} s")
        cluster.pause(third)
        time.sleep(PAUSE_S)
        cluster.resume(third)
        cluster.wait_clustered(timeout=180)
        log(f"chaos: {cluster.nodes[third].name} resumed and back in the cluster")
        rounds += 1
        rounds_done.append(rounds)
        log(f"chaos: round {rounds} done")


def settled(cluster, timeout=900):
    """Wait until the stack on the cluster has settled, as `make chaos` waits for its own (chaos.settled)."""
    chaos.settled(timeout, engine, f"{cluster.nodes[0].management}/queues/%2F", "chaos-cluster")


def dead_letters(cluster):
    queues = requests.get(f"{cluster.nodes[0].management}/queues/%2F", auth=("guest", "guest"), timeout=10).json()
    return {q["name"]: q.get("messages", 0) for q in queues if q["name"].endswith(".dead_letters")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=3000, help="visits the clients must be told recorded")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1, help="whole rounds of faults at least")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between two faults")
    parser.add_argument("--max-minutes", type=float, default=40, help="give up (and fail) after this long")
    args = parser.parse_args()
    started = time.monotonic()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="pimms-chaos-cluster-")))
    log(f"starting three RabbitMQ nodes under {cluster.root}")
    cluster.start()  # first: it refuses to start while another run holds its ports, before anything is deleted
    stack, clients, rounds, failures, result, alive = None, [], [], [], {}, False
    stop, enough = threading.Event(), threading.Event()
    try:
        shutil.rmtree(VAR, ignore_errors=True)
        VAR.mkdir(parents=True)
        uri = cluster.amqp_uri
        stack = run_local.start_stack(VAR, uri, port_offset=chaos.PORTS, ASSOCIATION_ID=chaos.ASSOCIATION,
                                      GATEWAY_RPC_TIMEOUT_SECONDS="10", PIMMS_QUEUE_TYPE="quorum")
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30) as rpc:
            run_local.wait_ready(rpc, stack, timeout=180, data=VAR)
            franchise_demo.play(rpc, dt.date.today())
            run_local.wait_enforced(rpc, timeout=60)
        agents = []
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30) as rpc:
            for n in range(args.clients):
                desk, login = chaos.DESKS[n % len(chaos.DESKS)], f"chaos.agent{n}"
                rpc.gateway.create_account({"login": login, "role": "agent", "association_id": chaos.ASSOCIATION,
                                            "pimms_id": desk, "agent_id": f"agent-chaos-{n}",
                                            "password": chaos.PASSWORD})
                agents.append((login, desk))
        log(f"stack up on the cluster ({uri}); {args.clients} desk clients start")
        clients = [chaos.Client(login, desk, enough, n) for n, (login, desk) in enumerate(agents)]
        for client in clients:
            client.start()
        fault_thread = threading.Thread(target=faults, args=(cluster, stop, args.interval, rounds, failures),
                                        daemon=True)
        fault_thread.start()
        give_up = started + args.max_minutes * 60
        while not (sum(len(c.told_closed) for c in clients) >= args.visits and len(rounds) >= args.rounds):
            if failures or time.monotonic() > give_up:
                log("chaos-cluster: giving up: " + (str(failures[0]) if failures else "out of time"))
                break
            time.sleep(10)
            log(f"{sum(len(c.told_closed) for c in clients)} visits recorded, {len(rounds)} rounds of faults, "
                f"{sum(c.retries for c in clients)} retries")
        enough.set()
        for client in clients:
            client.join()
        stop.set()
        fault_thread.join()
        log(f"clients done ({sum(c.retries for c in clients)} requests sent again); waiting for the stack to settle")
        settled(cluster)
        told = collections.defaultdict(set)
        for client in clients:
            told[client.desk].update(client.told_closed)
        result = chaos.compare(told, *chaos.count(engine))
        log(f"dead letters: {dead_letters(cluster)}")
        alive = stack.poll() is None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave nodes running
        stop.set()
        enough.set()
        if stack is not None:
            run_local.stop(stack)
        cluster.stop()
        log(f"cluster stopped and {cluster.root} removed")
    for desk, row in result.items():
        log(f"desk {desk}: told {row['told']}, stored closed {row['stored']}, counted by reporting {row['counted']} "
            f"({row['events']} events applied): lost {row['lost']}, duplicated {row['duplicated']}")
    restarts = run_local.logs(VAR) / "restarts.json"
    log(f"supervisor restarts: {restarts.read_text().strip() if restarts.exists() else 'none'}; the stack was "
        f"{'up' if alive else 'DOWN'} at the end; {time.monotonic() - started:.0f} s in all")
    lost = sum(row["lost"] for row in result.values())
    duplicated = sum(row["duplicated"] for row in result.values())
    recorded = sum(row["told"] for row in result.values())
    print(f"lost={lost} duplicated={duplicated}")
    return 0 if lost == 0 and duplicated == 0 and recorded >= args.visits and len(rounds) >= args.rounds \
        and alive and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
