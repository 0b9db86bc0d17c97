"""A RabbitMQ cluster of three nodes on loopback, for `make chaos-cluster` and `make cluster-smoke`.

Each node is a RabbitMQ of its own: its node name (`pimms-c1@localhost`...), its AMQP, management, metrics and
distribution ports (5701/15701/15791/25701...), its data, logs and configuration under one temporary folder, and
the Erlang cookie of that folder (HOME). The machine's own RabbitMQ (rabbit@localhost on 5672) is never
touched: every rabbitmqctl here names its node with `-n`. The nodes form the cluster by RabbitMQ's classic
peer discovery, the first started alone and the others joining it, with `pause_minority` (a node cut off
from the two others stops serving rather than diverge), as a three-node production cluster would.

    python -m scripts.cluster start [--dir DIR]   # prints the AMQP URI list, leaves the nodes running
    python -m scripts.cluster stop  [--dir DIR]   # stops the nodes and removes DIR

In Python: `with Cluster(path) as cluster:` starts the three nodes and stops and removes them at the end;
`cluster.kill(i)` (kill -9), `cluster.start_node(i)`, `cluster.pause(i)` / `cluster.resume(i)` (SIGSTOP and
SIGCONT: a node that stops answering without its sockets closing, like a frozen VM)."""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

