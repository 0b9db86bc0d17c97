"""The operator's view of the stack: each service's own /health and /metrics read over HTTP (SERVICE_URLS),
with the gateway's own health beside them, so one account watches every service without reaching them."""
import eventlet
import requests
from werkzeug.wrappers import Response

from services.gateway.errors import BackendError, Unavailable
from shared import health
from shared.errors import NotFound


def network_health(config, engine):
    """Every service's status and checks, the gateway's included: `ok` when all are, else `degraded`."""
    services = health_of(config.get("SERVICE_URLS") or {})
    healthy, own = health.check(engine, config["AMQP_URI"])
    services["gateway"] = {"status": "ok" if healthy else "unhealthy", "checks": own["checks"],
                           "http_status": 200 if healthy else 503}
    overall = "ok" if all(s["status"] == "ok" for s in services.values()) else "degraded"
    return {"status": overall, "services": services}


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


def metrics_of(config, service):
    """A service's Prometheus metrics as it serves them; NotFound for a service SERVICE_URLS does not name."""
    urls = config.get("SERVICE_URLS") or {}
    if service not in urls:
        raise NotFound(f"no service {service}: one of {', '.join(sorted(urls))}")
    text, content_type = _scrape(urls[service])
    return Response(text, content_type=content_type)


def _scrape(url, timeout=5.0):
    try:
        response = requests.get(f"{url.rstrip('/')}/metrics", timeout=timeout)
    except requests.RequestException as exc:
        raise Unavailable(f"{url} did not answer: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise BackendError(f"{url}/metrics answered {response.status_code}")
    return response.text, response.headers.get("Content-Type", "text/plain; version=0.0.4")
