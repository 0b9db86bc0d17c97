"""`@handle_event("accueil.visit_closed")`: a nameko entrypoint that validates every event before the
handler sees it, and never drops a message.

Nameko's own event handler acks and forgets a message whose handler raised (or, with requeue, loops on it
forever). Here:
- a message that is not JSON, or fails the envelope or payload schema, goes to the service's dead-letter
  queue at once, with the reason; so does, at head office (SENDER_CHECK), an event that did not come
  through its association's own link (the broker-validated `user_id`);
- a handler that raises gets the message back after a growing pause, up to `max_attempts` (config
  EVENT_RETRY), then the message goes to the dead-letter queue with the last error; the pause is spent in
  a delay queue of the broker (shared/topology.py), never by a worker, which is free again at once;
- while the database or the broker is away, the message waits in a delay queue too, its attempts unused;
- the message is acked only after the dead-letter or retry copy is confirmed by the broker;
- on quorum queues (PIMMS_QUEUE_TYPE=quorum) the broker itself dead-letters a message returned to its
  queue more than its delivery limit (a message whose consumer dies each time), its reason in `x-death`.
Each event handled gets one log line (shared/logs.py): its type, id, outcome (applied, duplicate, retried,
dead-lettered) and the milliseconds since it was received.
"""
import datetime as dt
import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import eventlet
from marshmallow import ValidationError
from nameko.amqp.publish import get_producer
from nameko.containers import ContainerBeingKilled
from nameko.messaging import Consumer

from shared import acks, envelope, logs, redelivery, topology
from shared.db import ALREADY_APPLIED
from shared.metrics import metrics_for
from shared.outages import is_outage
from shared.rpc import BROKER_ERRORS, GuardedQueueConsumer

log = logging.getLogger(__name__)

ATTEMPTS = "x-pimms-attempts"
BATCH_WAIT = 0.05  # seconds a batch waits for more events after its first, unless EVENT_BATCH_WAIT says


class SafeQueueConsumer(GuardedQueueConsumer):
    """Nameko's queue consumer, except that a body kombu cannot decode is dead-lettered instead of killing
    the consumer thread (and with it the service), and that its prefetch (EVENT_PREFETCH) can exceed
    max_workers so that batch consumers can fill their batches."""

    @property
    def prefetch_count(self):
        return int(self.container.config.get("EVENT_PREFETCH") or self.container.max_workers)

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        # the dead-letter queue exists before the first message the broker dead-letters by itself (quorum
        # queues' delivery limit); declared again after every reconnection, which may be to another node
        for queue in {q.name: q for p in self._providers for q in getattr(p, "declared_beside", ())}.values():
            queue(channel).declare()
        return consumers

    # every delivery is registered and every settlement goes through shared.acks (see why there)
    def handle_message(self, provider, body, message):
        acks.delivered(message)
        received(message)
        if getattr(provider, "handles_inline", False):
            # a batch consumer only validates and queues here; a green thread per message would cost more
            provider.handle_message(body, message)
        else:
            super().handle_message(provider, body, message)

    def _undecodable(self, provider, message, exc):
        acks.delivered(message)
        received(message)
        provider.handle_undecodable(provider, message, exc)

    def ack_message(self, message):
        self.ack_messages([message])

    def ack_messages(self, messages):
        try:
            acks.ack(messages)
        except BROKER_ERRORS:  # the connection is closing: the broker takes the messages back
            pass

    def requeue_message(self, message):
        acks.settled(message)
        super().requeue_message(message)


