"""Prometheus metrics: entrypoint calls, errors and latency, the event flow, the outbox backlog, and the
service's business metrics, served by the service's own `GET /metrics`.

Each container gets its own CollectorRegistry (not prometheus-client's global one), so several containers
of one service can live in one process, as they do in tests. A service declares its business metrics once,
in its own `metrics.py` (`VISITS_CLOSED = counter("pimms_visits_closed_total", "Visits closed", ["motif"])`),
and its entrypoints use them through the dependency: `self.metrics[VISITS_CLOSED].labels("partner").inc()`.

Timing every entrypoint, it also writes the one log line of each HTTP request handled (shared/logs.py)."""
import time
import weakref
from dataclasses import dataclass

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from werkzeug.wrappers import Response

from shared import logs
from shared.db import as_utc


@dataclass(frozen=True)
class Declared:
    """A business metric as its service declares it; each container's registry makes it on first use."""

    kind: type
    name: str
    doc: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None


def counter(name: str, doc: str, labels: tuple[str, ...] | list[str] = ()) -> Declared:
    return Declared(Counter, name, doc, tuple(labels))


def gauge(name: str, doc: str, labels: tuple[str, ...] | list[str] = ()) -> Declared:
    return Declared(Gauge, name, doc, tuple(labels))


def histogram(name: str, doc: str, labels: tuple[str, ...] | list[str] = (),
              buckets: tuple[float, ...] = tuple(Histogram.DEFAULT_BUCKETS)) -> Declared:
    return Declared(Histogram, name, doc, tuple(labels), tuple(buckets))


class PlatformMetrics:
    """The platform's metrics of one container (attributes) and its service's business metrics
    (`metrics[declared]`)."""

    def __init__(self):
        self.registry = r = CollectorRegistry()
        self._business = {}
        self.calls = Counter("pimms_entrypoint_calls_total", "Entrypoint calls", ["entrypoint"], registry=r)
        self.errors = Counter(
            "pimms_entrypoint_errors_total", "Entrypoint calls that raised", ["entrypoint", "error"], registry=r)
        self.latency = Histogram(
            "pimms_entrypoint_duration_seconds", "Entrypoint call duration", ["entrypoint"], registry=r,
            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
        self.events_published = Counter(
            "pimms_events_published_total", "Events confirmed by the broker", ["event_type"], registry=r)
        self.events_consumed = Counter(
            "pimms_events_consumed_total", "Events applied by a handler", ["event_type"], registry=r)
        self.events_duplicate = Counter(
            "pimms_events_duplicate_total", "Redelivered events skipped as already applied", ["event_type"],
            registry=r)
        self.events_retried = Counter(
            "pimms_events_retried_total", "Handler failures sent back for another attempt", ["event_type"],
            registry=r)
        self.events_rejected = Counter(
            "pimms_events_rejected_total", "Messages that failed validation", ["event_type"], registry=r)
        self.events_dead_lettered = Counter(
            "pimms_events_dead_lettered_total", "Messages moved to the dead-letter queue", ["event_type", "reason"],
            registry=r)
        self.rpc_replies_dropped = Counter(
            "pimms_rpc_replies_dropped_total", "RPC replies that could not be sent (broker away); the caller "
            "timed out", ["method"], registry=r)
        self.idempotent_replays = Counter(
            "pimms_idempotent_replays_total", "Requests repeated with a known idempotency key: answered from "
            "the record, nothing done twice", ["operation"], registry=r)
        self.relay_errors = Counter(
            "pimms_outbox_relay_errors_total", "Relay rounds that failed (broker or database)", registry=r)
        self.idempotency_keys_forgotten = Counter(
            "pimms_idempotency_keys_forgotten_total", "Idempotency keys deleted after IDEMPOTENCY_KEEP_HOURS",
            registry=r)
        self.dead_letters_oldest = Gauge(
            "pimms_dead_letters_oldest_timestamp_seconds", "When the oldest letter waiting in the service's "
            "dead-letter queue was dead-lettered (0: none waiting), as last looked at", registry=r)
        # process_start_time_seconds: a start time that keeps changing is a service restarting (alert
        # PimmsServiceRestarting), seen the same under `make run`'s supervisor and under the kubelet
        ProcessCollector(registry=r)

    def watch_outbox(self, relay):
        self.registry.register(_OutboxCollector(relay))

    def __getitem__(self, declared: Declared):
        metric = self._business.get(declared)
        if metric is None:
            extra = {} if declared.buckets is None else {"buckets": declared.buckets}
            metric = self._business[declared] = declared.kind(
                declared.name, declared.doc, list(declared.labels), registry=self.registry, **extra)
        return metric

    def expose(self, accept=None):
        encoder, content_type = choose_encoder(accept or "")
        return Response(encoder(self.registry), status=200, content_type=content_type)


class _OutboxCollector:
    """Read at scrape time, so the backlog is the database's truth, not a counter that can drift."""

    def __init__(self, relay):
        self.relay = relay

    def collect(self):
        count, oldest = self.relay.backlog()
        size = GaugeMetricFamily("pimms_outbox_backlog_events", "Committed events not yet confirmed by the broker")
        size.add_metric([], count)
        age = GaugeMetricFamily("pimms_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent event")
        age.add_metric([], 0 if oldest is None else max(0.0, time.time() - _epoch(oldest)))
        return [size, age]


def _epoch(moment):
    return as_utc(moment).timestamp()


def metrics_for(container):
    # extensions hold the container through a weak proxy: the registry lives on the container itself
    metrics = getattr(container, "_pimms_metrics", None)
    if metrics is None:
        metrics = PlatformMetrics()
        setattr(container, "_pimms_metrics", metrics)
    return metrics


class Metrics(DependencyProvider):
    """Times every entrypoint of the service and gives it `self.metrics` for its business counters."""

    def setup(self):
        self.platform = metrics_for(self.container)
        self._started = weakref.WeakKeyDictionary()

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        name = worker_ctx.entrypoint.method_name
        started = self._started.pop(worker_ctx, None)
        self.platform.calls.labels(name).inc()
        if started is not None:
            self.platform.latency.labels(name).observe(time.perf_counter() - started)
        if exc_info is not None:
            self.platform.errors.labels(name, exc_info[0].__name__).inc()
        entrypoint = worker_ctx.entrypoint
        if started is not None and isinstance(entrypoint, HttpRequestHandler):
            request = worker_ctx.args[0]
            logs.request_handled(request.method, entrypoint.url, http_status(entrypoint, result, exc_info), started,
                                 request.headers.get("X-Request-Id"))

    def get_dependency(self, worker_ctx):
        return self.platform


def http_status(entrypoint: HttpRequestHandler, result, exc_info) -> int:
    """The status nameko answers for what the worker gave (HttpRequestHandler.response_from_result and
    response_from_exception), read without building the response's body."""
    if exc_info is not None:
        return entrypoint.response_from_exception(exc_info[1]).status_code
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple):
        return Response(status=result[0]).status_code
    return 200
