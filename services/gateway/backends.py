"""Calling the services behind the gateway over RPC with a deadline: nameko's RpcProxy waits forever, and a
page must not hang because a service is down. Typed errors (InvalidRequest, NotFound...) pass through."""
import eventlet
import requests
from nameko.exceptions import RemoteError, UnknownService

from services.gateway.errors import BackendError, Unavailable
from shared.rpc import BROKER_ERRORS


class Backend:
    """`Backend(self.accueil, 10).open_visit(request)`: the RPC, or Unavailable after `timeout` seconds."""

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


def health_of(services, timeout=3.0):
    """Each service's own GET /health, read concurrently: its status and checks, or unreachable."""
    def probe(item):
        name, url = item
        try:
            response = requests.get(f"{url.rstrip('/')}/health", timeout=timeout)
            body = response.json()
            status = "ok" if response.status_code == 200 and body.get("status") == "ok" else "unhealthy"
            checks = {str(k): str(v) for k, v in (body.get("checks") or {}).items()}
            return name, {"status": status, "checks": checks, "http_status": response.status_code}
        except (requests.RequestException, ValueError) as exc:
            return name, {"status": "unreachable", "checks": {"http": f"{type(exc).__name__}"},
                          "http_status": None}

    pool = eventlet.GreenPool(max(len(services), 1))
    return dict(pool.imap(probe, sorted(services.items())))


def metrics_of(url, timeout=5.0):
    try:
        response = requests.get(f"{url.rstrip('/')}/metrics", timeout=timeout)
    except requests.RequestException as exc:
        raise Unavailable(f"{url} did not answer: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise BackendError(f"{url}/metrics answered {response.status_code}")
    return response.text, response.headers.get("Content-Type", "text/plain; version=0.0.4")