class EventConsumer(Consumer):
    queue_consumer = SafeQueueConsumer()

    def __init__(self, event_type, **kwargs):
        envelope.EVENT_TYPE(event_type)
        self.event_type = event_type
        super().__init__(queue=None, requeue_on_error=False, **kwargs)

    def setup(self):
        config = self.container.config
        retry = config.get("EVENT_RETRY") or {}
        self.max_attempts = int(retry.get("max_attempts", 5))
        self.backoff = float(retry.get("backoff", 0.2))
        self.amqp_uri = config["AMQP_URI"]
        self.service = self.container.service_name
        self.queue_type = topology.queue_type()
        self.queue = topology.consumer_queue(self.service, self.event_type, self.queue_type)
        self.dead_letters = topology.dead_letter_queue(self.service, self.queue_type)
        self.declared_beside = (self.dead_letters,)
        self.metrics = metrics_for(self.container)
        # at head office: each event must come through its association's own link (deploy/topology)
        self.sender_check = str(config.get("SENDER_CHECK", False)).lower() in ("true", "1", "yes")
        super().setup()

    # -- receiving ----------------------------------------------------------------------------------------
    def validated(self, body, message):
        """The message's Event, or None once it has been dead-lettered as invalid."""
        try:
            event = envelope.upcast(envelope.load(body))  # an older version arrives as the newest
        except ValidationError as exc:
            self.metrics.events_rejected.labels(self.event_type).inc()
            self._dead_letter(message, "invalid", json.dumps(exc.messages, sort_keys=True, default=str),
                              event_id=claimed_id(body))
            return None
        if event.type != self.event_type:
            self._dead_letter(message, "invalid", f"event type {event.type} arrived on {self.queue.name}",
                              event_id=event.event_id)
            return None
        if self.sender_check:
            sender = (message.properties or {}).get("user_id")
            if sender != topology.sender_of(event.association_id):
                self.metrics.events_rejected.labels(self.event_type).inc()
                self._dead_letter(message, "spoofed", f"an event of association {event.association_id} sent by "
                                                      f"{sender or 'an unidentified sender'}: only that "
                                                      f"association's link may send it", event_id=event.event_id)
                return None
        return event

    def handle_message(self, body, message):
        event = self.validated(body, message)
        if event is None:
            return
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=self.unpack_message_headers(message), handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    @staticmethod
    def handle_undecodable(provider, message, exc):
        provider.metrics.events_rejected.labels(provider.event_type).inc()
        provider._dead_letter(message, "invalid", f"body cannot be decoded: {exc}")

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        event_id = handled_event_id(worker_ctx)
        if exc_info is None:
            duplicate = result is ALREADY_APPLIED
            counter = self.metrics.events_duplicate if duplicate else self.metrics.events_consumed
            counter.labels(self.event_type).inc()
            self.queue_consumer.ack_message(message)
            self._handled(message, event_id, "duplicate" if duplicate else "applied")
            return result, exc_info
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if is_outage(exc_info[1]):
            # the database or broker is away: the event is fine, so it waits instead of using up attempts
            log.warning("%s: infrastructure unavailable (%s); the message waits", self.queue.name, error)
            self._retry_later(message, redelivery.OUTAGE_PAUSE_MS, {})
            self._handled(message, event_id, "retried", reason="outage")
            return result, exc_info
        what, attempts, delay_ms = redelivery.after_failure(
            int((message.headers or {}).get(ATTEMPTS, 0)), self.max_attempts, self.backoff)
        if what == "dead_letter":
            self._dead_letter(message, "failed", f"failed {attempts} times, last: {error}", attempts, event_id)
        else:
            log.warning("%s: attempt %d failed (%s); retrying in %d ms", self.queue.name, attempts, error, delay_ms)
            self._retry_later(message, delay_ms, {ATTEMPTS: attempts})
            self._handled(message, event_id, "retried", reason="failed", attempt=attempts)
        return result, exc_info

    def _retry_later(self, message, delay_ms, extra_headers):
        """Back to this queue after `delay_ms`, by way of a delay queue: no worker waits meanwhile."""
        return self._forward(message, topology.retry_exchange(delay_ms), self.queue.name, extra_headers,
                             topology.retry_queue(delay_ms, self.queue_type),
                             self.metrics.events_retried.labels(self.event_type))

    def _handled(self, message, event_id, outcome, **more):
        logs.event_handled(self.event_type, event_id, outcome, getattr(message, "_pimms_received", None), **more)

    # -- never dropping -----------------------------------------------------------------------------------
    def _dead_letter(self, message, kind, reason, attempts=None, event_id=None):
        log.error("%s: dead-lettering a message (%s): %s", self.queue.name, kind, reason)
        headers = {
            "x-pimms-reason": reason[:4000],
            "x-pimms-reason-kind": kind,
            "x-pimms-queue": self.queue.name,
            "x-pimms-dead-lettered-at": dt.datetime.now(dt.timezone.utc).isoformat(),
        }
        if attempts is not None:
            headers[ATTEMPTS] = attempts
        forwarded = self._forward(message, topology.dead_letter_exchange, self.service, headers, self.dead_letters,
                                  self.metrics.events_dead_lettered.labels(self.event_type, kind))
        # not forwarded: the message was requeued, and comes back to be dead-lettered again
        self._handled(message, event_id, "dead-lettered" if forwarded else "retried", reason=kind)

    def _forward(self, message, exchange, routing_key, extra_headers, declare, counter):
        """Publish a copy with confirm, then ack the original (True); if the copy fails, requeue the original."""
        headers = dict(message.headers or {})
        headers.update(extra_headers)
        # the copy carries the exact bytes received, whatever they are, so a replay sends the same message
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode("utf-8")
        try:
            with get_producer(self.amqp_uri) as producer:
                producer.publish(
                    body, exchange=exchange, routing_key=routing_key, headers=headers,
                    content_type=message.content_type or "application/octet-stream",
                    content_encoding=message.content_encoding or "binary",
                    delivery_mode=2, retry=True, declare=[declare] if declare is not None else [],
                )
        except Exception:
            log.exception("%s: could not forward a message; requeueing it", self.queue.name)
            eventlet.sleep(1)  # the broker is likely down: do not spin on the same message
            self.queue_consumer.requeue_message(message)
            return False
        counter.inc()
        self.queue_consumer.ack_message(message)
        return True


