"""A list of nodes as AMQP_URI (a RabbitMQ cluster): every node is tried before giving up, and no log line
shows a node's password."""
import logging
import socket
from types import SimpleNamespace

import kombu.exceptions
import pytest

from shared import amqp_io
from shared.rpc import GuardedQueueConsumer


def closed_port():
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connecting_tries_every_node_of_the_list_until_one_answers(rabbit_config):
    live = rabbit_config["AMQP_URI"]
    dead = [f"pyamqp://guest:guest@127.0.0.1:{closed_port()}/" for _ in range(2)]
    # kombu's own connect() gives up after the second node: the third, alive, must still be reached
    with amqp_io.connect(";".join(dead + [live]), connect_timeout=2) as conn:
        assert conn.connected
        assert conn.as_uri().endswith(":5672/" + live.rsplit("/", 1)[1])  # the live node, this test's vhost


def test_connecting_to_a_list_of_dead_nodes_fails_once_each_was_tried():
    dead = ";".join(f"pyamqp://guest:guest@127.0.0.1:{closed_port()}/" for _ in range(3))
    with pytest.raises(kombu.exceptions.OperationalError):
        amqp_io.connect(dead, connect_timeout=1)


def test_a_reconnection_warning_hides_the_password_of_every_node(caplog):
    consumer = GuardedQueueConsumer()
    consumer.container = SimpleNamespace(config={
        "AMQP_URI": "pyamqp://pimms:first-secret@node1:5672/;pyamqp://pimms:second-secret@node2:5672/"})
    with caplog.at_level(logging.WARNING):
        consumer.on_connection_error(ConnectionRefusedError(111, "refused"), 0)
    assert "node1" in caplog.text and "node2" in caplog.text
    assert "first-secret" not in caplog.text and "second-secret" not in caplog.text
