"""The outbox relay: publishes committed events as persistent messages and marks them sent only after the
broker confirmed them. Confirms are awaited per batch (one round trip for up to `batch_size` messages).

A crash anywhere loses nothing: unsent rows are published at the next start. A crash after the confirm and
before the mark publishes a batch twice; consumers are idempotent, so it is applied once."""
import logging
import threading
import time

import amqp
from sqlalchemy import func, select, update

from shared import amqp_io, topology
from shared.db import utcnow
from shared.tables import outbox

log = logging.getLogger(__name__)


class ConfirmTimeout(Exception):
    pass


class Relay:
    def __init__(self, engine, amqp_uri, *, batch_size=500, poll_interval=1.0, confirm_timeout=30.0,
                 metrics=None, linger=0.0):
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.linger = linger
        self.confirm_timeout = confirm_timeout
        self.metrics = metrics
        self._conn = None
        self._channel = None
        self._tag = 0
        self._wakeup = threading.Event()
        self._stopping = False

    # -- the loop -----------------------------------------------------------------------------------------
    def wake(self):
        self._wakeup.set()

    def run(self):
        """Publish until stopped; broker or database trouble means retry with backoff, never give up."""
        backoff = 0.5
        while not self._stopping:
            try:
                published = self.publish_batch()
                backoff = 0.5
            except Exception as exc:  # the loop must survive anything the broker or database throws
                log.warning("outbox relay: %s; retrying in %.1fs", exc, backoff)
                if self.metrics:
                    self.metrics.relay_errors.inc()
                self._disconnect()
                self._sleep(backoff)
                backoff = min(backoff * 2, 15)
                continue
            if published < self.batch_size:
                self._sleep(self.poll_interval)

    def stop(self):
        self._stopping = True
        self._wakeup.set()
        self._disconnect()

    def _sleep(self, seconds):
        woken = self._wakeup.wait(seconds)
        self._wakeup.clear()
        if woken and self.linger and not self._stopping:
            # woken by a commit: linger, so that what the desks commit meanwhile goes in the same batch
            # (one read, one wait for confirms, one update for all), instead of a batch per visit taking the
            # process from the next request (docs/benchmark.md)
            time.sleep(self.linger)

    # -- one batch ----------------------------------------------------------------------------------------
    def pending(self, limit):
        with self.engine.connect() as conn:
            return conn.execute(
                select(outbox.c.id, outbox.c.event_id, outbox.c.event_type, outbox.c.body)
                .where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(limit)
            ).all()

    def publish_batch(self):
        rows = self.pending(self.batch_size)
        if not rows:
            return 0
        confirmed = self.publish(rows)
        self.mark_sent(confirmed)
        if self.metrics:
            for row in rows:
                if row.id in confirmed:
                    self.metrics.events_published.labels(row.event_type).inc()
        return len(confirmed)

    def publish(self, rows):
        """Publish rows and wait for the broker's confirms; returns the ids it confirmed (acked)."""
        channel = self._ensure_channel()
        by_tag = {}
        acked, nacked = set(), set()

        def settle(into, delivery_tag, multiple):
            if not multiple:
                if delivery_tag in by_tag:
                    into.add(by_tag.pop(delivery_tag))
                return
            for tag in list(by_tag):  # tags were added in ascending order: stop at the first beyond
                if tag > delivery_tag:
                    break
                into.add(by_tag.pop(tag))

        on_ack = lambda tag, multiple: settle(acked, tag, multiple)  # noqa: E731
        on_nack = lambda tag, multiple: settle(nacked, tag, multiple)  # noqa: E731
        # listen before publishing: py-amqp may read pending frames (and so confirms) inside basic_publish
        channel.events["basic_ack"].add(on_ack)
        channel.events["basic_nack"].add(on_nack)
        try:
            for row in rows:
                self._tag += 1
                by_tag[self._tag] = row.id
                channel.basic_publish(
                    amqp.Message(
                        row.body, content_type="application/json", content_encoding="utf-8",
                        delivery_mode=2, message_id=row.event_id,
                    ),
                    exchange=topology.EVENTS, routing_key=row.event_type,
                )
            deadline = time.monotonic() + self.confirm_timeout
            while by_tag:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConfirmTimeout(f"{len(by_tag)} publishes unconfirmed after {self.confirm_timeout}s")
                self._conn.drain_events(timeout=remaining)
        finally:
            channel.events["basic_ack"].discard(on_ack)
            channel.events["basic_nack"].discard(on_nack)
        if nacked:
            log.warning("outbox relay: broker refused %d events; they stay in the outbox", len(nacked))
        return acked

    def mark_sent(self, ids):
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(sorted(ids))).values(sent_at=utcnow()))

    def backlog(self):
        """(number of unsent events, creation time of the oldest) for the operators' gauges."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
            ).one()

    # -- connection ---------------------------------------------------------------------------------------
    def _ensure_channel(self):
        if self._channel is None:
            conn = amqp_io.connect(self.amqp_uri, connect_timeout=10)  # the first node of a cluster that answers
            # py-amqp polls the socket before every publish when the broker can send connection.blocked; a
            # relay waits for its confirms anyway (and times out if blocked), so skip that per-message read
            conn.connection.client_properties.setdefault("capabilities", {})["connection.blocked"] = False
            channel = conn.channel()
            topology.declare_publishing(channel)
            channel.confirm_select()
            self._conn, self._channel, self._tag = conn, channel, 0
        return self._channel

    def _disconnect(self):
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # already broken: nothing left to close
                pass
