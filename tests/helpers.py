"""Helpers for tests that talk to the real broker."""
import json
import random
import socket
import time

from kombu import Connection


def free_port(host="127.0.0.1"):
    """A port for a test's server, below the kernel's range of ephemeral ports. nameko's find_free_port
    asks the kernel for one of those, closes it and leaves the server to bind it later: meanwhile any
    outgoing connection of the suite (AMQP, HTTP) may be given that very port (a setup failed so, on
    "Address already in use"). Outgoing connections never take a port below that range."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
        ephemeral = int(ports.read().split()[0])
    for _ in range(100):
        port = random.randrange(10000, ephemeral)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port found between 10000 and {ephemeral}")


def wait_for(predicate, timeout=15.0, interval=0.05, message="condition", ignoring=()):
    """The predicate's first true value; `ignoring`: errors that mean "not yet" (figures asked for before the
    first event that makes them has been applied answer NotFound)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except ignoring:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def probe(amqp_uri, *event_types):
    """A queue per event type (`probe.<event type>`), bound before anything is published, to read what went
    on the bus with `drain`."""
    from shared import topology

    with Connection(amqp_uri) as conn:
        topology.declare_service(conn.channel(), "probe", list(event_types))


def drain(amqp_uri, queue, settle=0.3):
    """Take every message from a queue (acked), returning (bodies as dicts or bytes, headers) in order."""
    taken = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < settle:
            msg = channel.basic_get(queue, no_ack=True)
            if msg is None:
                time.sleep(0.02)
                continue
            idle_since = time.monotonic()
            body = msg.body
            try:
                body = json.loads(body)
            except ValueError:
                pass
            taken.append((body, dict(msg.properties.get("application_headers") or {})))
    return taken


def queue_depth(amqp_uri, queue):
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        _, count, _ = channel.queue_declare(queue, passive=True)
        return count


def publish_raw(amqp_uri, routing_key, body, content_type="application/json", exchange="pimms.events"):
    """Put a message straight on the bus, bypassing every check a service would make."""
    publish_many(amqp_uri, routing_key, [body], content_type, exchange)


def publish_many(amqp_uri, routing_key, bodies, content_type="application/json", exchange="pimms.events"):
    import amqp

    from shared import topology

    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        topology.declare_publishing(channel)
        channel.confirm_select()
        for body in bodies:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            channel.basic_publish_confirm(amqp.Message(body, content_type=content_type, delivery_mode=2),
                                          exchange=exchange, routing_key=routing_key)


AGENT_LYON8 = {"login": "agent.lyon8", "role": "agent", "association_id": "pimms-test", "desks": ["lyon-8"],
               "agent_id": "agent-1"}


def acting_as(principal=AGENT_LYON8):
    """nameko context data that makes a standalone proxy's calls act for `principal`, signed with the key the
    suite's services share (conftest.PRINCIPAL_KEY), as the gateway would sign them."""
    from conftest import PRINCIPAL_KEY
    from shared import principal as signed

    return signed.context(principal, PRINCIPAL_KEY)
