"""Projectors: how each consumed event folds into figure cells. One plain function per event type.

Adding an event type is one function here, registered with `@projector(type, version, feeds=...)`, and
one `@handle_event_batch` handler in service.py; a rebuild back-fills it over every event already stored.
`feeds` names the sections of the figures it measures: until some projector feeds a section, its cells
are null (not measured), and from then on they are numbers, so the figures keep one shape.

A projector sees the event as stored (`Fact`, its payload as it travelled, in JSON types), so the
incremental path and the rebuild fold exactly the same input. It returns the month the activity belongs
to, the cells it adds to, the visitor references it saw, and the days it adds to a median's day counts
(`(median cell, days)`: a follow-up closed after 12 days adds one item of 12 to the median days to close).

Some events change what an earlier one contributed: a week's work time logged again replaces its earlier
total; an agent's exit ends the head count their hiring started, as a woman or not, which only the hiring
says; a follow-up's close ends the open count its opening started. Those are folded through a *subject*
reporting remembers (`@remembering`): the agent, the agent's week, the follow-up, the referral, the budget
dossier, an agent's year of training in budget. `merge` says
how an event changes what is known of the subject (a JSON-able dict), `contribute` what the subject as known
adds to the aggregates; the fold adds the difference between what the subject contributes now and what it
contributed before, and keeps both (store.py, table `reporting_subjects`, rebuilt with the aggregates). A
merge that does not depend on the order events arrive in (the highest revision wins; hiring and exit fill
separate parts) gives the same figures whatever that order. An event type may have both: a subject's part
(what needs what another event said) and a plain projector for the rest (a follow-up's close). A subject
function may return None: the fact concerns no subject (a training on another topic than budget)."""
import datetime as dt
from typing import NamedTuple

from services.reporting.cells import NO_DESK
from shared.contracts.formation import THURSDAY, TOPICS, parse_week
from shared.contracts.reporting import CHANNEL_CELLS
from shared.envelope import upcast_wire

PROJECTORS = {}  # (event type, version) -> projector function
REMEMBERED = {}  # (event type, version) -> Remembered: events folded through a subject
FEEDS = {}  # (event type, version) -> sections of the figures it measures


class Fact(NamedTuple):  # a NamedTuple: a rebuild makes a million of them
    type: str
    version: int
    occurred_at: dt.datetime  # UTC
    association_id: str
    pimms_id: str | None
    payload: dict
    zone: dt.tzinfo = dt.timezone.utc  # the association's: its months are its calendar's (shared/localtime.py)


class Contribution(NamedTuple):
    month: str  # YYYY-MM
    counts: dict  # cell path -> amount added (zero amounts are ignored)
    visitors: tuple = ()
    days: tuple = ()  # (median cell path, days): one item more for that median


class Remembered(NamedTuple):
    subject: object  # fact -> the subject's name, unique within the association
    merge: object  # (what was known of the subject or None, fact) -> what is known now
    contribute: object  # what is known -> ((desk, month, {cell: amount}), ...)


BUDGET_TOPIC = "budget"  # formation's training topic « Budget et surendettement »: budget education
assert BUDGET_TOPIC in TOPICS, "formation's topics lost the budget one: staff trained in budget have no source"


class UnknownEvent(Exception):
    """An event type reporting has no projector for: a handler was added without its projector."""


def _feeds(event_type, version, feeds):
    """An event type with both a projector and a subject feeds the sections of both."""
    FEEDS[(event_type, version)] = tuple(dict.fromkeys((*FEEDS.get((event_type, version), ()), *feeds)))


def projector(event_type, version=1, feeds=()):
    def register(fn):
        PROJECTORS[(event_type, version)] = fn
        _feeds(event_type, version, feeds)
        return fn

    return register


def remembering(event_type, version=1, feeds=(), *, subject, contribute):
    """Register `merge` for an event folded through a subject (see the module's docstring)."""
    def register(merge):
        REMEMBERED[(event_type, version)] = Remembered(subject, merge, contribute)
        _feeds(event_type, version, feeds)
        return merge

    return register


def measured_sections():
    return {section for feeds in FEEDS.values() for section in feeds}


