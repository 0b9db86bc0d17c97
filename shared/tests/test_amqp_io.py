"""The read-ahead transport on the real broker: frames larger than one read and many small ones in one read
arrive whole and in order."""
import os
import time

import pytest
from kombu import Connection, Exchange, Queue

from shared import amqp_io


@pytest.fixture
def read_ahead():
    """The patch installed for this test only, then kombu's own transport back."""
    assert amqp_io.install()
    yield
    amqp_io.uninstall()


def test_deliveries_of_every_size_arrive_whole_and_in_order(rabbit_config, read_ahead):
    exchange = Exchange("read-ahead", type="direct", durable=False)
    queue = Queue("read-ahead", exchange=exchange, routing_key="read-ahead", durable=False)
    bodies = [os.urandom(size) for size in [1, 7, 8, 100, amqp_io.READ_AHEAD - 1, amqp_io.READ_AHEAD,
                                            amqp_io.READ_AHEAD + 1, 300_000] + [600] * 500]
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.connect()
        assert isinstance(conn.connection.transport, amqp_io.ReadAheadTCPTransport)
        producer = conn.Producer()
        for body in bodies:
            producer.publish(body, exchange=exchange, routing_key="read-ahead", declare=[queue],
                             content_type="application/octet-stream", content_encoding="binary")
        received = []
        with conn.Consumer(queue, on_message=lambda m: (received.append(m.body), m.ack()), prefetch_count=1000):
            deadline = time.monotonic() + 20
            while len(received) < len(bodies) and time.monotonic() < deadline:
                conn.drain_events(timeout=1)
    assert received == bodies
