"""List and replay dead letters, and route again the events that found no consumer.

    python -m shared.deadletters list   --service accueil [--amqp-uri URI]
    python -m shared.deadletters replay --service accueil [--event-id ID] [--amqp-uri URI]
    python -m shared.deadletters list   --unrouted
    python -m shared.deadletters replay --unrouted

A replayed dead letter goes back to the queue it failed on, with its attempts reset; an unrouted event goes
back to the events exchange with its routing key. Each is acked only once its copy is confirmed.

A letter is dead-lettered either by the consumer (`x-pimms-reason`: invalid, spoofed, failed N times) or, on
quorum queues, by the broker itself when its delivery limit is reached (`x-death`: delivery_limit); both
are listed with their reason and replayed the same way."""
import argparse
import json
import os
import sys
from dataclasses import dataclass

from shared import amqp_io, redelivery, topology
from shared.consumer import ATTEMPTS

DEFAULT_URI = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672//")


@dataclass
class Letter:
    delivery_tag: int
    body: bytes
    headers: dict
    routing_key: str
    content_type: str
    content_encoding: str

    @property
    def event_id(self):
        try:
            return json.loads(self.body).get("event_id")
        except (ValueError, AttributeError):
            return None

    @property
    def origin(self):
        """The queue the letter failed on: named by the consumer, or by the broker's last `x-death`."""
        if self.headers.get("x-pimms-queue"):
            return self.headers["x-pimms-queue"]
        deaths = self.headers.get("x-death") or [{}]
        queue = deaths[0].get("queue")
        return queue.decode() if isinstance(queue, bytes) else queue

    @property
    def reason(self):
        """(kind, reason): the consumer's, or else the broker's (a quorum queue's delivery limit)."""
        if self.headers.get("x-pimms-reason") is not None:
            return self.headers.get("x-pimms-reason-kind"), self.headers["x-pimms-reason"]
        return redelivery.death_reason(self.headers)

    def describe(self):
        kind, reason = self.reason
        deaths = self.headers.get("x-death") or [{}]
        return {
            "event_id": self.event_id,
            "queue": self.origin,
            "routing_key": self.routing_key,
            "reason": reason,
            "kind": kind,
            "dead_lettered_at": self.headers.get("x-pimms-dead-lettered-at") or _text(deaths[0].get("time")),
            "body": self.body.decode("utf-8", "replace"),
        }


def _text(value):
    return value if value is None or isinstance(value, str) else str(value)


def _queue_name(service, unrouted):
    return topology.UNROUTED if unrouted else topology.dead_letter_queue(service).name


def _fetch_all(channel, queue):
    letters = []
    while True:
        msg = channel.basic_get(queue, no_ack=False)
        if msg is None:
            return letters
        letters.append(Letter(
            msg.delivery_tag, msg.body if isinstance(msg.body, bytes) else msg.body.encode(),
            dict(msg.properties.get("application_headers") or {}), msg.delivery_info.get("routing_key", ""),
            msg.properties.get("content_type", "application/json"),
            msg.properties.get("content_encoding", "utf-8"),
        ))


def list_letters(amqp_uri, service=None, unrouted=False):
    """Read every letter without taking it: the channel closes unacked, so they all go back."""
    with amqp_io.connect(amqp_uri) as conn:
        channel = conn.channel()
        _declare(channel, service, unrouted)
        letters = _fetch_all(channel, _queue_name(service, unrouted))
        channel.close()
    return letters


def replay(amqp_uri, service=None, unrouted=False, event_id=None):
    """Send letters back where they came from; returns how many were replayed."""
    import amqp

    replayed = 0
    with amqp_io.connect(amqp_uri) as conn:
        channel = conn.channel()
        _declare(channel, service, unrouted)
        channel.confirm_select()
        letters = _fetch_all(channel, _queue_name(service, unrouted))
        for letter in letters:
            if event_id is not None and letter.event_id != event_id:
                continue
            # its history of failures stays behind: back in its queue it starts again from nothing
            headers = {k: v for k, v in letter.headers.items()
                       if not k.startswith(("x-pimms-", "x-death", "x-first-death-", "x-delivery-count"))}
            if unrouted:
                exchange, routing_key = topology.EVENTS, letter.routing_key
            else:
                exchange, routing_key = "", letter.origin
                headers[ATTEMPTS] = 0
            channel.basic_publish_confirm(
                amqp.Message(letter.body, content_type=letter.content_type,
                             content_encoding=letter.content_encoding, delivery_mode=2,
                             application_headers=headers),
                exchange=exchange, routing_key=routing_key,
            )
            channel.basic_ack(letter.delivery_tag)
            replayed += 1
        channel.close()  # letters not replayed were never acked: they stay
    return replayed


def oldest_dead_lettered_at(amqp_uri, service, timeout=5.0):
    """When the letter at the head of the service's dead-letter queue (the oldest: letters queue in the order
    they were dead-lettered) was dead-lettered, as epoch seconds; None when the queue is empty or absent.
    Peeks without taking it: the channel closes unacked, and the broker puts the letter back in its place."""
    import datetime as dt

    import amqp

    name = topology.dead_letter_queue(service).name
    with amqp_io.connect(amqp_uri, connect_timeout=timeout) as conn:
        channel = conn.channel()
        try:
            channel.queue_declare(queue=name, passive=True)  # never create it: a service may have none
        except amqp.exceptions.NotFound:
            return None
        msg = channel.basic_get(name, no_ack=False)
        channel.close()
    if msg is None:
        return None
    stamp = dict(msg.properties.get("application_headers") or {}).get("x-pimms-dead-lettered-at")
    try:
        return dt.datetime.fromisoformat(stamp).timestamp()
    except (TypeError, ValueError):  # not put there by a consumer of ours: no date to read (the broker's
        return None  # own gauge, alert PimmsDeadLettersWaiting, still sees it)


def _declare(channel, service, unrouted):
    if unrouted:
        topology.declare_publishing(channel)
    else:
        if not service:
            raise SystemExit("--service is required (or --unrouted)")
        topology.dead_letter_exchange(channel).declare()
        topology.dead_letter_queue(service)(channel).declare()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shared.deadletters", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--service")
    parser.add_argument("--unrouted", action="store_true")
    parser.add_argument("--event-id")
    parser.add_argument("--amqp-uri", default=DEFAULT_URI)
    args = parser.parse_args(argv)
    if args.command == "list":
        letters = list_letters(args.amqp_uri, args.service, args.unrouted)
        for letter in letters:
            print(json.dumps(letter.describe(), ensure_ascii=False))
        print(f"{len(letters)} message(s)", file=sys.stderr)
    else:
        count = replay(args.amqp_uri, args.service, args.unrouted, args.event_id)
        print(f"replayed {count} message(s)", file=sys.stderr)


if __name__ == "__main__":
    main()
