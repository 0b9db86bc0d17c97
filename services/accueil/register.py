"""Accueil's entries in the register of processing (shared/register.py): the identities an agent records with
the person's consent, the pseudonymous traces of every visit, and who read whom."""
from shared.register import CONSENT, PUBLIC_TASK, SECURITY, Personal

CITIZEN = "a citizen received at a desk, named with their consent"
STAFF = "the association's staff (agents médiateurs, managers), by login"
IDENTITY_KEPT = ("CITIZEN_RETENTION_MONTHS (24) after the person's last visit, then erased by the daily job; "
                 "at once on the person's request (DELETE /api/citizens/<id>)")
READERS = "staff of the desks that received the person; the association's managers"
IDENTITY = Personal(CITIZEN, "name, phone or e-mail as the person gave them (phone and e-mail only with "
                    "consent to contact, emptied when it is withdrawn)",
                    "recognise a returning person and follow their procedures across visits (follow_up), "
                    "contact them again (contact)", CONSENT, IDENTITY_KEPT, READERS)
CONSENT_RECORD = Personal(CITIZEN, "when, how and for which purposes the person consented or withdrew",
                          "prove the consent each named record relies on, and honour its withdrawal", CONSENT,
                          "as long as the identity it covers, and erased with it; withdrawing every purpose "
                          "erases the record", READERS)
VISIT_TRACE = Personal(CITIZEN + " or anonymous", "what the agent noted of the person for the figures: gender, age "
                       "band, commune (INSEE code), first visit or not",
                       "the network's figures by public served (norm XP X60-600, partners' reports)", PUBLIC_TASK,
                       "kept with the visit: statistical, and no longer linkable to anyone once the identity is "
                       "erased", READERS + "; in figures only as counts")
PSEUDONYM = Personal(CITIZEN + " or anonymous", "visitor_ref: a keyed hash of the record's number, meaningless "
                     "without the association's key", "count distinct people without naming them (events, figures)",
                     PUBLIC_TASK, "kept with the visit; unlinkable once the identity is erased",
                     "accueil and reporting (as counts); never shown")
LINK = Personal(CITIZEN, "the number of the person's record in a visit or a trail",
                "tie a visit or an audit entry to the person, for their follow-up and their right of access",
                CONSENT, "with the identity: emptied when it is erased", READERS)
TRAIL = Personal(STAFF + " and, by record number, the citizen read",
                 "who read or searched a record (login, role, when, which record numbers), never what was read",
                 "account for every access to an identity, and show it to the person (right of access)", SECURITY,
                 "AUDIT_RETENTION_MONTHS (12), then deleted by the daily job", "the association's managers; the "
                 "person, through an export of their record")
AGENT = Personal("an agent médiateur", "the agent's code on the visit or workshop",
                 "who did the work: the agent's activity and training path, the desk's organisation", PUBLIC_TASK,
                 "kept with the visit", "staff of the desk; reporting, as counts per agent")

NOTE = Personal(CITIZEN + " or anonymous", "the agent's words about the person's procedure: a follow-up's next "
                "action, what a referral asked of a partner", "keep the thread of a procedure across visits and "
                "tell the partner what is asked", PUBLIC_TASK, "emptied with the identity when it is erased; "
                "otherwise CITIZEN_RETENTION_MONTHS (24) after the follow-up closed or the referral was answered",
                READERS)
SLIP = Personal("an anonymous person followed across visits", "the reference printed on the slip the person keeps",
                "find their follow-up again when they come back, without naming them", PUBLIC_TASK,
                "kept with the follow-up; meaningless without the slip", READERS)

BUDGET = Personal(CITIZEN + " and their household", "the household's budget as diagnosed: resources, charges and "
                  "debts by kind and creditor (amounts), the amount left to live on, the recommendations, the "
                  "action plan's steps, the creditors asked and what was asked of them",
                  "advise and accompany the household (Point Conseil Budget), intervene with its creditors, "
                  "build its over-indebtedness file", CONSENT, "emptied with the identity when it is erased; "
                  "otherwise CITIZEN_RETENTION_MONTHS (24) after the dossier closed", READERS)
PROCEDURE = Personal(CITIZEN + " and their household", "the over-indebtedness procedure's days, admissibility and "
                     "path (Banque de France commission)", "accompany the household through the procedure and "
                     "report the label's activity (as counts)", CONSENT, "kept with the dossier; unlinked from the "
                     "person when the identity is erased", READERS + "; in figures only as counts")

APPOINTMENT = Personal(CITIZEN, "that the person has an appointment at a desk (their record number on it), when "
                      "and about what", "receive the person at the time agreed and prepare their visit", CONSENT,
                      "unlinked from the person when the identity is erased", READERS)
APPOINTMENT_SLIP = Personal("an anonymous person with an appointment", "the reference printed on their slip",
                            "recognise the appointment when they come, without naming them", PUBLIC_TASK,
                            "emptied CITIZEN_RETENTION_MONTHS (24) after the appointment's day", READERS)

