"""The broker topology every stack shares: one topic exchange for events, a catch-all for events nobody
listens to yet, and a dead-letter queue per service. Declared identically by publishers and consumers.

Events travel on `pimms.events` with the event type as routing key (`accueil.visit_closed`). An event
published before any consumer queue is bound is not dropped: the alternate exchange keeps it in
`pimms.unrouted`, from where `python -m shared.deadletters replay --unrouted` routes it again."""
from kombu import Exchange, Queue

EVENTS = "pimms.events"
UNROUTED = "pimms.unrouted"
DEAD_LETTERS = "pimms.dead_letters"

events_exchange = Exchange(EVENTS, type="topic", durable=True, arguments={"alternate-exchange": UNROUTED})
unrouted_exchange = Exchange(UNROUTED, type="fanout", durable=True)
unrouted_queue = Queue(UNROUTED, exchange=unrouted_exchange, durable=True)
dead_letter_exchange = Exchange(DEAD_LETTERS, type="direct", durable=True)


def sender_of(association_id):
    """Head office's broker user for one association's link, whose name its events carry up as `user_id`
    (which the broker checks against the user that published it): the only sender head office takes an
    association's events from (deploy/topology/setup_shovels.py, config SENDER_CHECK)."""
    return f"association.{association_id}"


def consumer_queue(service, event_type):
    # Named after the service and the event, never after the handler method: renaming a method must not
    # leave an orphan queue filling forever.
    return Queue(f"{service}.{event_type}", exchange=events_exchange, routing_key=event_type, durable=True)


def dead_letter_queue(service):
    return Queue(f"{service}.dead_letters", exchange=dead_letter_exchange, routing_key=service, durable=True)


def declare_publishing(channel):
    """What a publisher needs before its first message: the events exchange and its alternate."""
    unrouted_exchange(channel).declare()
    unrouted_queue(channel).declare()
    events_exchange(channel).declare()


def declare_service(channel, service, event_types):
    """Everything a service consumes from, so events published before it first starts are kept."""
    declare_publishing(channel)
    dead_letter_exchange(channel).declare()
    dead_letter_queue(service)(channel).declare()
    for event_type in event_types:
        consumer_queue(service, event_type)(channel).declare()


def consumed_event_types(service_cls):
    from shared.consumer import EventConsumer

    return sorted({
        ext.event_type for ext in _entrypoints(service_cls) if isinstance(ext, EventConsumer)
    })


def _entrypoints(service_cls):
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    for name in dir(service_cls):  # inherited entrypoints too (shared/service.py)
        yield from getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ())