RABBITMQ_BIN = Path(os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
NODES = 3
AMQP_BASE, MANAGEMENT_BASE, PROMETHEUS_BASE, DIST_BASE = 5700, 15700, 15790, 25700
COOKIE = "PIMMSCHAOSCLUSTERCOOKIE"  # only these nodes, on loopback, in a folder of mode 0700
DEFAULT_DIR = Path(tempfile.gettempdir()) / "pimms-cluster"


class Node:
    def __init__(self, cluster, number):
        self.cluster, self.number = cluster, number
        self.name = f"pimms-c{number}@localhost"
        self.amqp_port = AMQP_BASE + number
        self.management_port = MANAGEMENT_BASE + number
        self.prometheus_port = PROMETHEUS_BASE + number  # the metrics an operator's Prometheus would scrape
        self.dist_port = DIST_BASE + number
        self.home = cluster.root / f"c{number}"
        self.process = None

    @property
    def uri(self):
        return f"pyamqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management(self):
        return f"http://127.0.0.1:{self.management_port}/api"

    def environment(self):
        home = self.home
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.cluster.root),
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"), "RABBITMQ_LOG_BASE": str(home / "log"),
            "RABBITMQ_PID_FILE": str(home / "pid"), "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(home / "rabbitmq-env.conf"),  # not the machine's own node's
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(home / "advanced.config"),
            "RABBITMQ_LOGS": str(home / "log" / "node.log"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def write_config(self):
        self.home.mkdir(parents=True, exist_ok=True)
        peers = "\n".join(f"cluster_formation.classic_config.nodes.{n} = pimms-c{n}@localhost"
                          for n in range(1, NODES + 1))
        (self.home / "rabbitmq.conf").write_text(f"""\
listeners.tcp.1 = 127.0.0.1:{self.amqp_port}
management.tcp.ip = 127.0.0.1
management.tcp.port = {self.management_port}
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = {self.prometheus_port}
cluster_formation.peer_discovery_backend = classic_config
{peers}
cluster_partition_handling = pause_minority
""")
        (self.home / "enabled_plugins").write_text("[rabbitmq_management,rabbitmq_prometheus].\n")
        (self.home / "rabbitmq-env.conf").write_text("")
        (self.home / "advanced.config").write_text("[].\n")

    def start(self):
        self.write_config()
        log = open(self.home / "stdout.log", "ab")
        self.process = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.environment(),
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def pid(self):
        """The Erlang VM's process (what a kill -9 of the node kills)."""
        try:
            return int((self.home / "pid").read_text().strip())
        except (OSError, ValueError):
            return self.process.pid if self.process else None

    def ctl(self, *args, timeout=60, check=True):
        return subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, *args], env=self.environment(),
                              capture_output=True, text=True, timeout=timeout, check=check)

    def wait_up(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start: see {self.home}/log")
            try:
                socket.create_connection(("127.0.0.1", self.amqp_port), timeout=1).close()
                requests.get(f"{self.management}/overview", auth=("guest", "guest"), timeout=3).raise_for_status()
                return
            except (OSError, requests.RequestException):
                time.sleep(1)
        raise RuntimeError(f"{self.name} not up after {timeout}s: see {self.home}/log")

    def signal(self, sig):
        pid = self.pid()
        if pid:
            os.kill(pid, sig)


class Cluster:
    def __init__(self, root=DEFAULT_DIR, keep=False):
        self.root = Path(root)
        self.keep = keep
        self.nodes = [Node(self, n) for n in range(1, NODES + 1)]

    @property
    def amqp_uri(self):
        """kombu's failover list: every node, the client moves to the next when one fails."""
        return ";".join(node.uri for node in self.nodes)

    def uri_for(self, vhost):
        return ";".join(f"{node.uri}{vhost}" for node in self.nodes)

    def start(self):
        for node in self.nodes:
            if socket.socket().connect_ex(("127.0.0.1", node.amqp_port)) == 0:
                raise SystemExit(f"cluster: port {node.amqp_port} is taken (a cluster still running? "
                                 f"`python -m scripts.cluster stop --dir {self.root}`)")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, mode=0o700)
        cookie = self.root / ".erlang.cookie"
        cookie.write_text(COOKIE)
        cookie.chmod(0o400)
        # the first alone, then the others, which find it by peer discovery and join it
        self.nodes[0].start()
        self.nodes[0].wait_up()
        for node in self.nodes[1:]:
            node.start()
        for node in self.nodes[1:]:
            node.wait_up()
        self.wait_clustered()
        return self

    def wait_clustered(self, timeout=120):
        """Until every node sees the three running and none reports a partition."""
        deadline = time.monotonic() + timeout
        names = {node.name for node in self.nodes}
        seen = None
        while time.monotonic() < deadline:
            try:
                views = [requests.get(f"{node.management}/nodes", auth=("guest", "guest"), timeout=5).json()
                         for node in self.nodes]
                seen = [{n["name"]: (n.get("running"), n.get("partitions")) for n in view} for view in views]
                if all({name for name, (running, _) in view.items() if running} == names and
                       not any(partitions for _, partitions in view.values()) for view in seen):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        raise RuntimeError(f"the nodes did not form one cluster in {timeout}s (last seen: {seen}): "
                           f"see {self.root}/c*/log")

    # -- faults ---------------------------------------------------------------------------------------------
    def kill(self, index):
        node = self.nodes[index]
        node.signal(signal.SIGKILL)
        if node.process is not None:
            try:
                node.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass

    def start_node(self, index):
        node = self.nodes[index]
        node.start()
        node.wait_up()
        self.wait_clustered()

    def pause(self, index):
        self.nodes[index].signal(signal.SIGSTOP)

    def resume(self, index):
        self.nodes[index].signal(signal.SIGCONT)

    # -- the end ----------------------------------------------------------------------------------------------
    def stop(self):
        for node in self.nodes:
            node.signal(signal.SIGCONT)  # a paused node cannot stop
            try:
                node.ctl("stop", timeout=60, check=False)
            except subprocess.TimeoutExpired:
                pass
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    node.signal(signal.SIGKILL)
            elif node.pid():
                _kill_if_ours(node)
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _kill_if_ours(node):
    """A node started by an earlier `start` command: killed only if its process is still that node's VM."""
    pid = node.pid()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return
    if node.name in command:
        os.kill(pid, signal.SIGKILL)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    cluster = Cluster(args.dir, keep=args.command == "start")
    if args.command == "start":
        cluster.start()
        print(cluster.amqp_uri)
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
