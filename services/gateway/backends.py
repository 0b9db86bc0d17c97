"""Accueil and reporting as one dependency, `self.backends`, each called over RPC with a deadline: nameko's
RpcProxy waits forever, and a page must not hang because a service is down."""
from dataclasses import dataclass

import eventlet
from nameko.exceptions import RemoteError, UnknownService
from nameko.extensions import DependencyProvider

from services.gateway.errors import BackendError, Unavailable
from shared.rpc import BROKER_ERRORS, RpcProxy


class Backend:
    """`Backend(proxy, 10).open_visit(request)`: the RPC, or Unavailable after `timeout` seconds. The
    service's typed errors (InvalidRequest, NotFound...) pass through."""

    def __init__(self, proxy, timeout):
        self._proxy, self._timeout = proxy, timeout

    def __getattr__(self, method):
        def call(*args):
            name = self._proxy.service_name
            timer = eventlet.Timeout(self._timeout)
            try:
                return getattr(self._proxy, method).call_async(*args).result()
            except eventlet.Timeout as exc:
                if exc is not timer:
                    raise
                raise Unavailable(f"{name} did not answer within {self._timeout:g}s") from None
            except UnknownService:
                raise Unavailable(f"{name} is not running") from None
            except BROKER_ERRORS as exc:  # the request could not even be published
                raise Unavailable(f"{name} cannot be reached: the broker is away ({type(exc).__name__})") from None
            except RemoteError as exc:  # an error the service does not type: a bug there, not the caller's
                raise BackendError(f"{name}.{method} failed: {exc.exc_type}") from None
            finally:
                timer.cancel()

        return call


def concurrently(*calls):
    """Each call (a function of nothing, making its own RPC) in its own greenthread: their results in order,
    or the first one's error. A page that asks accueil four things waits for the slowest answer instead of
    the sum of four round trips (the desk page: docs/benchmark.md). The calls carry the worker's account
    as any call of this worker does: the proxy was bound to the worker before they started."""
    threads = [eventlet.spawn(call) for call in calls]
    return [thread.wait() for thread in threads]


@dataclass(frozen=True)
class Services:
    """What a worker calls: `self.backends.accueil.get_visit(visit_id)`, `self.backends.reporting.figures(...)`."""
    accueil: Backend
    reporting: Backend


class _PartProxy(RpcProxy):
    """The platform's RpcProxy (shared/rpc.py: it survives broker outages) as a part of `Backends`. Nameko
    binds an extension's parts with `bind(container)`, but a DependencyProvider's bind also asks for the
    attribute it is injected as, which a part has not: its own name stands in (nothing injects it)."""

    def bind(self, container, attr_name=None):
        return super().bind(container, attr_name or f"{self.target_service}_rpc")


class Backends(DependencyProvider):
    """`self.backends.accueil` and `self.backends.reporting`, each behind a deadline of config
    RPC_TIMEOUT_SECONDS (10). The proxies are parts of this provider: nameko sets them up, starts and stops
    them with the container, and each call they make carries the worker's context (the account signed into
    it by `Vouch`, shared/principal.py). One dependency for both, so that a route test swaps them for fakes
    with `replace_dependencies(container, backends=Services(accueil=..., reporting=...))`."""

    accueil_rpc = _PartProxy("accueil")
    reporting_rpc = _PartProxy("reporting")

    def setup(self):
        self.timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", 10))

    def get_dependency(self, worker_ctx):
        return Services(accueil=Backend(self.accueil_rpc.get_dependency(worker_ctx), self.timeout),
                        reporting=Backend(self.reporting_rpc.get_dependency(worker_ctx), self.timeout))