def project(fact):
    try:
        fold = PROJECTORS[(fact.type, fact.version)]
    except KeyError:
        raise UnknownEvent(f"no projector for {fact.type} v{fact.version}") from None
    return fold(fact)


def month_of(moment):
    return f"{moment.year:04d}-{moment.month:02d}"


def local_month(fact, iso_moment=None):
    """The month, in the association's calendar, of the fact (or of a moment it carries, an ISO 8601 text
    with its offset): a visit closed at 00:30 in Paris on 1 December is a December visit."""
    moment = fact.occurred_at if iso_moment is None else dt.datetime.fromisoformat(iso_moment)
    return month_of(moment.astimezone(fact.zone))


def month_of_week(week):
    """A week (`2026-W05`) belongs to the month holding its Thursday, as formation and franchise count it:
    consecutive months never share a week."""
    return month_of(parse_week(week) + THURSDAY)


def minutes(hours):
    """Formation logs whole minutes and sends them as decimal hours (4 digits): back to exact minutes."""
    return round(hours * 60)


# -- médiation postée and ateliers (accueil) ------------------------------------------------------------------
@projector("accueil.visit_closed", 1, feeds=("people", "visits", "acts", "durations", "registres"))
def visit_closed(fact):
    payload = fact.payload
    motif, acts, visitors = payload["motif"], payload["acts"], payload["visitors"]
    counts = {"visits.total": 1, "acts.total": len(acts), "durations.visit_min_total": payload["duration_min"],
              "people.new": sum(1 for visitor in visitors if visitor["first_visit"])}
    if motif["kind"] == "partenaire":
        counts["visits.partenaire"] = 1
        counts["visits.by_partner." + motif["partner"]] = 1
    else:
        counts["visits.generaliste"] = 1
        counts["visits.by_domain." + motif["domain"]] = 1
    for act in acts:
        cell = "acts.by_kind." + act
        counts[cell] = counts.get(cell, 0) + 1
    for registre in set(payload["registres"]):
        counts["registres." + registre] = 1
    if payload["waiting_min"] is not None:
        counts["durations.waiting_measured"] = 1
        counts["durations.waiting_min_total"] = payload["waiting_min"]
    # the visit belongs to the month it closed in (occurred_at is its closed_at), in the association's calendar
    return Contribution(local_month(fact), counts, tuple(v["visitor_ref"] for v in visitors))


@projector("accueil.workshop_held", 2, feeds=("workshops", "registres", "people"))
def workshop_held(fact):
    """A session held: its attendees are people received (their visitor references join the desk's, so a
    person seen at the desk and at a workshop counts once), its registrations and places feed the
    attendance and fill rates, overall and by theme."""
    payload, theme = fact.payload, fact.payload["theme"]
    planned = payload["capacity"] is not None
    session = {
        "sessions": 1, "attendees": payload["attendees"], "registrations": payload["registrations"],
        "registrations_attended": payload["registrations_attended"],
        "places": payload["capacity"] if planned else 0, "planned_attendees": payload["attendees"] if planned else 0,
    }
    counts = {**{f"workshops.{cell}": n for cell, n in session.items()},
              **{f"workshops.by_theme.{theme}.{cell}": n for cell, n in session.items()}}
    for registre in set(payload["registres"]):
        counts["registres." + registre] = 1
    # accueil stamps workshop_held when it is closed; the workshop belongs to the month it was held
    return Contribution(payload["held_on"][:7], counts, tuple(payload["visitors"]))


@projector("accueil.workshop_held", 1, feeds=("workshops", "registres", "people"))
def workshop_held_v1(fact):
    """A v1 event in the store (applied before v2 existed) folds as consumers now receive it: upcast."""
    version, payload = upcast_wire(fact.type, fact.version, fact.payload)
    return project(fact._replace(version=version, payload=payload))


# -- agents médiateurs (formation) ------------------------------------------------------------------------------
def agent(fact):
    return "agent:" + fact.payload["agent_id"]