PERSONAL = {
    "citizens.first_name": IDENTITY, "citizens.last_name": IDENTITY, "citizens.phone": IDENTITY,
    "citizens.email": IDENTITY,
    "citizens.consent_given_at": CONSENT_RECORD, "citizens.consent_channel": CONSENT_RECORD,
    "citizens.consent_purposes": CONSENT_RECORD,
    "citizen_consents.citizen_id": CONSENT_RECORD, "citizen_consents.purposes": CONSENT_RECORD,
    "citizen_consents.channel": CONSENT_RECORD, "citizen_consents.given_at": CONSENT_RECORD,
    "citizen_consents.action": CONSENT_RECORD, "citizen_consents.recorded_by": TRAIL,
    "visit_participants.citizen_id": LINK, "visit_participants.gender": VISIT_TRACE,
    "visit_participants.age_band": VISIT_TRACE, "visit_participants.commune": VISIT_TRACE,
    "visit_participants.visitor_ref": PSEUDONYM,
    "visits.agent_id": AGENT, "workshops.agent_id": AGENT,
    "workshop_sessions.agent_id": AGENT, "workshop_registrations.citizen_id": LINK,
    "workshop_registrations.reference": SLIP, "workshop_registrations.visitor_ref": PSEUDONYM,
    "follow_ups.citizen_id": LINK, "follow_ups.reference": SLIP, "follow_ups.next_action": NOTE,
    "follow_ups.owner": AGENT,
    "budget_dossiers.citizen_id": LINK, "budget_dossiers.agent_id": AGENT, "budget_dossiers.diagnosis": BUDGET,
    "budget_dossiers.remaining_cents": BUDGET, "budget_dossiers.recommendations": BUDGET,
    "budget_dossiers.household": PROCEDURE, "budget_steps.label": BUDGET, "creditor_interventions.creditor": BUDGET,
    "creditor_interventions.asked": BUDGET, "overindebtedness_files.admissible": PROCEDURE,
    "overindebtedness_files.orientation": PROCEDURE, "referrals.citizen_id": LINK, "referrals.asked": NOTE, "referrals.agent_id": AGENT,
    "appointments.citizen_id": APPOINTMENT, "appointments.reference": APPOINTMENT_SLIP,
    "appointments.agent_id": AGENT, "appointments.slot_key": AGENT, "tickets.agent_id": AGENT,
    "citizen_reads.citizen_id": TRAIL, "citizen_reads.reader_id": TRAIL, "citizen_reads.reader_role": TRAIL,
    "citizen_searches.reader_id": TRAIL, "citizen_searches.reader_role": TRAIL, "citizen_searches.found": TRAIL,
}
NOT_PERSONAL = {
    # an erased record keeps its number (never reused: visitor_ref derives from it), when it was created and
    # when it was erased, and nothing else
    "citizens": ("id", "created_at", "erased_at"),
    "citizen_consents": ("id", "recorded_at"),
    "visits": ("id", "pimms_id", "status", "motif_kind", "partner", "domain", "waiting_min", "duration_min",
               "outcome", "registres", "opened_at", "closed_at"),
    "visit_participants": ("id", "visit_id", "first_visit"),
    "visit_acts": ("id", "visit_id", "kind", "partner", "recorded_at"),
    "workshops": ("id", "pimms_id", "theme", "partner", "held_on", "attendees", "duration_min", "registres"),
    "citizen_reads": ("id", "action", "read_at"),
    "follow_ups": ("id", "pimms_id", "motif_kind", "partner", "domain", "due_on", "status", "outcome", "opened_at",
                   "closed_at"),
    "follow_up_visits": ("case_id", "visit_id", "attached_at"),
    "budget_dossiers": ("id", "pimms_id", "origin", "status", "outcome", "diagnosed_at", "opened_at", "closed_at"),
    "budget_steps": ("id", "dossier_id", "due_on", "done_on"),
    "creditor_interventions": ("id", "dossier_id", "asked_on", "answer", "answered_on"),
    "budget_orientations": ("id", "dossier_id", "to", "on"),
    "overindebtedness_files": ("id", "dossier_id", "stage", "built_on", "filed_on", "admissibility_on",
                               "orientation_on", "closed_on"),
    "referrals": ("id", "pimms_id", "visit_id", "case_id", "partner", "named", "status", "answer", "reason",
                  "redirected_to", "sent_at", "acknowledged_at", "answered_at"),
    "citizen_searches": ("id", "searched_at"),
    # a ticket is anonymous: a number of the desk's day and a motif
    "tickets": ("id", "pimms_id", "day", "number", "motif_kind", "partner", "domain", "status", "arrived_at",
                "served_at", "left_at", "counter", "visit_id"),
    "ticket_days": ("pimms_id", "day", "last_number"),
    "appointments": ("id", "pimms_id", "starts_at", "duration_min", "motif_kind", "partner", "domain",
                     "status", "booked_at", "arrived_at", "seen_at", "visit_id", "cancelled_at", "missed_at",
                     "missed_by"),
    # a session's place is a room of the desk, never a person's address
    "workshop_sessions": ("id", "pimms_id", "theme", "partner", "starts_at", "duration_min", "capacity", "place",
                          "registres", "status", "planned_at", "closed_at"),
    "workshop_registrations": ("id", "session_id", "status", "registered_at", "cancelled_at", "attended_at"),
}
