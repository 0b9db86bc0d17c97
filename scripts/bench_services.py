"""Services the benchmark runs as its baseline: the barest nameko event handler, counting in memory."""
from nameko.events import event_handler
from nameko.rpc import rpc


class BareCounter:
    """Nameko's own event handler with nothing of the platform: no validation, no storage, no idempotency."""

    name = "bare_counter"
    received = 0

    @event_handler("bench_source", "tick")
    def on_tick(self, payload):
        BareCounter.received += 1

    @rpc
    def count(self):
        return BareCounter.received
