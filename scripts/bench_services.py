"""Services the benchmark runs as its baselines: the barest nameko event handler, counting in memory, and
the framework's floor for a request: an @http entrypoint making one RPC to a service doing no I/O."""
import json

from nameko.events import event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http


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


class BareBack:
    """The floor's back end: a nameko RPC that does no I/O."""

    name = "bare_back"

    @rpc
    def nothing(self, value):
        return {"value": value}


class BareFront:
    """The floor's front: nameko's own @http entrypoint making one RPC to BareBack, as the gateway does to
    accueil, with nothing of the platform (no session, no validation, no database)."""

    name = "bare_front"
    back = RpcProxy("bare_back")

    @http("GET", "/floor")
    def floor(self, request):
        return json.dumps(self.back.nothing(request.args.get("v", "")))
