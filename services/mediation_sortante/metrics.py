"""Médiation sortante's business metrics, declared once: partners' files imported, attempts, outcomes, and
what the daily retention job did (campaigns expired, identities and statements' partner references purged).
Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter

CONTACTS_IMPORTED = counter("pimms_outbound_contacts_imported_total", "Contacts imported from partners' files",
                            ["partner", "file_format"])
CONTACT_ROWS_REJECTED = counter("pimms_outbound_contact_rows_rejected_total", "Rows of partners' files rejected",
                                ["partner", "file_format"])
ATTEMPTS = counter("pimms_outbound_attempts_total", "Attempts to reach a partner's customer", ["channel", "reached"])
OUTCOMES = counter("pimms_outbound_outcomes_total", "Outcomes of outbound cases", ["partner", "outcome"])
IDENTITIES_PURGED = counter("pimms_outbound_identities_purged_total",
                            "Contacts whose identity was blanked after the retention delay")
CAMPAIGNS_EXPIRED = counter("pimms_outbound_campaigns_expired_total",
                            "Campaigns closed by the retention job for having been left open past their limit")
CASES_EXPIRED = counter("pimms_outbound_cases_expired_total",
                        "Cases still open when the retention job closed their campaign (outcome expired)")
STATEMENT_REFERENCES_PURGED = counter("pimms_outbound_statement_references_purged_total",
                                      "Partner statements whose partner references were removed after sending")
