"""Reporting's contract: the figures (the one place their cells are named), the `reporting.period_closed`
event that carries them to head office, and the requests the service accepts.

Every figure is a number (or null), never a visitor_ref. Each numeric field says in its metadata how it is
aggregated and protected (see `services/reporting/cells.py`):
- `count`: people, visits, acts... additive over desks, associations and months; a small one is suppressed;
- `distinct`: distinct people, a union of visitor sets, so not additive; a small one is suppressed;
- `tally`: additive counts of things that are not people (workshop sessions); never suppressed;
- `measure`: additive quantities that are not head counts (minutes); suppressed with their `base` count;
- `derived`: a ratio `of` two cells, recomputed from them after every sum; suppressed with its denominator;
- `median`: a median number of days over the items its `base` counts (a follow-up's days open, a referral's
  days to answer), read from how many items took each number of days; never summed; hidden with its base,
  so never shown over fewer items than the threshold;
- `structure`: desks and associations counted, never suppressed (they are not people).
A count may be a `stock` (agents employed: a head count at the period's end, read as its flows cumulated
from the start), and a measure may describe a `population` (agents' hours: hidden when the agents it
describes are fewer than the threshold, and protected against subtraction like a head count).

CSV columns follow the declaration order below, cells of a later `added` edition after every earlier one:
published columns never move. A cell added after the first edition is optional when figures are loaded,
so head office still reads the figures of an association whose reporting is not upgraded yet (head office
upgrades first: an older one refuses cells it does not know).
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.accueil import ACTS, DOMAINS, THEMES
from shared.contracts.accueil_budget import (
    DOSSIER_OUTCOMES,
    INTERVENTION_ANSWERS,
    ORIENTATIONS,
    ORIGINS,
    PROCEDURE_ORIENTATIONS,
)
from shared.contracts.accueil_cases import CASE_OUTCOMES, REFERRAL_ANSWERS
from shared.contracts.common import PARTNERS, REGISTRES, RequestSchema
from shared.contracts.mediation_sortante import CHANNELS as OUTBOUND_CHANNELS
from shared.contracts.mediation_sortante import OUTCOMES as OUTBOUND_OUTCOMES
from shared.envelope import CODE, PayloadSchema, event_schema

# The figure cell of each médiation sortante channel. Only `phone` is renamed: a figure named `phone`
# would read as a personal field to the platform's personal-data check (tests/test_personal_data.py).
CHANNEL_CELLS = {channel: "telephone" if channel == "phone" else channel for channel in OUTBOUND_CHANNELS}
SECOND_EDITION = 2  # the cells added when formation and médiation sortante were first folded
THIRD_EDITION = 3  # accueil's follow-ups (suivis) and referrals (mises en relation)
FOURTH_EDITION = 4  # Point Conseil Budget: budget dossiers, over-indebtedness files, staff trained in budget
FIFTH_EDITION = 5  # the waiting room: tickets and appointments, waits walk-in and by appointment
SIXTH_EDITION = 6  # workshop sessions: registrations, attendance and fill rates (issue 20)

PERIOD = validate.Regexp(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$", error="must be a year YYYY or a month YYYY-MM")
MONTH = validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="must be a month YYYY-MM")
# a segment may hold digits after its first letter (`walk_in_waiting_p90_min`)
CELL = validate.Regexp(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$", error="must be a figures cell path")
COUNT_RANGE = validate.Range(min=0, max=10**9)


def count(doc, added=None):
    return fields.Integer(required=added is None, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "count", "added": added, "doc": doc})


def headcount(doc):
    """People present at the end of the period (a stock), not met during it: folded as arrivals (+1) and
    departures (-1) in their months, read as the sum of every month up to the period's end."""
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "count", "stock": True, "doc": doc})


def distinct(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "distinct", "doc": doc})


def tally(doc, added=None):
    return fields.Integer(required=added is None, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "tally", "added": added, "doc": doc})


def measure(doc, base=None):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=10**12),
                          metadata={"cell": "measure", "base": base, "doc": doc})


