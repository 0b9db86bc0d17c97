"""Médiation sortante's entries in the register of processing (shared/register.py): the partners' customers the
desk contacts on each partner's behalf, from the file the partner sent, and the agents' codes on the work.
The association processes these identities for the partner (art. 28), which stays their controller."""
from shared.register import ON_BEHALF, PUBLIC_TASK, Personal

CUSTOMER = "a partner's customer (EDF, Engie, La Poste...), listed in the contact file the partner sent"
PARTNER = ("the partner (responsable de traitement), the association processing its file on its behalf "
           "(sous-traitant)")
AGENTS = "the agents médiateurs of the desk running the campaign, through the gateway; the association's managers"
IDENTITY_KEPT = ("CONTACT_RETENTION_DAYS (90) after the campaign's close, then blanked by the daily job; a campaign "
                 "left open is closed by that job OPEN_CAMPAIGN_LIMIT_DAYS (180) after it opened, so at most 270 "
                 "days after the campaign opened")

IDENTITY = Personal(CUSTOMER, "name, phone and address as the partner's file gives them",
                    "reach the person by phone, door to door, letter or SMS to restore contact with the partner "
                    "and offer mediation", ON_BEHALF, IDENTITY_KEPT, AGENTS, owner=PARTNER)
REFERENCE = Personal(CUSTOMER, "the person's customer reference at the partner",
                     "match the case with the partner's file, refuse a second import of the same person, and "
                     "report each case's outcome to the partner", ON_BEHALF, IDENTITY_KEPT, AGENTS, owner=PARTNER)
CASE = Personal(CUSTOMER, "what came of the case and what the agent did: an outcome (a payment plan or a "
                "referral to social services says something of the person's means) and the acts de médiation",
                "the partner's statement and the network's figures, as counts", ON_BEHALF,
                "kept with the case: no longer linkable to anyone once the identity and the reference are "
                "blanked (CONTACT_RETENTION_DAYS)", AGENTS + "; the partner and reporting as counts only",
                owner=PARTNER)
STATEMENT = Personal(CUSTOMER + ", by reference only", "the frozen partner statement: counts, and each case's "
                     "partner reference with its outcome, attempts and day",
                     "bill the partner for the campaign's work, and let it check the bill case by case",
                     ON_BEHALF, "the references until STATEMENT_REFERENCE_RETENTION_DAYS (30) after the statement "
                     "was marked sent (mark_statement_sent), then removed from it by the daily job; the counts are "
                     "kept for good (the billing record). A statement never marked sent keeps its references",
                     AGENTS + "; the partner, to whom it is sent", owner=PARTNER)
AGENT = Personal("an agent médiateur", "the agent's code on a case (holding it, resolving it) or an attempt",
                 "who did the work: the cases' follow-up in the desk, the agent's activity", PUBLIC_TASK,
                 "kept with the case and its attempts", "staff of the desk; never sent to the partner")

PERSONAL = {
    "contacts.name": IDENTITY, "contacts.phone": IDENTITY, "contacts.address": IDENTITY,
    "contacts.partner_ref": REFERENCE,
    "contacts.outcome": CASE, "contacts.acts": CASE,
    "campaigns.statement": STATEMENT,
    "contacts.agent_id": AGENT, "contacts.resolved_by": AGENT, "attempts.agent_id": AGENT,
}
NOT_PERSONAL = {
    "campaigns": ("id", "pimms_id", "partner", "label", "channels", "max_attempts", "status", "opened_at",
                  "closed_at", "purged_at", "statement_sent_at", "statement_references_purged_at"),
    "contacts": ("id", "campaign_id", "line", "imported_at", "status", "automatic", "resolved_at", "purged_at"),
    "attempts": ("id", "contact_id", "campaign_id", "number", "channel", "reached", "at", "recorded_at"),
}
