"""Link head office's broker and each association's with RabbitMQ's own Shovel plugin: contract changes
travel down, the activity head office evaluates and the monthly figures travel up. No home-made bridge:
this script only declares queues, bindings and dynamic shovels, and the broker moves the messages.

    python -m deploy.topology.setup_shovels \\
        --head-office amqp://hq:secret@hq.pimms.example:5672/%2F \\
        --association pimms-lyon=amqp://lyon:secret@lyon.pimms.example:5672/%2F \\
        [--association ID=AMQP_URI[,MANAGEMENT_URL] ...] [--wait 30] \\
        [--head-office-queue-type quorum] [--association-queue-type classic]

For each association it converges to this state (running it twice changes nothing):
- at head office, a durable queue `shovel.down.<association_id>` bound to `pimms.events` for DOWNLINK;
- at the association, a durable queue `shovel.up` bound to `pimms.events` for UPLINK;
- on the association's broker, two dynamic shovels, `pimms-downlink` (head office's queue to the
  association's `pimms.events`) and `pimms-uplink` (the association's queue to head office's
  `pimms.events`), keeping each message's routing key (the event type), acknowledging only after the
  other side confirmed (no loss when a link or a broker is down: the queues wait);
- the queues of the services that consume what a link brings, so an event that arrives before such a
  service first starts waits in that service's queue.
The shovels live on the association's broker: associations connect out to head office, head office
needs no route into the associations' networks. See README.md beside this file for what travels and why.

A broker that is a cluster is given as the list of its nodes, `amqp://u:p@node1/%2F;amqp://u:p@node2/%2F`
(or as one address that reaches any node, such as a Kubernetes Service): the script connects to the first
node that answers, and the shovels get every node as their list of URIs, the plugin picking one and moving
to another when it fails. The link queues are of the type of their broker's queues (`--head-office-queue-type`,
`--association-queue-type`; by default PIMMS_QUEUE_TYPE, see shared/redelivery.py): quorum on a cluster, so
that they outlive the loss of a node.

Each association connects to head office as a user of its own, `association.<id>`, made here on head
office's broker with a random password (kept in the association's shovel definitions, and replaced when
they are lost) and allowed to read its own downlink queue and write to `pimms.events`, nothing else. The
uplink shovel stamps every message with that user as its `user_id`, a property RabbitMQ checks against the
connection's user: an association cannot publish at head office in another's name, and head office's
consumers (config SENDER_CHECK) dead-letter an event whose `association_id` is not its sender's.
"""
import argparse
import re
import secrets
import sys
import time
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests
from kombu import Queue, binding

from shared import amqp_io, redelivery, topology

# What head office sends down: the contracts. Every association receives every contract (see README.md).
DOWNLINK = ("franchise.contract_changed",)
# What associations send up: the inputs of compliance and the monthly figures. Nothing that carries a
# citizen's identity exists on the bus; visitor references travel, meaningless without the association's key.
UPLINK = (
    "accueil.visit_closed",
    "accueil.workshop_held",
    "formation.work_time_logged",
    "formation.training_logged",
    "reporting.period_closed",
)
# Who consumes what a link brings, on each side: their queues are declared with the link, so nothing that
# arrives before a service's first start is lost to it. (Which service runs where is deployment knowledge:
# head office's reporting consumes only the figures, an association's only its own activity.)
HEAD_OFFICE_CONSUMERS = {
    "franchise": UPLINK,
    "reporting": ("reporting.period_closed",),
}
ASSOCIATION_CONSUMERS = {
    "accueil": DOWNLINK,
    "formation": DOWNLINK,
    "mediation_sortante": DOWNLINK,
}
DOWN_SHOVEL, UP_SHOVEL = "pimms-downlink", "pimms-uplink"
UP_QUEUE = "shovel.up"


def down_queue(association_id):
    return f"shovel.down.{association_id}"


association_user = topology.sender_of  # head office's broker user for one association's link