def agent_hours(doc, population):
    """Hours of agents' working time. Folded in minutes (formation logs whole minutes, so sums are exact),
    shown in whole hours (rounded half up). A few agents' hours are about those agents: hidden when the
    agents they describe (`population`, summed) are fewer than the threshold, and protected against
    subtraction like a head count."""
    return fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=10**12),
                          metadata={"cell": "measure", "scale": 60, "population": population, "doc": doc})


def derived(doc, numerator, denominator, maximum, digits, added=None):
    return fields.Float(required=added is None, allow_none=True, validate=validate.Range(min=0, max=maximum),
                        metadata={"cell": "derived", "of": (numerator, denominator), "digits": digits, "doc": doc,
                                  "added": added})


def median_days(doc, base):
    """A median number of days over the items `base` counts, to a tenth of a day (the mean of the two middle
    ones when they are even in number); null when there is none."""
    return fields.Float(required=True, allow_none=True, validate=validate.Range(min=0, max=36500),
                        metadata={"cell": "median", "base": base, "digits": 1, "doc": doc})


def wait_minutes(doc, base, quantile=0.5):
    """A median (or another quantile: 0.9 for the 90th percentile, the nearest rank) of whole minutes over the
    items `base` counts, to a tenth of a minute; null when there is none. Folded as a median is."""
    return fields.Float(required=True, allow_none=True, validate=validate.Range(min=0, max=1440),
                        metadata={"cell": "median", "base": base, "digits": 1, "quantile": quantile, "doc": doc})


def structure(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "structure", "doc": doc})


def per_code(name, codes, make, added=None):
    """A nested schema with one field per code of a closed list, in a fixed (sorted) order."""
    return fields.Nested(Schema.from_dict({code: make(code) for code in sorted(codes)}, name=name),
                         required=added is None, metadata={"added": added})


def section(schema, added=None):
    """A section of the figures; one added after the first edition is optional when loaded (an older
    association's reporting does not publish it)."""
    return fields.Nested(schema, required=added is None, metadata={"added": added})


# -- the figures --------------------------------------------------------------------------------------------
class PeopleFigures(Schema):
    received = distinct("distinct people received at the desk or at a workshop (visitor references); a person "
                        "counts once per scope "
                        "and period, and once per association in national sums")
    new = count("visitors on their first visit to the association")


class VisitFigures(Schema):
    total = count("visits closed")
    partenaire = count("accueils partenaires")
    generaliste = count("accueils généralistes")
    by_partner = per_code("VisitsByPartner", PARTNERS, lambda code: count(f"accueils partenaires for {code}"))
    by_domain = per_code("VisitsByDomain", DOMAINS, lambda code: count(f"accueils généralistes about {code}"))


class ActFigures(Schema):
    total = count("actes de médiation in closed visits")
    by_kind = per_code("ActsByKind", ACTS, lambda code: count(f"acts of kind {code}"))


class DurationFigures(Schema):
    visit_min_total = measure("minutes spent in closed visits", base="visits.total")
    visit_min_mean = derived("mean visit duration, minutes", "durations.visit_min_total", "visits.total", 600, 1)
    waiting_measured = count("visits whose waiting time was recorded")
    waiting_min_total = measure("minutes waited before those visits", base="durations.waiting_measured")
    waiting_min_mean = derived("mean waiting time, minutes", "durations.waiting_min_total",
                               "durations.waiting_measured", 600, 1)


def _sessions_figures(prefix):
    """What a session's registrations and places add (fifth edition), for all sessions or those of a theme:
    the attendance rate is the share of registrations that came, the fill rate the attendees of sessions
    planned with a capacity over the places they offered (walk-ins may take it above 1)."""
    return {
        "registrations": count("registrations to the sessions held (cancelled ones not counted)", SIXTH_EDITION),
        "registrations_attended": count("of those registrations, the people who came", SIXTH_EDITION),
        "attendance_rate": derived("share of registrations that came, 0 to 1", f"{prefix}.registrations_attended",
                                   f"{prefix}.registrations", 1, 3, SIXTH_EDITION),
        "places": tally("places offered by the sessions held that were planned with a capacity", SIXTH_EDITION),
        "planned_attendees": count("attendees of those planned sessions", SIXTH_EDITION),
        "fill_rate": derived("attendees of planned sessions over their places (above 1 with walk-ins)",
                             f"{prefix}.planned_attendees", f"{prefix}.places", 10, 3, SIXTH_EDITION),
    }


