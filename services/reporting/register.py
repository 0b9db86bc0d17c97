"""Reporting's entries in the register of processing (shared/register.py). Reporting carries no identity: it
keeps the activity events as they travelled, in which citizens appear only as visitor_ref, agents as their
code and partners' customers as médiation sortante's contact id, and folds them into counts. At head office
it holds only the associations' suppressed figures (`reporting_received_periods`): nothing personal."""
from shared.register import PUBLIC_TASK, Personal

FIGURES_ONLY = ("reporting alone, to fold the figures; people see counts, never a row: exact figures for the "
                "association's staff when ALLOW_EXACT_FIGURES, suppressed below SUPPRESSION_THRESHOLD in "
                "anything that leaves the association")
NO_NAME = ("each code leads to a person only through the service holding the identity (accueil, formation, "
           "médiation sortante), and to no one once that service has erased it")
EVENTS = Personal(
    "citizens received (visitor_ref), agents (their code), partners' customers (médiation sortante's "
    "contact_id): pseudonymous, never a name",
    "each activity event applied, as it travelled (JSON): visitor_refs and first visit or not; agent codes "
    "with an agent's gender category, contract, hiring and exit dates, exit outcome, hours worked and trained; "
    "a contact's id, the attempts to reach them and their case's outcome",
    "the append-only store the figures are folded from, and rebuilt from whenever a figure is added or fixed; "
    "reporting holds no identity", PUBLIC_TASK,
    "kept without limit: the store is append-only and nothing deletes from it; " + NO_NAME, FIGURES_ONLY)
VISITOR = Personal(
    "a citizen received at a desk, named or anonymous, as visitor_ref",
    "the visitor_refs seen per desk and month (a keyed hash made by accueil, meaningless without its key)",
    "count distinct people per desk, association, month and year (a union of sets, not a sum of counts)",
    PUBLIC_TASK, "kept without limit, and rebuilt from the event store with the figures; " + NO_NAME,
    FIGURES_ONLY)
AGENT_KEY = Personal(
    "an agent médiateur, by their code", "which agent (`agent:<code>`) or agent's week (`work:<code>:<week>`) "
    "a remembered state is about",
    "let a later event replace what an earlier one contributed: an exit ends the head count the hiring "
    "started, a week's work time logged again replaces its total", PUBLIC_TASK,
    "kept without limit, and rebuilt from the event store with the figures; " + NO_NAME, FIGURES_ONLY)
AGENT_STATE = Personal(
    "an agent médiateur, by their code",
    "per agent: desk and month of hiring, woman or not, month of exit and whether it was a sortie positive; "
    "per agent's week: the minutes worked; and the cells each added to the figures (JSON)",
    AGENT_KEY.purpose + "; the network's figures on its agents (head count, share of women, sorties "
    "positives, training time)", PUBLIC_TASK, AGENT_KEY.retention, FIGURES_ONLY)

PERSONAL = {
    "reporting_applied_events.payload": EVENTS,
    "reporting_visitors.visitor_ref": VISITOR,
    "reporting_subjects.subject": AGENT_KEY,
    "reporting_subjects.known": AGENT_STATE, "reporting_subjects.cells": AGENT_STATE,
}
NOT_PERSONAL = {
    "reporting_applied_events": ("seq", "event_id", "type", "version", "occurred_at", "association_id",
                                 "pimms_id", "applied_at"),
    # counts per desk, month and cell: a head count below SUPPRESSION_THRESHOLD never leaves the association
    "reporting_aggregates": ("association_id", "pimms_id", "month", "cell", "value"),
    "reporting_visitors": ("association_id", "pimms_id", "month"),
    "reporting_subjects": ("association_id",),
    "reporting_periods": ("association_id", "period", "revision", "published_hash", "closed_at", "dirty"),
    # head office: the figures as they left each association, suppressed
    "reporting_received_periods": ("association_id", "pimms_id", "period", "revision", "threshold", "figures",
                                   "suppressed", "event_id", "received_at"),
}
