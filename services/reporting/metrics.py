"""Reporting's business metrics, declared once: events folded, periods closed and received, rebuilds.
Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter, histogram

EVENTS_APPLIED = counter("pimms_reporting_events_applied_total", "Events folded into the figures", ["event_type"])
PERIODS_CLOSED = counter("pimms_reporting_periods_closed_total", "Periods published to head office",
                         ["period_kind", "revision"])
PERIODS_RECEIVED = counter("pimms_reporting_periods_received_total", "Closed periods received from associations",
                           ["outcome"])
REBUILD_DURATION = histogram("pimms_reporting_rebuild_duration_seconds", "Rebuilds of every aggregate",
                             buckets=(.1, .5, 1, 5, 10, 30, 60, 120, 300, 600))