def _theme_figures(code):
    prefix = f"workshops.by_theme.{code}"
    schema = Schema.from_dict({
        "sessions": tally("workshop sessions on this theme"),
        "attendees": count("attendees of those sessions"),
        **_sessions_figures(prefix),
    }, name=f"WorkshopTheme_{code}")
    return fields.Nested(schema, required=True)


WorkshopFigures = Schema.from_dict({
    "sessions": tally("ateliers collectifs held"),
    "attendees": count("attendees of the workshops"),
    "by_theme": per_code("WorkshopsByTheme", THEMES, _theme_figures),
    **_sessions_figures("workshops"),
}, name="WorkshopFigures")


class OutboundFigures(Schema):
    """Médiation sortante: attempts in the month they were made, cases in the month they got their outcome."""

    attempts = count("contact attempts of médiation sortante")
    reached = count("attempts that reached the person")
    cases_resolved = count("cases closed with an outcome")
    attempts_by_partner = per_code("OutboundAttemptsByPartner", PARTNERS,
                                   lambda code: count(f"contact attempts for {code}"))
    cases_by_outcome = per_code("OutboundCasesByOutcome", OUTBOUND_OUTCOMES,
                                lambda code: count(f"cases resolved as {code}"))
    attempts_by_channel = per_code("OutboundAttemptsByChannel", CHANNEL_CELLS.values(),
                                   lambda cell: count(f"contact attempts by {cell}", SECOND_EDITION),
                                   added=SECOND_EDITION)
    cases_by_partner = per_code("OutboundCasesByPartner", PARTNERS,
                                lambda code: count(f"cases of {code} resolved", SECOND_EDITION), added=SECOND_EDITION)
    acts = count("actes de médiation recorded with the cases' outcomes", SECOND_EDITION)
    campaigns_opened = tally("campaigns opened for a partner", SECOND_EDITION)
    campaigns_closed = tally("campaigns closed (their statement sent to the partner)", SECOND_EDITION)


def follow_ups_of(motif, code):
    """A motif's follow-ups: `follow_ups.by_partner.edf`'s opened, closed and median days to close."""
    path = f"follow_ups.{motif}.{code}"
    return fields.Nested(Schema.from_dict({
        "opened": count(f"follow-ups opened about {code}"),
        "closed": count(f"follow-ups about {code} closed"),
        "median_days_to_close": median_days(f"median days the follow-ups about {code} closed stayed open",
                                            f"{path}.closed"),
    }, name=f"FollowUps_{motif}_{code}"), required=True)


class FollowUpFigures(Schema):
    """Accueil's follow-ups (suivis): opened in the month of `opened_at`, closed in that of `closed_at`, by
    motif as visits are (a partner's accueil or a généraliste's domain)."""

    opened = count("follow-ups opened")
    closed = count("follow-ups closed")
    open_at_end = headcount("follow-ups open at the end of the period: opened on or before its last month and "
                            "not closed by then, whatever they wait for")
    median_days_to_close = median_days("median days the follow-ups closed stayed open", "follow_ups.closed")
    closed_by_outcome = per_code("FollowUpsClosedByOutcome", CASE_OUTCOMES,
                                 lambda code: count(f"follow-ups closed as {code}"))
    by_partner = per_code("FollowUpsByPartner", PARTNERS, lambda code: follow_ups_of("by_partner", code))
    by_domain = per_code("FollowUpsByDomain", DOMAINS, lambda code: follow_ups_of("by_domain", code))


def referrals_to(partner):
    """A partner's referrals: `referrals.by_partner.caf`'s sent, answered, answer rate and median delay."""
    path = f"referrals.by_partner.{partner}"
    return fields.Nested(Schema.from_dict({
        "sent": count(f"referrals sent to {partner}"),
        "answered": count(f"of those, answered by {partner}"),
        "answer_rate": derived(f"share of the referrals to {partner} answered, 0 to 1", f"{path}.answered",
                               f"{path}.sent", 1, 3),
        "median_days_to_answer": median_days(f"median days {partner} took to answer", f"{path}.answered"),
    }, name=f"Referrals_{partner}"), required=True)