def agent_cells(known):
    """An agent adds one to the head count of their desk from their hiring month and, once they leave, one
    less from their exit month (an exit before any hiring reporting saw ends no head count: it stays an
    exit); and the exit to the exits of its month."""
    hired, exited = known.get("hired"), known.get("exited")
    cells = []
    if hired is not None:
        cells.append((hired["desk"], hired["month"], {"agents.employed": 1, "agents.women": hired["woman"]}))
    if exited is not None:
        cells.append((exited["desk"], exited["month"], {"exits.total": 1, "exits.positive": exited["positive"]}))
        if hired is not None:  # formation refuses an exit before the hiring; max() keeps a stock from going below 0
            cells.append((hired["desk"], max(hired["month"], exited["month"]),
                          {"agents.employed": -1, "agents.women": -hired["woman"]}))
    return tuple(cells)


@remembering("formation.agent_hired", 1, feeds=("agents",), subject=agent, contribute=agent_cells)
def agent_hired(known, fact):
    payload = fact.payload
    return {**(known or {}), "hired": {"desk": fact.pimms_id or NO_DESK, "month": payload["hired_on"][:7],
                                       "woman": int(payload["gender"] == "female")}}


@remembering("formation.agent_exited", 1, feeds=("agents", "exits"), subject=agent, contribute=agent_cells)
def agent_exited(known, fact):
    payload = fact.payload
    return {**(known or {}), "exited": {"desk": fact.pimms_id or NO_DESK, "month": payload["exited_on"][:7],
                                        "positive": int(payload["positive"])}}


def work_week(fact):
    return f"work:{fact.payload['agent_id']}:{fact.payload['week']}"


def work_week_cells(known):
    return ((known["desk"], known["month"], {"training.work_hours": known["minutes"]}),)


@remembering("formation.work_time_logged", 1, feeds=("training",), subject=work_week, contribute=work_week_cells)
def work_time_logged(known, fact):
    """`hours` is the week's total: the highest revision replaces the others, whatever order they come in."""
    payload = fact.payload
    if known is not None and known["revision"] >= payload["revision"]:
        return known
    return {"revision": payload["revision"], "minutes": minutes(payload["hours"]),
            "desk": fact.pimms_id or NO_DESK, "month": month_of_week(payload["week"])}


@projector("formation.training_logged", 1, feeds=("training", "budget"))
def training_logged(fact):
    """A session of training or professional project: the week's sessions add up (each applied once); those
    on budget are the staff's training in budget too."""
    payload, spent = fact.payload, minutes(fact.payload["hours"])
    counts = {"training.training_hours": spent}
    if payload["topic"] == BUDGET_TOPIC:
        counts["budget.staff_training_hours"] = spent
    return Contribution(month_of_week(payload["week"]), counts)


# An agent trained in budget counts once a year, in the month of their first session on budget that year (at its
# desk): a year's figure is the agents trained in budget that year, a month's those first trained in it that year.
# The earliest session wins, whatever order the sessions arrive in.
def budget_training(fact):
    payload = fact.payload
    if payload["topic"] != BUDGET_TOPIC:
        return None
    return f"budget_training:{payload['agent_id']}:{month_of_week(payload['week'])[:4]}"


def budget_training_cells(known):
    return ((known["desk"], known["month"], {"budget.staff_trained": 1}),)


@remembering("formation.training_logged", 1, feeds=("budget",), subject=budget_training,
             contribute=budget_training_cells)
def budget_training_logged(known, fact):
    session = {"desk": fact.pimms_id or NO_DESK, "month": month_of_week(fact.payload["week"])}
    if known is None or (session["month"], session["desk"]) < (known["month"], known["desk"]):
        return session
    return known


# -- médiation sortante -----------------------------------------------------------------------------------------
@projector("mediation_sortante.campaign_opened", 1, feeds=("outbound",))
def campaign_opened(fact):
    return Contribution(local_month(fact, fact.payload["opened_at"]), {"outbound.campaigns_opened": 1})


@projector("mediation_sortante.contact_attempted", 1, feeds=("outbound",))
def contact_attempted(fact):
    payload = fact.payload
    return Contribution(local_month(fact, payload["at"]), {
        "outbound.attempts": 1, "outbound.reached": int(payload["reached"]),
        "outbound.attempts_by_partner." + payload["partner"]: 1,
        "outbound.attempts_by_channel." + CHANNEL_CELLS[payload["channel"]]: 1})


