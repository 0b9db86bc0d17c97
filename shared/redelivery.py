"""Which kind of queue holds the events, with which arguments, and what happens to an event its handler could
not apply: plain rules over plain values (no broker here; shared/topology.py declares what they say).

Two kinds of queue, chosen per stack by `PIMMS_QUEUE_TYPE`:
- `classic` (the default, a small single-node stack): the queues as they have always been declared, so an
  existing stack redeclares them unchanged;
- `quorum` (a RabbitMQ cluster: Kubernetes overlays): Raft-replicated queues that survive the loss of a
  node. A quorum queue counts the times a message went back to it (a consumer that died holding it, a
  requeue) and, past `DELIVERY_LIMIT`, dead-letters it to the service's dead-letter queue by itself, the
  reason (`delivery_limit`) in its `x-death` header: a message that kills its consumer cannot loop forever.
  Dead-lettering is at-least-once (`x-dead-letter-strategy`, which needs `x-overflow: reject-publish`):
  the message leaves its queue only once the dead-letter queue has it.

A queue's type is fixed when it is created: declaring it again with another type fails with
PRECONDITION_FAILED, so switching a stack from classic to quorum is a migration (docs/operations.md).

A failed attempt is retried later without holding a worker: the message is sent to a delay queue whose
messages expire after the pause and then go back, by the default exchange, to the queue they came from."""

CLASSIC, QUORUM = "classic", "quorum"
QUEUE_TYPES = (CLASSIC, QUORUM)
QUEUE_TYPE_ENV = "PIMMS_QUEUE_TYPE"
# Returns to the queue before the broker dead-letters a message: a handler's errors are retried and
# dead-lettered by the consumer long before (EVENT_RETRY), so only deaths of consumers count here; a node
# lost or a service killed returns what it held, hence a margin well above one or two such losses.
DELIVERY_LIMIT = 20
MAX_DELAY_MS = 60_000  # a pause longer than a minute holds nothing up; one more delay queue per tier is enough
OUTAGE_PAUSE_MS = 1_000  # the database or broker is away: the event waits this long, its attempts unused


def queue_type(environ) -> str:
    """The kind of queue of this stack, from `PIMMS_QUEUE_TYPE` in `environ` (classic when unset)."""
    value = (environ.get(QUEUE_TYPE_ENV) or CLASSIC).strip().lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"{QUEUE_TYPE_ENV} must be one of {', '.join(QUEUE_TYPES)}, not {value!r}")
    return value


def plain_arguments(kind: str) -> dict:
    """A durable queue that dead-letters nothing (dead letters, unrouted events, a shovel's source)."""
    return {"x-queue-type": QUORUM} if _checked(kind) == QUORUM else {}


def consumer_arguments(kind: str, dead_letter_exchange: str, service: str) -> dict:
    """A service's queue of one event type. Classic: none (as ever). Quorum: bounded redeliveries, then
    at-least-once dead-lettering to the service's dead-letter queue."""
    if _checked(kind) == CLASSIC:
        return {}
    return {
        "x-queue-type": QUORUM,
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": dead_letter_exchange,
        "x-dead-letter-routing-key": service,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def delay_arguments(kind: str, delay_ms: int) -> dict:
    """A delay queue: its messages expire after `delay_ms` and are dead-lettered to the default exchange with
    the routing key they were sent with, the name of the queue they return to. Every message of one delay
    queue waits the same time, so the first to expire is always at the head."""
    arguments = {"x-message-ttl": int(delay_ms), "x-dead-letter-exchange": ""}
    if _checked(kind) == QUORUM:
        arguments.update({"x-queue-type": QUORUM, "x-dead-letter-strategy": "at-least-once",
                          "x-overflow": "reject-publish"})
    return arguments


def retry_delay_ms(attempts: int, backoff_s: float) -> int:
    """The pause before attempt `attempts + 1`: `backoff_s` doubled at each failed attempt, in whole
    milliseconds (a delay queue per value), at least 1 ms and at most MAX_DELAY_MS."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    if backoff_s < 0:
        raise ValueError(f"backoff must not be negative, not {backoff_s}")
    return max(1, min(MAX_DELAY_MS, round(backoff_s * 1000 * 2 ** min(attempts - 1, 30))))


def after_failure(attempts_before: int, max_attempts: int, backoff_s: float) -> tuple[str, int, int]:
    """What to do with an event whose handler just failed (not an outage): ("retry", attempts, delay_ms) or
    ("dead_letter", attempts, 0), `attempts` counting this one."""
    attempts = attempts_before + 1
    if attempts >= max_attempts:
        return "dead_letter", attempts, 0
    return "retry", attempts, retry_delay_ms(attempts, backoff_s)


def death_reason(headers: dict) -> tuple[str | None, str | None]:
    """(kind, reason) of a message the broker dead-lettered by itself, from its `x-death` header: a delivery
    limit reached, a message rejected or expired. (None, None) when the broker never dead-lettered it."""
    deaths = headers.get("x-death") or []
    if not deaths:
        return None, None
    last = deaths[0]  # most recent first: a delay queue's earlier expiries come after it
    kind = _text(last.get("reason"))
    queue = _text(last.get("queue"))
    if kind == "delivery_limit":
        return kind, f"returned to {queue} more than its delivery limit ({DELIVERY_LIMIT}) allows: its " \
                     f"consumer died or gave it back each time"
    return kind, f"dead-lettered by the broker from {queue} ({kind})"


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _checked(kind):
    if kind not in QUEUE_TYPES:
        raise ValueError(f"queue type must be one of {', '.join(QUEUE_TYPES)}, not {kind!r}")
    return kind
