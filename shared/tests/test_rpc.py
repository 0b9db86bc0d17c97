"""The platform's RPC against the real broker: what the broker does after the work (publishing the reply,
acking the request) can fail without stopping the service, and an outage inside the work answers a typed
`Unavailable` instead of the driver's error."""
import eventlet
import pytest
from nameko import rpc as nameko_rpc
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy.exc import OperationalError

from shared.errors import Unavailable
from shared.metrics import Metrics
from shared.rpc import RpcProxy, rpc, settle


class Echo:
    name = "echo"
    metrics = Metrics()

    @rpc
    def echo(self, value):
        return value

    @rpc
    def database_away(self):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("could not connect to server"))


class Caller:
    name = "caller"
    echo = RpcProxy("echo")

    @rpc
    def relay(self, value):
        return self.echo.echo(value)


def test_a_reply_that_cannot_be_published_is_dropped_and_counted_and_the_service_keeps_serving(
        container_factory, rabbit_config, monkeypatch):
    container = container_factory(Echo, rabbit_config)
    container.start()
    real_send = nameko_rpc.Responder.send_response
    failures = iter([True])

    def send_or_fail(self, result, exc_info):
        if next(failures, False):
            raise ConnectionResetError(104, "Connection reset by peer")
        return real_send(self, result, exc_info)

    monkeypatch.setattr(nameko_rpc.Responder, "send_response", send_or_fail)
    with ServiceRpcProxy("echo", rabbit_config, timeout=2) as echo:
        # when the first reply cannot be published, the caller times out
        with pytest.raises(RpcTimeout):
            echo.echo("lost")
    eventlet.sleep(0.2)
    # then the container is still running, the drop is counted, and the next call is answered
    assert not container._died.ready()
    dropped = container._pimms_metrics.rpc_replies_dropped.labels("echo.echo")._value.get()
    assert dropped == 1
    with ServiceRpcProxy("echo", rabbit_config, timeout=5) as echo:
        assert echo.echo("answered") == "answered"


def test_an_outage_inside_the_work_reaches_the_caller_as_unavailable(container_factory, rabbit_config):
    container_factory(Echo, rabbit_config).start()
    with ServiceRpcProxy("echo", rabbit_config, timeout=5) as echo:
        with pytest.raises(Unavailable, match="cannot reach its database or broker"):
            echo.database_away()


def test_the_proxy_gives_each_request_the_callers_patience_as_time_to_live(container_factory, rabbit_config):
    container_factory(Echo, rabbit_config).start()
    caller = container_factory(Caller, {**rabbit_config, "RPC_TIMEOUT_SECONDS": 7})
    caller.start()
    proxy = next(ext for ext in caller.extensions if isinstance(ext, RpcProxy))
    assert proxy.options["expiration"] == 7.0
    with ServiceRpcProxy("caller", rabbit_config, timeout=5) as call:
        assert call.relay("through") == "through"


class DeadChannel:
    connection = None


class BrokenChannel:
    connection = object()


class Message:
    def __init__(self, channel, error=None):
        self.channel, self.error, self.acked = channel, error, False

    def ack(self):
        if self.error:
            raise self.error
        self.acked = True


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "broken pipe"),
                                   OSError("socket closed")])
def test_settling_on_a_broken_socket_is_skipped_instead_of_raising(error):
    assert settle(Message(BrokenChannel(), error), "ack") is False


def test_settling_on_a_closed_channel_is_skipped_and_a_live_one_acks():
    assert settle(Message(DeadChannel()), "ack") is False
    message = Message(BrokenChannel())
    assert settle(message, "ack") is True and message.acked