class ReferralFigures(Schema):
    """Accueil's referrals (mises en relation) to partners. A referral belongs to the month it was sent, and
    its answer is counted there when it comes, so that the answer rate compares the same referrals (a
    month's rate rises as its answers arrive, and the closed month is published again)."""

    sent = count("referrals sent to a partner")
    answered = count("of those, answered by the partner")
    answer_rate = derived("share of the referrals answered, 0 to 1", "referrals.answered", "referrals.sent", 1, 3)
    median_days_to_answer = median_days("median days partners took to answer", "referrals.answered")
    by_answer = per_code("ReferralsByAnswer", REFERRAL_ANSWERS, lambda code: count(f"referrals answered {code}"))
    by_partner = per_code("ReferralsByPartner", PARTNERS, referrals_to)


class AgentFigures(Schema):
    employed = headcount("agents médiateurs employed at the end of the period: hired on or before its last "
                         "month, not left by then (an agent leaving within the period is not counted)")
    women = headcount("of whom women")
    share_of_women = derived("share of women among agents, 0 to 1", "agents.women", "agents.employed", 1, 3)


# The agents whose time the hours describe: those employed at the period's end and those who left in it.
AGENTS_IN_PERIOD = ("agents.employed", "exits.total")


class TrainingFigures(Schema):
    """Weeks belong to the month holding their Thursday (formation's rule); a week's work time is its
    latest revision, its training the sum of its sessions."""

    work_hours = agent_hours("hours worked by agents", AGENTS_IN_PERIOD)
    training_hours = agent_hours("hours of training and professional project", AGENTS_IN_PERIOD)
    share = derived("training share of working time, 0 to 1", "training.training_hours", "training.work_hours", 1, 3)


class ExitFigures(Schema):
    """Exits in the month of their date."""

    total = count("agents who left")
    positive = count("sorties positives (job or qualifying training)")
    positive_rate = derived("positive exits rate, 0 to 1", "exits.positive", "exits.total", 1, 3)


class BudgetFigures(Schema):
    """Point Conseil Budget: accueil's budget dossiers, one per household accompanied. A dossier is received in
    the month it opened (`opened_at`); what its accompaniment held (diagnosis, action plan, interventions with
    creditors, orientations) is known when it closes, and counted in the month it closed (`closed_at`), with
    its outcome. Agents trained in budget are formation's, its training topic `budget`."""

    received = count("households received: budget dossiers opened")
    received_by_origin = per_code("BudgetReceivedByOrigin", ORIGINS,
                                  lambda code: count(f"budget dossiers opened that came by {code}"))
    open_at_end = headcount("budget dossiers open at the end of the period: opened on or before its last month "
                            "and not closed by then")
    closed = count("budget dossiers closed")
    closed_by_outcome = per_code("BudgetClosedByOutcome", DOSSIER_OUTCOMES,
                                 lambda code: count(f"budget dossiers closed as {code}"))
    median_days_open = median_days("median days the budget dossiers closed stayed open", "budget.closed")
    accompanied = count("households accompanied: budget dossiers closed that had a diagnosis or an action plan")
    accompanied_by_origin = per_code("BudgetAccompaniedByOrigin", ORIGINS,
                                     lambda code: count(f"households accompanied that came by {code}"))
    diagnosed = count("budget dossiers closed whose budget was diagnosed")
    with_plan = count("budget dossiers closed with an action plan (one step or more)")
    plans_completed = count("of those, the plans whose every step was done")
    plan_steps = measure("steps of those action plans", base="budget.with_plan")
    plan_steps_done = measure("steps of those action plans done", base="budget.with_plan")
    plan_steps_done_rate = derived("share of the action plans' steps done, 0 to 1", "budget.plan_steps_done",
                                   "budget.plan_steps", 1, 3)
    with_interventions = count("budget dossiers closed with one intervention with a creditor or more")
    interventions = count("interventions with creditors in the budget dossiers closed")
    interventions_by_answer = per_code("BudgetInterventionsByAnswer", INTERVENTION_ANSWERS,
                                       lambda code: count(f"interventions with creditors answered {code}"))
    oriented = count("budget dossiers closed that were oriented elsewhere (one orientation or more)")
    oriented_to = per_code("BudgetOrientedTo", ORIENTATIONS,
                           lambda code: count(f"budget dossiers closed that were oriented to {code}"))
    staff_trained = count("agents trained in budget (formation's topic budget), each counted once a year: in "
                          "the month of their first such session of the year")
    staff_training_hours = agent_hours("hours of training in budget (formation's topic budget)",
                                       ("budget.staff_trained",))


