"""`make cluster-smoke`: the quick check that quorum queues on a three-node cluster keep what they confirmed.

Starts three nodes on loopback (scripts/cluster.py), declares a service's queues as the services do with
PIMMS_QUEUE_TYPE=quorum, publishes events with publisher confirms, kills -9 the node leading the queue and
takes every event from the two others through the failover list of URIs; then the same after a pause
(SIGSTOP) of the new leader. Prints `confirmed=N received=N` and exits non-zero unless they match. About 2.5
minutes (147 s measured); the cluster is stopped and removed at the end."""
import sys
import tempfile
import time
from pathlib import Path

import amqp

from scripts.chaos_cluster import leader_of
from scripts.cluster import Cluster
from shared import amqp_io, topology

EVENT = "accueil.visit_closed"
QUEUE = f"smoke.{EVENT}"


def publish(uri, count, start):
    with amqp_io.connect(uri, connect_timeout=5) as conn:
        channel = conn.default_channel
        topology.declare_service(channel, "smoke", [EVENT], "quorum")
        channel.confirm_select()
        for n in range(start, start + count):
            channel.basic_publish_confirm(amqp.Message(str(n).encode(), delivery_mode=2),
                                          exchange=topology.EVENTS, routing_key=EVENT)
    return set(range(start, start + count))


def take_all(uri, timeout=60):
    received, deadline = set(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with amqp_io.connect(uri, connect_timeout=5) as conn:
                channel = conn.default_channel
                while True:
                    message = channel.basic_get(QUEUE, no_ack=False)
                    if message is None:
                        return received
                    received.add(int(message.body))
                    channel.basic_ack(message.delivery_tag)
        except Exception as exc:  # the queue's new leader not elected yet: try again
            print(f"  not yet: {type(exc).__name__}: {exc}", flush=True)
            time.sleep(2)
    return received


def index_of(cluster, name):
    return next(i for i, node in enumerate(cluster.nodes) if node.name == name)


def main():
    started = time.monotonic()
    confirmed, received = set(), set()
    with Cluster(Path(tempfile.mkdtemp(prefix="pimms-cluster-smoke-"))) as cluster:
        uri = cluster.amqp_uri
        confirmed |= publish(uri, 500, 0)
        leader = index_of(cluster, leader_of(cluster, QUEUE))
        print(f"500 events confirmed; kill -9 {cluster.nodes[leader].name}, the queue's leader", flush=True)
        cluster.kill(leader)
        received |= take_all(uri)
        print(f"{len(received)} taken from the two other nodes", flush=True)
        confirmed |= publish(uri, 500, 500)
        cluster.start_node(leader)
        second = index_of(cluster, leader_of(cluster, QUEUE))
        print(f"500 more confirmed; SIGSTOP {cluster.nodes[second].name}, the new leader, for 20 s", flush=True)
        cluster.pause(second)
        time.sleep(20)
        received |= take_all(uri)
        cluster.resume(second)
    print(f"{time.monotonic() - started:.0f} s")
    print(f"confirmed={len(confirmed)} received={len(received & confirmed)}")
    return 0 if confirmed == received else 1


if __name__ == "__main__":
    sys.exit(main())