class EventBatchConsumer(EventConsumer):
    """`@handle_event_batch("accueil.visit_closed")`: the handler gets a list of Events and applies them in one
    transaction (use `db.apply_batch`). A batch closes at `batch_size` events or `max_wait` seconds after
    its first. If a batch fails, each of its events is handled alone, so one bad event is retried and
    dead-lettered by itself while the others are applied. Set EVENT_PREFETCH at least to batch_size."""

    handles_inline = True  # handle_message runs in the queue consumer's thread (it never waits but to spawn)

    def __init__(self, event_type, batch_size=200, max_wait=None, **kwargs):
        self.batch_size, self.max_wait = batch_size, max_wait
        super().__init__(event_type, **kwargs)

    def setup(self):
        self._pending = []
        self._timer = None
        if self.max_wait is None:  # the service's EVENT_BATCH_WAIT: how long a batch waits for company
            self.max_wait = float(self.container.config.get("EVENT_BATCH_WAIT", BATCH_WAIT))
        super().setup()

    def handle_message(self, body, message):
        event = self.validated(body, message)
        if event is None:
            return
        self._pending.append((event, message))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = self.container.spawn_managed_thread(self._flush_later, identifier="event-batch")

    def _flush_later(self):
        eventlet.sleep(self.max_wait)
        self._timer = None
        self._flush()

    def _flush(self):
        batch, self._pending = self._pending, []
        if batch:
            self._spawn(batch)

    def _spawn(self, batch):
        try:
            self.container.spawn_worker(self, ([event for event, _ in batch],), {}, context_data={},
                                        handle_result=partial(self.handle_batch_result, batch))
        except ContainerBeingKilled:
            for _, message in batch:
                self.queue_consumer.requeue_message(message)

    def handle_batch_result(self, batch, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            applied, duplicates = result if isinstance(result, tuple) else (len(batch), 0)
            self.metrics.events_consumed.labels(self.event_type).inc(applied)
            self.metrics.events_duplicate.labels(self.event_type).inc(duplicates)
            self.queue_consumer.ack_messages([message for _, message in batch])
            new = getattr(result, "new", None)  # apply_batch's result knows which events were new
            for event, message in batch:
                if new is not None:
                    outcome = "applied" if id(event) in new else "duplicate"
                else:  # a handler that returned bare counts: exact unless the batch was mixed
                    outcome = "duplicate" if not applied else "applied" if not duplicates else "applied or duplicate"
                self._handled(message, event.event_id, outcome)
        elif len(batch) == 1:
            self.handle_result(batch[0][1], worker_ctx, None, exc_info)
        else:
            log.warning("%s: a batch of %d failed; handling its events one by one", self.queue.name, len(batch))
            for item in batch:
                self._spawn([item])
        return result, exc_info


def received(message):
    """Note when a delivery arrived, for the duration on its log line."""
    message._pimms_received = time.perf_counter()


def handled_event_id(worker_ctx):
    """The id of the event a worker handled (a batch consumer's worker retrying one event gets a list of one)."""
    event = worker_ctx.args[0] if worker_ctx.args else None
    if isinstance(event, list):
        event = event[0] if len(event) == 1 else None
    return getattr(event, "event_id", None)


def claimed_id(body):
    """The event_id an invalid message claims, for its log line: only if it is a uuid, as event ids are (any
    other text could be anything, a name included)."""
    event_id = body.get("event_id") if isinstance(body, dict) else None
    try:
        return str(uuid.UUID(event_id))
    except (TypeError, ValueError, AttributeError):
        return None


def handle_event(event_type: str, **options: Any) -> Callable[[Callable], Callable]:
    """`@handle_event("accueil.visit_closed")` on a method `(self, event: Event)`; options: see EventConsumer."""
    return EventConsumer.decorator(event_type, **options)


def handle_event_batch(event_type: str, batch_size: int = 200, max_wait: float | None = None,
                       **options: Any) -> Callable[[Callable], Callable]:
    """`@handle_event_batch("accueil.visit_closed")` on a method `(self, events: list[Event])` that returns
    `db.apply_batch(...)`'s (applied, duplicates) as it is (it also tells the log lines which events were new)."""
    return EventBatchConsumer.decorator(event_type, batch_size=batch_size, max_wait=max_wait, **options)