class OverindebtednessFigures(Schema):
    """Over-indebtedness files (the Banque de France commission's procedure) a budget dossier built: each stage
    counted in the month of its day (`stage_on`)."""

    built = count("over-indebtedness files built (dossier constitué)")
    filed = count("files filed with the commission")
    admissibility_decided = count("files the commission decided the admissibility of")
    admissible = count("of those, found admissible")
    not_admissible = count("of those, found not admissible")
    admissible_rate = derived("share of the admissibility decisions that found the file admissible, 0 to 1",
                              "overindebtedness.admissible", "overindebtedness.admissibility_decided", 1, 3)
    median_days_to_admissibility = median_days("median days from filing to the admissibility decision",
                                               "overindebtedness.admissibility_decided")
    oriented = count("files the commission oriented")
    by_orientation = per_code("OverindebtednessByOrientation", PROCEDURE_ORIENTATIONS,
                              lambda code: count(f"files oriented to {code}"))
    closed = count("over-indebtedness files closed")


class WaitingFigures(Schema):
    """The waiting room (accueil's tickets and appointments). A ticket counts in the month it was served or
    left, its wait from arrival to « Suivant »; an appointment in the month of its time (`starts_at`), booked,
    cancelled, kept (its wait from its time, or the person's later arrival, to their reception) or missed."""

    tickets_served = count("tickets served: walk-ins received after waiting their turn")
    tickets_left = count("tickets left without being seen (gone before the call, or still waiting at day's end)")
    tickets_left_at_day_end = count("of those, still waiting when the desk's day ended")
    walk_in_waiting_median_min = wait_minutes("median minutes walk-ins waited, arrival to « Suivant »",
                                              "waiting.tickets_served")
    walk_in_waiting_p90_min = wait_minutes("90th percentile of the minutes walk-ins waited",
                                           "waiting.tickets_served", 0.9)
    appointments_booked = count("appointments booked for a time in the period")
    appointments_cancelled = count("of those, cancelled")
    appointments_ended = count("appointments whose person came or did not come (kept or missed)")
    appointments_kept = count("appointments kept: the person came and was received")
    appointments_missed = count("appointments missed (no-show), noted by staff or at the day's end")
    no_show_rate = derived("share of the appointments ended that were missed, 0 to 1", "waiting.appointments_missed",
                           "waiting.appointments_ended", 1, 3)
    appointment_waiting_median_min = wait_minutes("median minutes people with an appointment waited, from its time "
                                                  "(or their later arrival) to their reception",
                                                  "waiting.appointments_kept")
    appointment_waiting_p90_min = wait_minutes("90th percentile of the minutes people with an appointment waited",
                                               "waiting.appointments_kept", 0.9)


