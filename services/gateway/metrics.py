"""The gateway's business metrics, declared once: logins, refusals and identities shown, counted by outcome or
role (never by person). Served by the gateway's GET /metrics with the platform's own."""
from shared.metrics import counter

LOGINS = counter("pimms_gateway_logins_total", "Login attempts", ["outcome"])
# a surge here is someone guessing passwords: the throttle refused them before any password was checked
LOGINS_THROTTLED = counter("pimms_gateway_logins_throttled_total",
                           "Login attempts refused for coming too often (per login or per address)")
ACCESS_DENIED = counter("pimms_gateway_access_denied_total", "Requests refused by role or desk", ["role"])
CITIZEN_READS = counter("pimms_gateway_citizen_reads_total", "Citizens' identities shown", ["role"])
AUDIT_ENTRIES_FORGOTTEN = counter("pimms_gateway_audit_entries_forgotten_total",
                                  "Audit log entries deleted past AUDIT_RETENTION_MONTHS")
