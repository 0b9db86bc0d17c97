"""Health for Kubernetes probes and operators: the service is healthy when its database answers a query and
its broker accepts a connection. Both are checked for real, each with a short timeout."""
import time

from sqlalchemy import text

from shared import amqp_io
from shared.http import json_response


def check(engine, amqp_uri, timeout=3.0):
    checks = {}
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure is the answer, not an error of the probe
        checks["database"] = f"error: {type(exc).__name__}: {exc}"[:300]
    try:
        with amqp_io.connect(amqp_uri, connect_timeout=timeout):  # any node of a cluster will do
            pass
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {type(exc).__name__}: {exc}"[:300]
    healthy = all(value == "ok" for value in checks.values())
    return healthy, {"status": "ok" if healthy else "unhealthy", "checks": checks,
                     "duration_s": round(time.perf_counter() - started, 3)}


def response(engine, amqp_uri):
    healthy, body = check(engine, amqp_uri)
    return json_response(body, 200 if healthy else 503)