@dataclass(frozen=True)
class Broker:
    """One stack's broker: its AMQP URI (vhost included) and its management API."""

    amqp_uri: str  # one node, or a cluster's nodes separated by ";" (kombu's failover list)
    management_url: str = None
    queue_type: str = None  # classic or quorum; None: this process's PIMMS_QUEUE_TYPE

    @property
    def nodes(self):
        return [uri.strip() for uri in self.amqp_uri.split(";") if uri.strip()]

    @property
    def vhost(self):
        path = urlsplit(self.nodes[0]).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    @property
    def shovel_uri(self):
        """The URI the shovel plugin connects with (plain amqp://, as the broker spells it); for a cluster,
        the list of its nodes' URIs, of which the plugin uses one and fails over to another."""
        uris = []
        for node in self.nodes:
            parts = urlsplit(node)
            scheme = "amqps" if parts.scheme in ("amqps", "pyamqps") else "amqp"
            uris.append(urlunsplit((scheme, parts.netloc, "/" + quote(self.vhost, safe=""), parts.query, "")))
        return uris[0] if len(uris) == 1 else uris

    def as_user(self, user, password):
        """The same broker reached as another user."""
        nodes = []
        for node in self.nodes:
            parts = urlsplit(node)
            host = parts.hostname + (f":{parts.port}" if parts.port else "")
            netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
            nodes.append(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))
        return Broker(";".join(nodes), self.management_url, self.queue_type)

    @property
    def user(self):
        return unquote(urlsplit(self.nodes[0]).username or "")

    @property
    def password(self):
        return unquote(urlsplit(self.nodes[0]).password or "")

    @property
    def api(self):
        if self.management_url:
            return self.management_url.rstrip("/")
        parts = urlsplit(self.nodes[0])
        if not (parts.username and parts.password):
            raise SystemExit(f"{self.amqp_uri}: the broker URI must carry a user and a password")
        return f"http://{parts.username}:{parts.password}@{parts.hostname or '127.0.0.1'}:15672"


class Management:
    """The few calls of RabbitMQ's management HTTP API this script needs."""

    def __init__(self, broker):
        parts = urlsplit(broker.api)
        self.base = urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""),
                                parts.path + "/api", "", ""))
        self.auth = (unquote(parts.username or ""), unquote(parts.password or ""))
        self.vhost = quote(broker.vhost, safe="")

    def _call(self, method, path, **kwargs):
        response = requests.request(method, f"{self.base}/{path}", auth=self.auth, timeout=10, **kwargs)
        if response.status_code == 404 and method == "GET":
            return None
        response.raise_for_status()
        return response.json() if response.content else None

    def shovel_definition(self, name):
        found = self._call("GET", f"parameters/shovel/{self.vhost}/{quote(name, safe='')}")
        return None if found is None else found["value"]

    def define_shovel(self, name, value):
        self._call("PUT", f"parameters/shovel/{self.vhost}/{quote(name, safe='')}", json={"value": value})

    def user_exists(self, user):
        return self._call("GET", f"users/{quote(user, safe='')}") is not None

    def put_user(self, user, password):
        self._call("PUT", f"users/{quote(user, safe='')}", json={"password": password, "tags": ""})

    def set_permissions(self, user, configure, write, read):
        self._call("PUT", f"permissions/{self.vhost}/{quote(user, safe='')}",
                   json={"configure": configure, "write": write, "read": read})

    def shovel_states(self):
        return {s["name"]: s.get("state") for s in self._call("GET", f"shovels/{self.vhost}") or []}

    def bindings(self, queue):
        return self._call("GET", f"queues/{self.vhost}/{quote(queue, safe='')}/bindings") or []

    def unbind(self, exchange, queue, properties_key):
        self._call("DELETE", f"bindings/{self.vhost}/e/{quote(exchange, safe='')}/q/{quote(queue, safe='')}/"
                             f"{quote(properties_key, safe='')}")


def shovel(source, queue, destination, stamp_user=None):
    value = {
        "src-protocol": "amqp091", "src-uri": source.shovel_uri, "src-queue": queue,
        "dest-protocol": "amqp091", "dest-uri": destination.shovel_uri, "dest-exchange": topology.EVENTS,
        "ack-mode": "on-confirm", "src-delete-after": "never", "reconnect-delay": 5,
        "dest-add-forward-headers": False, "src-prefetch-count": 200,
    }
    if stamp_user is not None:  # the broker at the other end checks it is the user the shovel connects as
        value["dest-publish-properties"] = {"user_id": stamp_user}
    return value


def link_user(head_office, association_id, association_api):
    """Head office reached as the association's own user: made (or its password reset) when the
    association's shovels do not already hold a working one, and allowed its link and nothing more."""
    user = association_user(association_id)
    api = Management(head_office)
    known = association_api.shovel_definition(UP_SHOVEL)
    password = None
    if known is not None and api.user_exists(user):
        dest_uri = known["dest-uri"]
        dest = Broker(";".join(dest_uri) if isinstance(dest_uri, list) else dest_uri)
        if dest.user == user:
            password = dest.password
    if password is None:
        password = secrets.token_urlsafe(24)
        api.put_user(user, password)
    queue = re.escape(down_queue(association_id))
    api.set_permissions(user, configure=f"^{queue}$", write=f"^{re.escape(topology.EVENTS)}$", read=f"^{queue}$")
    return head_office.as_user(user, password)


