"""Reporting's entries in the register of processing (shared/register.py). Reporting carries no identity: it
keeps the activity events as they travelled, in which citizens appear only as visitor_ref (and their
follow-ups, referrals, budget dossiers and over-indebtedness files as accueil's ids), agents as their code and
partners' customers as médiation sortante's contact id, and folds them into counts. At head office it holds
only the associations' suppressed figures (`reporting_received_periods`): nothing personal."""
from shared.register import PUBLIC_TASK, Personal

FIGURES_ONLY = ("reporting alone, to fold the figures; people see counts, never a row: exact figures for the "
                "association's staff when ALLOW_EXACT_FIGURES, suppressed below SUPPRESSION_THRESHOLD in "
                "anything that leaves the association")
NO_NAME = ("each code leads to a person only through the service holding the identity (accueil, formation, "
           "médiation sortante), and to no one once that service has erased it")
EVENTS = Personal(
    "citizens received (visitor_ref, and the ids of their follow-ups, referrals, budget dossiers and "
    "over-indebtedness files), agents (their code), partners' customers (médiation sortante's contact_id): "
    "pseudonymous, never a name",
    "each activity event applied, as it travelled (JSON): visitor_refs and first visit or not; a follow-up's "
    "or a referral's id with its motif or partner, dates, outcome or answer and days taken; a budget dossier's "
    "id with the household's origin and composition (coarse), dates, outcome, whether diagnosed, a band of "
    "the amount left to live on (never an amount), counts of plan steps, interventions by answer and "
    "orientations; an over-indebtedness file's id with its stage, date, admissibility and orientation; agent "
    "codes with an agent's gender category, contract, hiring and exit dates, exit outcome, hours worked and "
    "trained (and on which topic); a contact's id, the attempts to reach them and their case's outcome",
    "the append-only store the figures are folded from, and rebuilt from whenever a figure is added or fixed; "
    "reporting holds no identity", PUBLIC_TASK,
    "kept without limit: the store is append-only and nothing deletes from it; " + NO_NAME, FIGURES_ONLY)
VISITOR = Personal(
    "a citizen received at a desk, named or anonymous, as visitor_ref",
    "the visitor_refs seen per desk and month (a keyed hash made by accueil, meaningless without its key)",
    "count distinct people per desk, association, month and year (a union of sets, not a sum of counts)",
    PUBLIC_TASK, "kept without limit, and rebuilt from the event store with the figures; " + NO_NAME,
    FIGURES_ONLY)
SUBJECT_KEY = Personal(
    "an agent médiateur, by their code; a citizen followed, referred or accompanied on their budget, by "
    "accueil's id of the follow-up, referral or budget dossier", "which agent (`agent:<code>`), agent's week "
    "(`work:<code>:<week>`), agent's year of training in budget (`budget_training:<code>:<year>`), follow-up "
    "(`case:<id>`), referral (`referral:<id>`) or budget dossier (`dossier:<id>`) a remembered state is about",
    "let a later event replace what an earlier one contributed: an exit ends the head count the hiring "
    "started, a week's work time logged again replaces its total, a follow-up's or a budget dossier's close "
    "ends its open count, a follow-up, referral or budget dossier counts once whichever of its events comes "
    "first, and an agent trained in budget once a year whichever session comes first", PUBLIC_TASK,
    "kept without limit, and rebuilt from the event store with the figures; " + NO_NAME, FIGURES_ONLY)
SUBJECT_STATE = Personal(
    SUBJECT_KEY.subject,
    "per agent: desk and month of hiring, woman or not, month of exit and whether it was a sortie positive; "
    "per agent's week: the minutes worked; per agent's year of training in budget: desk and month of the "
    "first session; per follow-up: desk, motif code, months opened and closed; per referral: desk, partner, "
    "month sent; per budget dossier: desk, origin code, months opened and closed; and the cells each added "
    "to the figures (JSON)",
    SUBJECT_KEY.purpose + "; the network's figures on its agents (head count, share of women, sorties "
    "positives, training time, trained in budget), its follow-ups open, referrals sent and the Point Conseil "
    "Budget's households received and dossiers open", PUBLIC_TASK, SUBJECT_KEY.retention,
    FIGURES_ONLY)

PERSONAL = {
    "reporting_applied_events.payload": EVENTS,
    "reporting_visitors.visitor_ref": VISITOR,
    "reporting_subjects.subject": SUBJECT_KEY,
    "reporting_subjects.known": SUBJECT_STATE, "reporting_subjects.cells": SUBJECT_STATE,
}
NOT_PERSONAL = {
    "reporting_applied_events": ("seq", "event_id", "type", "version", "occurred_at", "association_id",
                                 "pimms_id", "applied_at"),
    # counts per desk, month and cell: a head count below SUPPRESSION_THRESHOLD never leaves the association
    "reporting_aggregates": ("association_id", "pimms_id", "month", "cell", "value"),
    "reporting_visitors": ("association_id", "pimms_id", "month"),
    # how many follow-ups, referrals, budget dossiers or over-indebtedness files took each number of days, per
    # desk, month and median: counts of codes
    "reporting_day_counts": ("association_id", "pimms_id", "month", "cell", "days", "value"),
    "reporting_subjects": ("association_id",),
    "reporting_periods": ("association_id", "period", "revision", "published_hash", "closed_at", "dirty"),
    # head office: the figures as they left each association, suppressed
    "reporting_received_periods": ("association_id", "pimms_id", "period", "revision", "threshold", "figures",
                                   "suppressed", "event_id", "received_at"),
}
