"""The broker topology every stack shares: one topic exchange for events, a catch-all for events nobody
listens to yet, a dead-letter queue per service, and delay queues for retries. Declared identically by
publishers and consumers.

Events travel on `pimms.events` with the event type as routing key (`accueil.visit_closed`). An event
published before any consumer queue is bound is not dropped: the alternate exchange keeps it in
`pimms.unrouted`, from where `python -m shared.deadletters replay --unrouted` routes it again.

Queues are classic or quorum after `PIMMS_QUEUE_TYPE` (shared/redelivery.py says which arguments and why);
every process of a stack must see the same value, or the second declaration of a queue fails. A retry waits
in `pimms.retry.<ms>ms` (a fanout exchange and its queue, one per pause) and comes back by itself."""
import os

from kombu import Exchange, Queue

from shared import redelivery

EVENTS = "pimms.events"
UNROUTED = "pimms.unrouted"
DEAD_LETTERS = "pimms.dead_letters"
RETRY = "pimms.retry"

events_exchange = Exchange(EVENTS, type="topic", durable=True, arguments={"alternate-exchange": UNROUTED})
unrouted_exchange = Exchange(UNROUTED, type="fanout", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTERS, type="direct", durable=True)


def queue_type(kind: str | None = None) -> str:
    """`kind` if given, else this process's `PIMMS_QUEUE_TYPE` (classic when unset)."""
    return redelivery.queue_type({redelivery.QUEUE_TYPE_ENV: kind} if kind else os.environ)


def unrouted_queue(kind: str | None = None) -> Queue:
    return Queue(UNROUTED, exchange=unrouted_exchange, durable=True,
                 queue_arguments=redelivery.plain_arguments(queue_type(kind)))


def sender_of(association_id):
    """Head office's broker user for one association's link, whose name its events carry up as `user_id`
    (which the broker checks against the user that published it): the only sender head office takes an
    association's events from (deploy/topology/setup_shovels.py, config SENDER_CHECK)."""
    return f"association.{association_id}"


def consumer_queue(service, event_type, kind: str | None = None) -> Queue:
    # Named after the service and the event, never after the handler method: renaming a method must not
    # leave an orphan queue filling forever.
    return Queue(f"{service}.{event_type}", exchange=events_exchange, routing_key=event_type, durable=True,
                 queue_arguments=redelivery.consumer_arguments(queue_type(kind), DEAD_LETTERS, service))


def dead_letter_queue(service, kind: str | None = None) -> Queue:
    return Queue(f"{service}.dead_letters", exchange=dead_letter_exchange, routing_key=service, durable=True,
                 queue_arguments=redelivery.plain_arguments(queue_type(kind)))


def retry_exchange(delay_ms: int) -> Exchange:
    """Where a message to retry in `delay_ms` is published, its routing key the queue it goes back to."""
    return Exchange(f"{RETRY}.{int(delay_ms)}ms", type="fanout", durable=True)


def retry_queue(delay_ms: int, kind: str | None = None) -> Queue:
    return Queue(f"{RETRY}.{int(delay_ms)}ms", exchange=retry_exchange(delay_ms), durable=True,
                 queue_arguments=redelivery.delay_arguments(queue_type(kind), delay_ms))


def declare_publishing(channel, kind: str | None = None):
    """What a publisher needs before its first message: the events exchange and its alternate."""
    unrouted_exchange(channel).declare()
    unrouted_queue(kind)(channel).declare()
    events_exchange(channel).declare()


def declare_service(channel, service, event_types, kind: str | None = None):
    """Everything a service consumes from, so events published before it first starts are kept."""
    declare_publishing(channel, kind)
    dead_letter_exchange(channel).declare()
    dead_letter_queue(service, kind)(channel).declare()
    for event_type in event_types:
        consumer_queue(service, event_type, kind)(channel).declare()


def consumed_event_types(service_cls):
    from shared.consumer import EventConsumer

    return sorted({
        ext.event_type for ext in _entrypoints(service_cls) if isinstance(ext, EventConsumer)
    })


def _entrypoints(service_cls):
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    for name in dir(service_cls):  # inherited entrypoints too (shared/service.py)
        yield from getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ())