class FiguresSchema(Schema):
    """The figures of one scope (desk, association or network) over one period (month or year)."""

    people = fields.Nested(PeopleFigures, required=True)
    visits = fields.Nested(VisitFigures, required=True)
    acts = fields.Nested(ActFigures, required=True)
    durations = fields.Nested(DurationFigures, required=True)
    workshops = fields.Nested(WorkshopFigures, required=True)
    registres = per_code("ActivitiesByRegistre", REGISTRES,
                         lambda code: count(f"visits and workshops that used the registre {code}"))
    outbound = fields.Nested(OutboundFigures, required=True)
    agents = fields.Nested(AgentFigures, required=True)
    training = fields.Nested(TrainingFigures, required=True)
    exits = fields.Nested(ExitFigures, required=True)
    follow_ups = section(FollowUpFigures, THIRD_EDITION)
    referrals = section(ReferralFigures, THIRD_EDITION)
    budget = section(BudgetFigures, FOURTH_EDITION)
    overindebtedness = section(OverindebtednessFigures, FOURTH_EDITION)
    waiting = section(WaitingFigures, FIFTH_EDITION)
    desks = structure("desks with activity in the period, or agents employed at its end")
    associations = structure("associations with activity in the period")


# -- events -------------------------------------------------------------------------------------------------
@event_schema("reporting.period_closed", 1)
class PeriodClosedV1(PayloadSchema):
    """An association's figures for a closed period, as they leave the association: suppressed.

    One event per desk (envelope pimms_id = the desk) and one for the association's total (pimms_id null),
    all of the same revision. A month's close also publishes the year to date (period YYYY). A later
    revision of the same (association, desk, period) replaces the earlier one at head office."""

    period = fields.String(required=True, validate=PERIOD)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))
    threshold = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    figures = fields.Nested(FiguresSchema, required=True)
    suppressed = fields.List(fields.String(validate=CELL), required=True)


# -- the Point Conseil Budget's annual report ---------------------------------------------------------------
# The label's annual report, per association and for the network, for one calendar year: its columns in a fixed
# order, each a cell of the year's figures (the `budget` and `overindebtedness` sections), with the label the
# figures page gives it. Columns are only ever appended: the code lists are spelled out here, so that a code
# added to accueil's lists becomes a new column at the end, never one in the middle.
def _by_code(column, path, codes, labels, label):
    return tuple((f"{column}_{code}", f"{path}.{code}", f"{label} : {labels[code]}") for code in codes)


_ORIGIN_CODES = ("walk_in", "partner", "bank", "social_worker", "cresus", "other")
PCB_REPORT = (
    ("households_received", "budget.received", "Ménages reçus (dossiers ouverts)"),
    *_by_code("households_received", "budget.received_by_origin", _ORIGIN_CODES, ORIGINS, "Ménages reçus, venus par"),
    ("households_accompanied", "budget.accompanied", "Ménages accompagnés (diagnostic ou plan d'action)"),
    *_by_code("households_accompanied", "budget.accompanied_by_origin", _ORIGIN_CODES, ORIGINS,
              "Ménages accompagnés, venus par"),
    ("diagnoses", "budget.diagnosed", "Diagnostics budgétaires réalisés"),
    ("action_plans", "budget.with_plan", "Plans d'action"),
    ("action_plans_completed", "budget.plans_completed", "Plans d'action entièrement réalisés"),
    ("action_plan_steps", "budget.plan_steps", "Étapes des plans d'action"),
    ("action_plan_steps_done", "budget.plan_steps_done", "Étapes réalisées"),
    ("action_plan_steps_done_rate", "budget.plan_steps_done_rate", "Part des étapes réalisées"),
    ("households_with_creditor_interventions", "budget.with_interventions",
     "Ménages pour qui le PCB est intervenu auprès de créanciers"),
    ("creditor_interventions", "budget.interventions", "Interventions auprès des créanciers"),
    *_by_code("creditor_interventions", "budget.interventions_by_answer", ("accepted", "partial", "refused", "no_answer"),
              INTERVENTION_ANSWERS, "Interventions, résultat"),
    ("households_oriented", "budget.oriented", "Ménages orientés"),
    *_by_code("households_oriented", "budget.oriented_to", ("pcb_expert", "cresus", "social_worker", "bank", "other"),
              ORIENTATIONS, "Ménages orientés vers"),
    ("overindebtedness_files_built", "overindebtedness.built", "Dossiers de surendettement constitués"),
    ("overindebtedness_files_filed", "overindebtedness.filed", "Dossiers déposés à la commission"),
    ("overindebtedness_admissibility_decisions", "overindebtedness.admissibility_decided",
     "Décisions de recevabilité"),
    ("overindebtedness_admissible", "overindebtedness.admissible", "Dossiers recevables"),
    ("overindebtedness_not_admissible", "overindebtedness.not_admissible", "Dossiers irrecevables"),
    ("overindebtedness_admissible_rate", "overindebtedness.admissible_rate", "Taux de recevabilité"),
    ("overindebtedness_median_days_to_admissibility", "overindebtedness.median_days_to_admissibility",
     "Délai médian du dépôt à la recevabilité (jours)"),
    ("overindebtedness_oriented", "overindebtedness.oriented", "Orientations décidées par la commission"),
    *_by_code("overindebtedness_oriented", "overindebtedness.by_orientation",
              ("plan_conventionnel", "mesures_imposees", "rp_sans_liquidation", "rp_avec_liquidation"),
              PROCEDURE_ORIENTATIONS, "Orientation"),
    ("overindebtedness_files_closed", "overindebtedness.closed", "Dossiers de surendettement clos"),
    ("dossiers_closed", "budget.closed", "Dossiers budget clos"),
    *_by_code("outcome", "budget.closed_by_outcome",
              ("stabilised", "plan_agreed", "overindebtedness", "oriented", "abandoned"), DOSSIER_OUTCOMES, "Issue"),
    ("dossiers_median_days_open", "budget.median_days_open", "Durée médiane d'accompagnement (jours)"),
    ("dossiers_open_at_year_end", "budget.open_at_end", "Dossiers en cours en fin d'année"),
    ("staff_trained_in_budget", "budget.staff_trained",
     "Agents formés au budget (formation « Budget et surendettement »)"),
    ("staff_budget_training_hours", "budget.staff_training_hours", "Heures de formation au budget"),
)
PCB_REPORT_HEAD = ("scope", "id", "association_id", "year", "incomplete")  # then PCB_REPORT's columns
PCB_SCOPES = ("association", "network")  # the label is held by an association; the network sums them