@projector("mediation_sortante.case_resolved", 1, feeds=("outbound",))
def case_resolved(fact):
    payload = fact.payload
    return Contribution(local_month(fact, payload["resolved_at"]), {
        "outbound.cases_resolved": 1, "outbound.cases_by_outcome." + payload["outcome"]: 1,
        "outbound.cases_by_partner." + payload["partner"]: 1, "outbound.acts": len(payload["acts"])})


@projector("mediation_sortante.campaign_closed", 1, feeds=("outbound",))
def campaign_closed(fact):
    """Only the close is counted: the campaign's totals are its attempts and cases, already folded one by one."""
    return Contribution(local_month(fact, fact.payload["closed_at"]), {"outbound.campaigns_closed": 1})


# -- suivis and mises en relation (accueil) ------------------------------------------------------------------------
# A follow-up counts as opened once, and is open from that month until the month it closed; a referral counts as
# sent once. Each close says when its follow-up opened and about what, each answer when and to whom its referral
# was sent: so both are remembered as subjects, counted from whichever event reporting has, and a close or an
# answer applied first (they come on other queues), or whose opening never reached reporting, neither leaves a
# follow-up closed that was never open nor an answer without its referral (the answer rate stays within 0 and 1).
# What needs no join (closes, outcomes, answers and their days) is folded by plain projectors beside.
def motif_of(motif):
    """A motif's breakdown, as visits are broken down: `by_partner.edf` or `by_domain.housing`."""
    if motif["kind"] == "partenaire":
        return "by_partner." + motif["partner"]
    return "by_domain." + motif["domain"]


def case(fact):
    return "case:" + fact.payload["case_id"]


def case_cells(known):
    opened, closed = known["opened"], known.get("closed")
    cells = [(opened["desk"], opened["month"], {"follow_ups.opened": 1, f"follow_ups.{opened['motif']}.opened": 1,
                                                "follow_ups.open_at_end": 1})]
    if closed is not None:  # max(): a stock never goes below 0, whatever the dates say
        cells.append((closed["desk"], max(opened["month"], closed["month"]), {"follow_ups.open_at_end": -1}))
    return tuple(cells)


def _opening(fact):
    payload = fact.payload
    return {"desk": fact.pimms_id or NO_DESK, "month": local_month(fact, payload["opened_at"]),
            "motif": motif_of(payload["motif"])}


@remembering("accueil.case_opened", 1, feeds=("follow_ups",), subject=case, contribute=case_cells)
def case_opened(known, fact):
    """The opening says when and about what the follow-up opened (the month of `opened_at`)."""
    return {**(known or {}), "opened": _opening(fact)}


@remembering("accueil.case_closed", 1, feeds=("follow_ups",), subject=case, contribute=case_cells)
def case_closed_known(known, fact):
    """The close ends the follow-up's open count in the month of `closed_at`; it stands for the opening until
    that comes (the opening, when it comes, says the same)."""
    known = known or {}
    return {**known, "opened": known.get("opened") or _opening(fact),
            "closed": {"desk": fact.pimms_id or NO_DESK, "month": local_month(fact, fact.payload["closed_at"])}}


@projector("accueil.case_closed", 1, feeds=("follow_ups",))
def case_closed(fact):
    """A follow-up closed counts in the month it closed, with its outcome and its days open."""
    payload, motif = fact.payload, motif_of(fact.payload["motif"])
    days = payload["days_open"]
    return Contribution(local_month(fact, payload["closed_at"]), {
        "follow_ups.closed": 1, f"follow_ups.{motif}.closed": 1,
        "follow_ups.closed_by_outcome." + payload["outcome"]: 1,
    }, days=(("follow_ups.median_days_to_close", days), (f"follow_ups.{motif}.median_days_to_close", days)))


def referral(fact):
    return "referral:" + fact.payload["referral_id"]


def referral_cells(known):
    sent = known["sent"]
    return ((sent["desk"], sent["month"], {"referrals.sent": 1, f"referrals.by_partner.{sent['partner']}.sent": 1}),)


