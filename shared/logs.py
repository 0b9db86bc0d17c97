"""Log lines as JSON for a log collector (`LOG_FORMAT=json` in a service's environment; `plain`, the default,
for a person reading a terminal). One JSON object per line: when, level, logger, message, and the fields a
call passed with `extra=` (an event's id, a request's path), so lines can be searched by them.

    logging.getLogger(__name__).info("applied", extra={"event_id": event.event_id})

Every HTTP request and every event a service handles gets one INFO line of its own (`request_handled`,
`event_handled`, below), with what is needed to follow it and nothing of a citizen.
"""
import datetime as dt
import json
import logging
import re
import time

# the attributes every LogRecord has: anything else on a record was given with `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# -- one line per request and per event handled ------------------------------------------------------------
# Written by shared.metrics (every HTTP entrypoint) and shared.consumer (every event consumer), with the fields
# below only: never a query string, a body or an error's text, which may hold a citizen's data. Silence them
# with `loggers: {pimms.handled: {level: WARNING}}` in a service's LOGGING.
handled = logging.getLogger("pimms.handled")
EVENT_OUTCOMES = ("applied", "duplicate", "retried", "dead-lettered")
# a request id is the client's or the proxy's (X-Request-Id): kept only when it looks like an id
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def since(started: float) -> float:
    """Milliseconds since `started` (a time.perf_counter() reading), to 0.1 ms."""
    return round((time.perf_counter() - started) * 1000, 1)


def request_handled(method: str, path: str, status: int, started: float, request_id: str | None = None) -> None:
    """`GET /api/visits/<int:visit_id> 200 3.2ms`: `path` is the route's template, not the URL asked for."""
    if not handled.isEnabledFor(logging.INFO):
        return
    duration = since(started)
    fields = {"kind": "request", "method": method, "path": path, "status": status, "duration_ms": duration}
    if request_id and _REQUEST_ID.fullmatch(request_id):
        fields["request_id"] = request_id
    handled.info("%s %s %s %.1fms", method, path, status, duration, extra=fields)


def event_handled(event_type: str, event_id: str | None, outcome: str, started: float | None, **more) -> None:
    """`accueil.visit_closed 0b7c… applied 1.4ms`; `more`: `attempt` of a retry, `reason` (a kind: invalid,
    spoofed, failed) of a dead-letter."""
    if not handled.isEnabledFor(logging.INFO):
        return
    duration = None if started is None else since(started)
    fields = {"kind": "event", "event_type": event_type, "event_id": event_id, "outcome": outcome,
              "duration_ms": duration, **more}
    handled.info("%s %s %s %sms", event_type, event_id, outcome, duration, extra=fields)