# -- requests -----------------------------------------------------------------------------------------------
SCOPES = ("desk", "association", "network")
FORMATS = ("csv", "json")



class ScopeRequest(RequestSchema):
    """A scope and its id: a desk's pimms_id, an association_id, or nothing for the network."""

    scope = fields.String(required=True, validate=validate.OneOf(SCOPES, error="must be one of: {choices}"))
    id = fields.String(load_default=None, allow_none=True, validate=CODE)

    @validates_schema
    def _id_names_the_scope(self, data, **kwargs):
        if data.get("scope") in ("desk", "association") and not data.get("id"):
            raise ValidationError(f"a {data['scope']} scope needs its id", "id")
        if data.get("scope") == "network" and data.get("id") not in (None, "", "national"):
            raise ValidationError("the network scope has no id (or 'national')", "id")


class FiguresRequest(ScopeRequest):
    period = fields.String(required=True, validate=PERIOD)
    exact = fields.Boolean(load_default=False)


class FiguresMonthsRequest(ScopeRequest):
    """Months of one year in one call (a year's charts): each month's row as `figures` answers it."""

    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2999))
    months = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=12)), required=True,
                         validate=validate.Length(min=1, max=12))
    exact = fields.Boolean(load_default=False)

    @validates_schema
    def _each_month_once(self, data, **kwargs):
        if len(set(data.get("months") or ())) != len(data.get("months") or ()):
            raise ValidationError("each month once", "months")


class ExportRequest(ScopeRequest):
    period = fields.String(required=True, validate=PERIOD)
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS, error="must be one of: {choices}"))


class AnnualReportRequest(ScopeRequest):
    scope = fields.String(load_default="network", validate=validate.OneOf(SCOPES, error="must be one of: {choices}"))
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2999))


class PcbReportRequest(ScopeRequest):
    """The Point Conseil Budget's annual report of an association, or of the network (and each association)."""

    scope = fields.String(load_default="network", validate=validate.OneOf(
        PCB_SCOPES, error="must be one of: {choices} (the label is held by an association)"))
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2999))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS, error="must be one of: {choices}"))


class ClosePeriodRequest(RequestSchema):
    period = fields.String(required=True, validate=MONTH)