def _sending(fact):
    payload = fact.payload
    return {"desk": fact.pimms_id or NO_DESK, "month": local_month(fact, payload["sent_at"]),
            "partner": payload["partner"]}


@remembering("accueil.referral_sent", 1, feeds=("referrals",), subject=referral, contribute=referral_cells)
def referral_sent(known, fact):
    return {**(known or {}), "sent": _sending(fact)}


@remembering("accueil.referral_answered", 1, feeds=("referrals",), subject=referral, contribute=referral_cells)
def referral_answered_known(known, fact):
    """The answer stands for its referral until that comes (the referral, when it comes, says the same)."""
    return known if known is not None else {"sent": _sending(fact)}


@projector("accueil.referral_answered", 1, feeds=("referrals",))
def referral_answered(fact):
    """An answer counts in the month its referral was sent (`sent_at`), so that a month's answer rate is the
    share of its own referrals answered; it marks that month dirty, and its next close republishes it."""
    payload, partner = fact.payload, fact.payload["partner"]
    days = payload["days_to_answer"]
    return Contribution(local_month(fact, payload["sent_at"]), {
        "referrals.answered": 1, f"referrals.by_partner.{partner}.answered": 1,
        "referrals.by_answer." + payload["answer"]: 1,
    }, days=(("referrals.median_days_to_answer", days), (f"referrals.by_partner.{partner}.median_days_to_answer",
                                                          days)))



# -- Point Conseil Budget (accueil): budget dossiers and over-indebtedness files -------------------------------
# A dossier is a household received, in the month it opened, and open until the month it closed: remembered as a
# subject, like a follow-up, so that it counts as received once, from whichever of its events came first (the
# close says when the dossier opened and how the household came). What the accompaniment held is only known
# at the close, and counted in the month of `closed_at` by a plain projector beside.
def dossier(fact):
    return "dossier:" + fact.payload["dossier_id"]


def dossier_cells(known):
    opened, closed = known["opened"], known.get("closed")
    cells = [(opened["desk"], opened["month"], {"budget.received": 1, f"budget.received_by_origin.{opened['origin']}": 1,
                                                "budget.open_at_end": 1})]
    if closed is not None:  # max(): a stock never goes below 0, whatever the dates say
        cells.append((closed["desk"], max(opened["month"], closed["month"]), {"budget.open_at_end": -1}))
    return tuple(cells)


def _dossier_opening(fact):
    payload = fact.payload
    return {"desk": fact.pimms_id or NO_DESK, "month": local_month(fact, payload["opened_at"]),
            "origin": payload["origin"]}


@remembering("accueil.budget_dossier_opened", 1, feeds=("budget",), subject=dossier, contribute=dossier_cells)
def budget_dossier_opened(known, fact):
    return {**(known or {}), "opened": _dossier_opening(fact)}


@remembering("accueil.budget_dossier_closed", 1, feeds=("budget",), subject=dossier, contribute=dossier_cells)
def budget_dossier_closed_known(known, fact):
    """The close ends the dossier's open count in the month of `closed_at`, and stands for its opening until
    that comes (the opening, when it comes, says the same)."""
    known = known or {}
    return {**known, "opened": known.get("opened") or _dossier_opening(fact),
            "closed": {"desk": fact.pimms_id or NO_DESK, "month": local_month(fact, fact.payload["closed_at"])}}


@projector("accueil.budget_dossier_closed", 1, feeds=("budget",))
def budget_dossier_closed(fact):
    """A dossier closed counts in the month it closed: its outcome and days open, and what its accompaniment
    held. Accompanied: a diagnosis or an action plan (a step or more)."""
    payload = fact.payload
    steps = payload["plan_steps"]
    done = min(payload["plan_steps_done"], steps)  # a rate of steps done never exceeds 1
    accompanied = int(payload["diagnosed"] or steps > 0)
    interventions = sum(payload["interventions"].values())
    oriented_to = set(payload["orientations"])
    counts = {
        "budget.closed": 1, "budget.closed_by_outcome." + payload["outcome"]: 1,
        "budget.accompanied": accompanied, "budget.accompanied_by_origin." + payload["origin"]: accompanied,
        "budget.diagnosed": int(payload["diagnosed"]),
        "budget.with_plan": int(steps > 0), "budget.plans_completed": int(0 < steps == done),
        "budget.plan_steps": steps, "budget.plan_steps_done": done,
        "budget.with_interventions": int(interventions > 0), "budget.interventions": interventions,
        **{"budget.interventions_by_answer." + answer: n for answer, n in payload["interventions"].items()},
        "budget.oriented": int(bool(oriented_to)), **{"budget.oriented_to." + code: 1 for code in oriented_to},
    }
    return Contribution(local_month(fact, payload["closed_at"]), counts,
                        days=(("budget.median_days_open", payload["days_open"]),))


