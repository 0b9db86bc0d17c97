"""Accueil's business metrics, declared once: what operators and head office's dashboards count of the
desk's work (never a citizen). Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter

VISITS_CLOSED = counter("pimms_visits_closed_total", "Visits closed", ["motif"])
MEDIATION_ACTS = counter("pimms_mediation_acts_total", "Actes de médiation in closed visits", ["kind"])
WORKSHOPS_HELD = counter("pimms_workshops_held_total", "Collective workshops recorded", ["theme"])
WORKSHOP_ATTENDEES = counter("pimms_workshop_attendees_total", "Workshop attendees")
# every read of an identity is audited in the database too; these let an operator see a surge at a glance
CITIZEN_IDENTITY_READS = counter("pimms_citizen_identity_reads_total", "Citizens' identities read (audited)",
                                 ["role"])
CITIZEN_SEARCHES = counter("pimms_citizen_searches_total", "Searches of citizens by name (audited)", ["role"])
# the citizen's data lifecycle: each is audited in the database too
CITIZEN_EXPORTS = counter("pimms_citizen_exports_total", "Citizens' records exported (right of access)", ["role"])
CONSENTS_RECORDED = counter("pimms_consents_recorded_total", "Consents given or withdrawn", ["action"])
CITIZENS_ERASED = counter("pimms_citizens_erased_total", "Citizens' records erased", ["reason"])
AUDIT_ENTRIES_PURGED = counter("pimms_citizen_audit_entries_purged_total",
                               "Audit entries of identity reads and searches deleted past their retention")
RETENTION_RUNS = counter("pimms_citizen_retention_runs_total", "Runs of the daily retention of identities")
# partners' answers files: a surge of rejected rows is a partner whose export changed
REFERRAL_ANSWER_ROWS = counter("pimms_referral_answer_rows_total",
                               "Rows of partners' answers files imported: applied, unchanged or rejected",
                               ["partner", "result"])
# the waiting room: how many wait and how it ends, for the desk's dashboard (the figures have the waits)
TICKETS = counter("pimms_tickets_total", "Tickets of the waiting room: taken, served, left unseen", ["event"])
APPOINTMENTS = counter("pimms_appointments_total", "Appointments: booked, cancelled, kept, missed", ["event"])