def setup(head_office, associations, *, down=DOWNLINK, up=UPLINK, head_office_consumers=HEAD_OFFICE_CONSUMERS,
          association_consumers=ASSOCIATION_CONSUMERS):
    """Converge head office and each association (`{association_id: Broker}`) to the linked state."""
    if set(down) & set(up):
        raise ValueError(f"{sorted(set(down) & set(up))} would travel both ways and loop between the brokers")
    declare_consumers(head_office, head_office_consumers, up)
    for association_id, association in sorted(associations.items()):
        link_queue(head_office, down_queue(association_id), down)
        link_queue(association, UP_QUEUE, up)
        declare_consumers(association, association_consumers, down)
        api = Management(association)
        as_association = link_user(head_office, association_id, api)
        for name, value in ((DOWN_SHOVEL, shovel(as_association, down_queue(association_id), association)),
                            (UP_SHOVEL, shovel(association, UP_QUEUE, as_association,
                                               stamp_user=association_user(association_id)))):
            if api.shovel_definition(name) != value:  # redefining restarts a shovel: only when it differs
                api.define_shovel(name, value)


def link_queue(broker, queue, event_types):
    """A durable queue on the stack's events exchange, bound to exactly these event types."""
    kind = topology.queue_type(broker.queue_type)
    with amqp_io.connect(broker.amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        topology.declare_publishing(channel, kind)
        Queue(queue, durable=True, bindings=[binding(topology.events_exchange, routing_key=t) for t in event_types],
              queue_arguments=redelivery.plain_arguments(kind))(channel).declare()
    api = Management(broker)
    for bound in api.bindings(queue):
        if bound["source"] == topology.EVENTS and bound["routing_key"] not in event_types:
            api.unbind(topology.EVENTS, queue, bound["properties_key"])


def declare_consumers(broker, by_service, event_types):
    with amqp_io.connect(broker.amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        for service, consumed in sorted(by_service.items()):
            topology.declare_service(channel, service, [t for t in consumed if t in event_types],
                                     topology.queue_type(broker.queue_type))


def wait_running(associations, timeout):
    deadline = time.monotonic() + timeout
    for association_id, association in sorted(associations.items()):
        api = Management(association)
        while True:
            states = api.shovel_states()
            if states.get(DOWN_SHOVEL) == "running" and states.get(UP_SHOVEL) == "running":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"shovels of {association_id} not running after {timeout}s: {states}")
            time.sleep(0.2)


def parse_association(text):
    """`ID=AMQP_URI[,MANAGEMENT_URL]` -> (id, Broker)."""
    association_id, sep, rest = text.partition("=")
    if not sep or not association_id or not rest:
        raise argparse.ArgumentTypeError("expected ID=AMQP_URI[,MANAGEMENT_URL]")
    amqp_uri, _, management = rest.partition(",")
    return association_id, Broker(amqp_uri, management or None)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deploy.topology.setup_shovels",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--head-office", required=True, help="head office's AMQP URI, vhost included")
    parser.add_argument("--head-office-management", help="its management API (default: port 15672 of its host)")
    parser.add_argument("--association", action="append", type=parse_association, required=True,
                        metavar="ID=AMQP_URI[,MANAGEMENT_URL]")
    parser.add_argument("--wait", type=float, default=0, help="seconds to wait for the shovels to run")
    parser.add_argument("--head-office-queue-type", choices=redelivery.QUEUE_TYPES,
                        help="its queues' type (default: PIMMS_QUEUE_TYPE, else classic)")
    parser.add_argument("--association-queue-type", choices=redelivery.QUEUE_TYPES,
                        help="the associations' queues' type (default: PIMMS_QUEUE_TYPE, else classic)")
    args = parser.parse_args(argv)
    head_office = Broker(args.head_office, args.head_office_management, args.head_office_queue_type)
    associations = {association_id: replace(broker, queue_type=args.association_queue_type)
                    for association_id, broker in args.association}
    setup(head_office, associations)
    if args.wait:
        wait_running(associations, args.wait)
    for association_id in sorted(associations):
        print(f"{association_id}: {', '.join(DOWNLINK)} down; {', '.join(UPLINK)} up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
