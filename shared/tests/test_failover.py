"""A list of nodes as AMQP_URI (a RabbitMQ cluster): every node is tried before giving up, and no log line
shows a node's password."""
import logging
import socket
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import kombu.exceptions
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared import amqp_io
from shared.rpc import GuardedQueueConsumer, RpcProxy, rpc


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


class Echo:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


class Caller:
    name = "caller"
    echo = RpcProxy("echo")

    @rpc
    def relay(self, value):
        return self.echo.echo(value)


def test_a_callers_reply_queue_is_transient_so_another_node_can_declare_it_when_its_own_is_lost(
        container_factory, rabbit_config, rabbit_manager):
    container_factory(Echo, rabbit_config).start()
    container_factory(Caller, rabbit_config).start()
    with ServiceRpcProxy("caller", rabbit_config, timeout=5) as caller:
        assert caller.relay("through") == "through"
    vhost = unquote(urlparse(rabbit_config["AMQP_URI"]).path[1:])
    [reply] = [q for q in rabbit_manager.get_queues(vhost) if q["name"].startswith("rpc.reply-caller-")]
    assert reply["durable"] is False and reply["arguments"].get("x-expires")  # still expires as nameko's
    [requests] = [q for q in rabbit_manager.get_queues(vhost) if q["name"] == "rpc-echo"]
    assert requests["durable"] is True
