"""Reporting's business metrics, declared once: events folded, periods closed and received, rebuilds.
Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter, gauge, histogram

EVENTS_APPLIED = counter("pimms_reporting_events_applied_total", "Events folded into the figures", ["event_type"])
PERIODS_CLOSED = counter("pimms_reporting_periods_closed_total", "Periods published to head office",
                         ["period_kind", "revision"])
PERIODS_RECEIVED = counter("pimms_reporting_periods_received_total", "Closed periods received from associations",
                           ["outcome"])
REBUILD_DURATION = histogram("pimms_reporting_rebuild_duration_seconds", "Rebuilds of every aggregate",
                             buckets=(.1, .5, 1, 5, 10, 30, 60, 120, 300, 600))
# read from the outbox at scrape time: a month is due at head office by the 5th of the next (alert
# PimmsMonthNotSent compares it with PromQL's year() * 12 + month() - 1)
LAST_MONTH_SENT = gauge("pimms_reporting_last_month_sent", "Latest month whose figures the broker took on their "
                        "way to head office, as year * 12 + month - 1 (0: none yet)")