@projector("accueil.overindebtedness_stage", 1, feeds=("overindebtedness",))
def overindebtedness_stage(fact):
    """A file's stage counts in the month of its day (`stage_on`, a date of the desk's calendar). Accueil moves
    a file one stage at a time and says the decision at admissibility and the path at orientation (StageRequest);
    the days from filing to the admissibility decision feed their median."""
    payload, stage = fact.payload, fact.payload["stage"]
    counts, days = {}, ()
    if stage == "admissibility" and payload["admissible"] is not None:
        verdict = "admissible" if payload["admissible"] else "not_admissible"
        counts = {"overindebtedness.admissibility_decided": 1, "overindebtedness." + verdict: 1}
        if payload["days_since_filed"] is not None:
            days = (("overindebtedness.median_days_to_admissibility", payload["days_since_filed"]),)
    elif stage == "orientation" and payload["orientation"] is not None:
        counts = {"overindebtedness.oriented": 1, "overindebtedness.by_orientation." + payload["orientation"]: 1}
    elif stage in ("built", "filed", "closed"):
        counts = {"overindebtedness." + stage: 1}
    return Contribution(payload["stage_on"][:7], counts, days=days)


# -- the waiting room (accueil): tickets and appointments ------------------------------------------------------
# A ticket counts in the month it was served (its wait feeding the walk-ins' median and 90th percentile) or left;
# an appointment in the month of its time, whichever of its events says so: booked and cancelled, then kept (its
# wait feeding the appointments' median and percentile) or missed, both "ended".
WALK_IN_WAITS = ("waiting.walk_in_waiting_median_min", "waiting.walk_in_waiting_p90_min")
APPOINTMENT_WAITS = ("waiting.appointment_waiting_median_min", "waiting.appointment_waiting_p90_min")


@projector("accueil.ticket_served", 1, feeds=("waiting",))
def ticket_served(fact):
    payload = fact.payload
    return Contribution(local_month(fact, payload["served_at"]), {"waiting.tickets_served": 1},
                        days=tuple((cell, payload["waiting_min"]) for cell in WALK_IN_WAITS))


@projector("accueil.ticket_left", 1, feeds=("waiting",))
def ticket_left(fact):
    payload = fact.payload
    return Contribution(local_month(fact, payload["left_at"]), {
        "waiting.tickets_left": 1, "waiting.tickets_left_at_day_end": int(payload["at_day_end"])})


@projector("accueil.appointment_booked", 1, feeds=("waiting",))
def appointment_booked(fact):
    return Contribution(local_month(fact, fact.payload["starts_at"]), {"waiting.appointments_booked": 1})


@projector("accueil.appointment_cancelled", 1, feeds=("waiting",))
def appointment_cancelled(fact):
    return Contribution(local_month(fact, fact.payload["starts_at"]), {"waiting.appointments_cancelled": 1})


@projector("accueil.appointment_kept", 1, feeds=("waiting",))
def appointment_kept(fact):
    payload = fact.payload
    return Contribution(local_month(fact, payload["starts_at"]), {
        "waiting.appointments_kept": 1, "waiting.appointments_ended": 1},
        days=tuple((cell, payload["waiting_min"]) for cell in APPOINTMENT_WAITS))


@projector("accueil.appointment_missed", 1, feeds=("waiting",))
def appointment_missed(fact):
    return Contribution(local_month(fact, fact.payload["starts_at"]), {
        "waiting.appointments_missed": 1, "waiting.appointments_ended": 1})
