"""Each speed patch alone (shared/speedups.py), with and without it, in the same run: what it gains.

    .venv/bin/python -m scripts.bench_speedups [--messages N] [--payloads N]   (make bench runs it too)

- marshmallow_validate: loading real `accueil.visit_closed` payloads with the visit_closed schema;
- amqp_read_ahead: consuming persistent messages of a real envelope's size from the local RabbitMQ (its own
  vhost) with kombu, acking each.
Each is timed in alternating rounds, and the median of the per-round ratios is printed."""
import argparse
import json
import statistics
import time

from shared import amqp_io, contracts, envelope, validation


def visit_payloads(n):
    from scripts.bench import sample_event

    doc = json.loads(sample_event())
    return [doc["payload"]] * n


def time_validation(payloads, patched):
    (validation.install if patched else validation.uninstall)()
    schema = envelope.payload_schema("accueil.visit_closed", 1)
    started = time.perf_counter()
    for payload in payloads:
        schema.load(payload)
    return time.perf_counter() - started


def time_consuming(uri, n, patched):
    from kombu import Connection, Exchange, Queue

    (amqp_io.install if patched else amqp_io.uninstall)()
    from scripts.bench import sample_event

    body = sample_event()
    exchange = Exchange("bench-read-ahead", type="direct", durable=True)
    queue = Queue("bench-read-ahead", exchange=exchange, routing_key="r", durable=True)
    with Connection(uri) as conn:
        producer = conn.Producer()
        for _ in range(n):
            producer.publish(body, exchange=exchange, routing_key="r", declare=[queue], delivery_mode=2,
                             content_type="application/json", retry=True)
        received = []
        started = time.perf_counter()
        with conn.Consumer(queue, on_message=lambda m: (received.append(1), m.ack()), prefetch_count=200):
            while len(received) < n:
                conn.drain_events(timeout=10)
        return time.perf_counter() - started


def run(messages=20000, payloads=20000, rounds=3, vhost=None):
    """{patch: median speed-up (time without / time with)}."""
    from scripts.bench import Vhost

    contracts.load_all()
    found = {"marshmallow_validate": [], "amqp_read_ahead": []}
    data = visit_payloads(payloads)
    for _ in range(rounds):
        without, with_ = time_validation(data, False), time_validation(data, True)
        found["marshmallow_validate"].append(without / with_)
        with Vhost() as vhost:
            without = time_consuming(vhost.uri, messages, False)
            with_ = time_consuming(vhost.uri, messages, True)
        found["amqp_read_ahead"].append(without / with_)
    validation.install()
    amqp_io.install()
    return {name: statistics.median(ratios) for name, ratios in found.items()}, found


def report(medians, found):
    print("-- speed patches, each alone (time without / time with, median of rounds)", flush=True)
    for name, median in medians.items():
        print(f"speedup: {name:<36} x{median:5.2f}   ({' '.join(f'{r:.2f}' for r in found[name])})", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--payloads", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    report(*run(args.messages, args.payloads, args.rounds))


if __name__ == "__main__":
    main()
