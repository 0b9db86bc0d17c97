"""RPC that outlives the broker: nameko's entrypoint and proxy, except that nothing the broker does after the
work itself (sending the reply, acking the request, acking a reply) can stop the service.

Nameko 2.14 publishes an RPC reply and acks the request inside the worker's result handler; when the broker
is away, either raises there and nameko kills the whole container (`nameko/rpc.py` `send_response`, and
`QueueConsumer.ack_message`, which catches py-amqp's ConnectionError but not the socket's). Here:
- a reply that cannot be published is dropped with a log line and `pimms_rpc_replies_dropped_total`; the
  caller times out and gets a clean error;
- an ack or requeue on a dead channel is skipped: the broker takes the message back with the channel;
- a worker that failed because the database or the broker was unreachable answers `Unavailable`, a typed
  error the caller can retry, instead of whatever the driver raised;
- the proxy publishes each request with a time to live equal to the caller's patience (`expiration`), so
  a request nobody waits for any more is dropped by the broker rather than run late.

A request whose reply was lost may be delivered again once the broker is back: every call that changes
state therefore carries an idempotency key (shared/idempotency.py), so a second run answers the first's
result and changes nothing.

On a RabbitMQ cluster (PIMMS_QUEUE_TYPE=quorum) each service's request queue `rpc-<service>` is a quorum
queue, so that requests keep flowing while any one node is down (a classic queue lives on one node, and its
consumers elsewhere are cancelled when that node goes). Reply queues stay classic, and transient: a reply
queue serves one caller process (its name holds a random id) and is worth nothing once that process is
gone, so Raft replication would only cost; but nameko declares it durable, and a durable classic queue whose
node is down cannot be declared again anywhere ("home node ... is down or inaccessible"): the caller could
not get a reply until that node came back (seen with `make chaos-cluster`). Transient, it disappears with
its node, the caller declares it again on the node it reconnects to, and a reply lost meanwhile is a
timeout, which the desk retries with its idempotency key.

Use `from shared.rpc import rpc, RpcProxy` everywhere instead of nameko's: two kinds of RPC entrypoint in
one service would compete for its `rpc-<service>` queue."""
import logging
import sys

import amqp.exceptions
import kombu.exceptions
from kombu import Queue
from nameko import rpc as nameko_rpc
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from nameko.utils import sanitize_url

from shared import redelivery, topology
from shared.errors import Unavailable
from shared.metrics import metrics_for
from shared.outages import is_outage

log = logging.getLogger(__name__)

# What a socket to a broker that went away raises, through py-amqp or kombu
BROKER_ERRORS = (OSError, amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError,
                 kombu.exceptions.KombuError)


def settle(message, how):
    """Ack or requeue a message; on a dead channel do nothing: the broker already took the message back."""
    channel = message.channel
    if channel is None or not channel.connection:
        return False
    try:
        getattr(message, how)()
        return True
    except BROKER_ERRORS as exc:
        log.warning("could not %s a message (%s): the broker redelivers it", how, exc)
        return False


class GuardedQueueConsumer(QueueConsumer):
    """Nameko's queue consumer, whose acks and requeues never raise into a worker, and whose reconnection
    warnings name every node of a cluster's URI list without its password (nameko hides the first only)."""

    def on_connection_error(self, exc, interval):
        nodes = ";".join(sanitize_url(uri) for uri in self.amqp_uri.split(";"))
        log.warning("Error connecting to broker at %s (%s). Retrying in %s seconds.", nodes, exc, interval)

    def ack_message(self, message):
        settle(message, "ack")

    def requeue_message(self, message):
        settle(message, "requeue")


class RpcConsumer(nameko_rpc.RpcConsumer):
    queue_consumer = GuardedQueueConsumer()

    def setup(self):
        # nameko's own setup, with a queue of this stack's type (classic: exactly nameko's queue)
        if self.queue is None:
            service = self.container.service_name
            self.queue = Queue(nameko_rpc.RPC_QUEUE_TEMPLATE.format(service), exchange=nameko_rpc.get_rpc_exchange(
                self.container.config), routing_key=f"{service}.*", durable=True,
                queue_arguments=redelivery.plain_arguments(topology.queue_type()))
            self.queue_consumer.register_provider(self)
            self._registered = True

    def handle_message(self, body, message):
        try:
            super().handle_message(body, message)
        except ContainerBeingKilled:  # pragma: no cover (nameko requeues it itself)
            self.requeue_message(message)

    def handle_result(self, message, result, exc_info):
        if exc_info is not None and is_outage(exc_info[1]):
            # the caller can do something with "try again", nothing with a driver's traceback
            try:
                raise Unavailable(f"{self.container.service_name} cannot reach its database or broker: "
                                  f"{type(exc_info[1]).__name__}") from exc_info[1]
            except Unavailable:
                exc_info = sys.exc_info()
        try:
            result, exc_info = super().handle_result(message, result, exc_info)
        except Exception as exc:  # the reply could not be published: the broker is away
            method = message.delivery_info.get("routing_key", "?")
            log.warning("RPC reply to %s dropped: %s: %s (the caller times out)", method, type(exc).__name__, exc)
            metrics_for(self.container).rpc_replies_dropped.labels(method).inc()
            self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(nameko_rpc.Rpc):
    rpc_consumer = RpcConsumer()


class ReplyListener(nameko_rpc.ReplyListener):
    queue_consumer = GuardedQueueConsumer()

    def setup(self):
        super().setup()
        queue = self.queue  # nameko's, made transient (see the module's docstring); declared only at start
        self.queue = Queue(queue.name, exchange=queue.exchange, routing_key=queue.routing_key, durable=False,
                           queue_arguments=dict(queue.queue_arguments or {}))


class RpcProxy(nameko_rpc.RpcProxy):
    """`accueil = RpcProxy("accueil")`: with config RPC_TIMEOUT_SECONDS, a request lives that long in the
    broker at most (the caller stops waiting then, see services/gateway/backends.py)."""

    rpc_reply_listener = ReplyListener()

    def setup(self):
        timeout = self.container.config.get("RPC_TIMEOUT_SECONDS")
        if timeout is not None:
            self.options.setdefault("expiration", float(timeout))
        super().setup()


rpc = Rpc.decorator
