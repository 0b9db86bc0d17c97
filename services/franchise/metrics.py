"""Franchise's business metrics, declared once: contract changes and the desks' compliance with the norm
and the contract. Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter, gauge

CONTRACT_CHANGES = counter("pimms_contract_changes_total", "Franchise contract changes published", ["change"])
COMPLIANCE_STATUS_CHANGES = counter("pimms_compliance_status_changes_total",
                                    "Desks whose compliance status changed, by new status", ["status"])
# read from the database at scrape time, so the gauge is the database's truth
COMPLIANCE_DESKS = gauge("pimms_compliance_desks", "Desks by their last compliance status", ["status"])
# the revision each association's services should enforce: their copies (pimms_contract_copy_revision) lag
# behind it while a contract_changed is on its way, and stay behind if it never arrives
CONTRACT_REVISION = gauge("pimms_contract_revision", "Latest revision of each association's franchise contract",
                          ["association_id"])
