"""Builders for reporting's tests: events built and validated exactly as they travel on the bus (accueil's
visits, workshops, follow-ups and referrals, budget dossiers and over-indebtedness files, formation's,
médiation sortante's), and the service through nameko's worker_factory on a real database."""
import datetime as dt
import random
import uuid

from services.reporting.service import ReportingService
from shared import envelope
from shared.contracts.accueil import ACTS, DOMAINS, THEMES
from shared.contracts.accueil_budget import (
    DOSSIER_OUTCOMES,
    INTERVENTION_ANSWERS,
    ORIENTATIONS,
    ORIGINS,
    PROCEDURE_ORIENTATIONS,
)
from shared.contracts.accueil_cases import CASE_OUTCOMES, REFERRAL_ANSWERS
from shared.contracts.common import PARTNERS
from shared.contracts.mediation_sortante import ACTS as OUTBOUND_ACTS
from shared.contracts.mediation_sortante import CHANNELS, OUTCOMES
from tests import kit

UTC = dt.timezone.utc
ASSOCIATION = "pimms-lyon"


def at(year, month, day=10, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def ref(n):
    """A visitor reference, as accueil makes them (32 hex characters)."""
    return f"{n:032x}"


def motif(partner="edf", domain=None):
    return ({"kind": "generaliste", "partner": None, "domain": domain} if domain
            else {"kind": "partenaire", "partner": partner, "domain": None})


def visit_closed(when, *, pimms_id="lyon-8", association_id=ASSOCIATION, partner="edf", domain=None,
                 acts=("explanation",), visitors=((1, True),), waiting_min=10, duration_min=20):
    doc = envelope.build("accueil.visit_closed", {
        "visit_id": uuid.uuid4(), "agent_id": "agent-1",
        "visitors": [{"visitor_ref": ref(n), "first_visit": first} for n, first in visitors],
        "motif": motif(partner, domain), "acts": list(acts), "registres": ["understanding"], "outcome": "resolved",
        "waiting_min": waiting_min, "duration_min": duration_min,
        "opened_at": when - dt.timedelta(minutes=duration_min), "closed_at": when,
    }, association_id=association_id, pimms_id=pimms_id, occurred_at=when)
    return envelope.load(doc)


def workshop_held(held_on, *, recorded=None, pimms_id="lyon-8", association_id=ASSOCIATION, theme="digital",
                  attendees=12):
    doc = envelope.build("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": "agent-2", "theme": theme, "partner": None,
        "held_on": held_on, "attendees": attendees, "duration_min": 120, "registres": ["collective"],
    }, association_id=association_id, pimms_id=pimms_id,
        occurred_at=recorded or dt.datetime.combine(held_on, dt.time(18), tzinfo=UTC))
    return envelope.load(doc)


def session_held(held_on, visitors, *, registrations, registrations_attended, capacity=20, pimms_id="lyon-8",
                 association_id=ASSOCIATION, theme="digital"):
    """A planned session closed (workshop_held v2): `visitors` the attendees' reference numbers (ref(n))."""
    doc = envelope.build("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": "agent-2", "theme": theme, "partner": None, "held_on": held_on,
        "attendees": len(visitors), "duration_min": 90, "registres": ["collective", "inform"],
        "visitors": [ref(n) for n in visitors], "registrations": registrations,
        "registrations_attended": registrations_attended, "capacity": capacity,
    }, version=2, association_id=association_id, pimms_id=pimms_id,
        occurred_at=dt.datetime.combine(held_on, dt.time(18), tzinfo=UTC))
    return envelope.load(doc)


# -- follow-ups (suivis) and referrals (mises en relation): accueil stamps them when they happen ---------------
def case_opened(opened_at, *, case_id=None, partner="edf", domain=None, named=False, pimms_id="lyon-8",
                association_id=ASSOCIATION):
    return _event("accueil.case_opened", {
        "case_id": case_id or uuid.uuid4(), "agent_id": "agent-1", "motif": motif(partner, domain), "named": named,
        "opened_at": opened_at, "due_on": (opened_at + dt.timedelta(days=7)).date()},
        association_id, pimms_id, opened_at)


def case_closed(closed_at, *, opened_at, case_id=None, outcome="resolved", partner="edf", domain=None, visits=2,
                pimms_id="lyon-8", association_id=ASSOCIATION):
    """Closed `closed_at`, open since `opened_at`: its days open are the days between (as accueil counts them)."""
    return _event("accueil.case_closed", {
        "case_id": case_id or uuid.uuid4(), "agent_id": "agent-1", "motif": motif(partner, domain),
        "outcome": outcome, "days_open": (closed_at.date() - opened_at.date()).days, "visits": visits,
        "opened_at": opened_at, "closed_at": closed_at}, association_id, pimms_id, closed_at)


def referral_sent(sent_at, *, referral_id=None, partner="caf", pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("accueil.referral_sent", {
        "referral_id": referral_id or uuid.uuid4(), "agent_id": "agent-1", "partner": partner,
        "motif": motif(partner), "named": True, "sent_at": sent_at}, association_id, pimms_id, sent_at)


def referral_answered(answered_at, *, sent_at, referral_id=None, partner="caf", answer="resolved",
                      pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("accueil.referral_answered", {
        "referral_id": referral_id or uuid.uuid4(), "partner": partner, "answer": answer,
        "reason": "not_eligible" if answer == "refused" else None,
        "redirected_to": "cpam" if answer == "redirected" else None,
        "days_to_answer": (answered_at.date() - sent_at.date()).days, "sent_at": sent_at,
        "answered_at": answered_at}, association_id, pimms_id, answered_at)


# -- Point Conseil Budget: budget dossiers and their over-indebtedness files -----------------------------------
def budget_dossier_opened(opened_at, *, dossier_id=None, origin="walk_in", pimms_id="lyon-8",
                          association_id=ASSOCIATION):
    return _event("accueil.budget_dossier_opened", {
        "dossier_id": dossier_id or uuid.uuid4(), "agent_id": "agent-1", "origin": origin, "household": "single",
        "opened_at": opened_at}, association_id, pimms_id, opened_at)


def budget_dossier_closed(closed_at, *, opened_at, dossier_id=None, origin="walk_in", outcome="stabilised",
                          diagnosed=True, plan_steps=0, plan_steps_done=0, interventions=None, orientations=(),
                          pimms_id="lyon-8", association_id=ASSOCIATION):
    """Closed `closed_at`, open since `opened_at`: its days open are the days between (as accueil counts them)."""
    return _event("accueil.budget_dossier_closed", {
        "dossier_id": dossier_id or uuid.uuid4(), "agent_id": "agent-1", "origin": origin, "household": "single",
        "outcome": outcome, "days_open": (closed_at.date() - opened_at.date()).days, "diagnosed": diagnosed,
        "remaining_band": "200_400" if diagnosed else None, "plan_steps": plan_steps,
        "plan_steps_done": plan_steps_done, "interventions": dict(interventions or {}),
        "orientations": list(orientations), "opened_at": opened_at, "closed_at": closed_at},
        association_id, pimms_id, closed_at)


def overindebtedness_stage(stage, stage_on, *, file_id=None, dossier_id=None, admissible=None, orientation=None,
                           days_since_filed=None, pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("accueil.overindebtedness_stage", {
        "file_id": file_id or uuid.uuid4(), "dossier_id": dossier_id or uuid.uuid4(), "origin": "walk_in",
        "stage": stage, "stage_on": stage_on, "admissible": admissible, "orientation": orientation,
        "days_since_filed": days_since_filed}, association_id, pimms_id,
        dt.datetime.combine(stage_on, dt.time(16), tzinfo=UTC))


WAITING_MOTIF = {"kind": "generaliste", "partner": None, "domain": "caf"}


def ticket_served(when, waited, *, pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("accueil.ticket_served", {
        "ticket_id": uuid.uuid4(), "visit_id": uuid.uuid4(), "agent_id": "a1", "motif": WAITING_MOTIF,
        "waiting_min": waited, "arrived_at": when - dt.timedelta(minutes=waited), "served_at": when},
        association_id, pimms_id, when)


def ticket_left(when, at_day_end, *, pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("accueil.ticket_left", {
        "ticket_id": uuid.uuid4(), "motif": WAITING_MOTIF, "waited_min": 30, "at_day_end": at_day_end,
        "arrived_at": when - dt.timedelta(minutes=30), "left_at": when}, association_id, pimms_id, when)


def appointment(kind, starts_at, appointment_id, waited=0, *, pimms_id="lyon-8", association_id=ASSOCIATION):
    """accueil.appointment_<kind> (booked, cancelled, kept, missed) of the appointment at `starts_at`."""
    payload = {"appointment_id": appointment_id, "starts_at": starts_at}
    if kind == "booked":
        payload.update(agent_id="a1", motif=WAITING_MOTIF, named=False, duration_min=30,
                       booked_at=starts_at - dt.timedelta(days=3))
    elif kind == "cancelled":
        payload.update(cancelled_at=starts_at - dt.timedelta(days=1))
    elif kind == "kept":
        payload.update(visit_id=uuid.uuid4(), agent_id="a1", motif=WAITING_MOTIF, waiting_min=waited,
                       seen_at=starts_at + dt.timedelta(minutes=waited))
    else:
        payload.update(agent_id="a1", motif=WAITING_MOTIF, by="end_of_day", marked_at=starts_at + dt.timedelta(hours=8))
    return _event(f"accueil.appointment_{kind}", payload, association_id, pimms_id, starts_at)


def _event(event_type, payload, association_id, pimms_id, occurred_at):
    return envelope.load(envelope.build(event_type, payload, association_id=association_id, pimms_id=pimms_id,
                                        occurred_at=occurred_at))


def week_of(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# -- formation: formation stamps its events when they are recorded, the payload says when things happened --
def agent_hired(agent_id, hired_on, *, gender="female", pimms_id="lyon-8", association_id=ASSOCIATION,
                recorded=None):
    return _event("formation.agent_hired", {
        "agent_id": agent_id, "gender": gender, "contract_type": "adulte_relais", "weekly_hours": 35.0,
        "hired_on": hired_on}, association_id, pimms_id,
        recorded or dt.datetime.combine(hired_on, dt.time(17), tzinfo=UTC))


def agent_exited(agent_id, exited_on, *, positive=True, pimms_id="lyon-8", association_id=ASSOCIATION,
                 recorded=None):
    return _event("formation.agent_exited", {
        "agent_id": agent_id, "exited_on": exited_on, "outcome": "cdi" if positive else "job_search",
        "contract_months": None, "positive": positive}, association_id, pimms_id,
        recorded or dt.datetime.combine(exited_on, dt.time(17), tzinfo=UTC))


def work_time_logged(agent_id, week, hours, *, revision=1, pimms_id="lyon-8", association_id=ASSOCIATION):
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return _event("formation.work_time_logged", {
        "agent_id": agent_id, "week": week, "hours": hours, "revision": revision}, association_id, pimms_id,
        dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(9, revision), tzinfo=UTC))


def training_logged(agent_id, week, hours, *, kind="training", topic="mediation", pimms_id="lyon-8",
                    association_id=ASSOCIATION):
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    return _event("formation.training_logged", {
        "training_id": uuid.uuid4(), "agent_id": agent_id, "week": week, "hours": hours, "kind": kind,
        "topic": topic, "provider": "union-pimms"}, association_id, pimms_id,
        dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(10), tzinfo=UTC))


# -- médiation sortante ---------------------------------------------------------------------------------------
CAMPAIGN = uuid.UUID(int=8)


def campaign_opened(opened_at, *, partner="edf", pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("mediation_sortante.campaign_opened", {
        "campaign_id": CAMPAIGN, "partner": partner, "channels": ["phone", "door_to_door"], "max_attempts": 3,
        "opened_at": opened_at}, association_id, pimms_id, opened_at)


def contact_attempted(at_, *, partner="edf", channel="phone", reached=False, pimms_id="lyon-8",
                      association_id=ASSOCIATION):
    return _event("mediation_sortante.contact_attempted", {
        "campaign_id": CAMPAIGN, "contact_id": uuid.uuid4(), "attempt_id": uuid.uuid4(), "partner": partner,
        "attempt_number": 1, "channel": channel, "reached": reached, "agent_id": "agent-1", "at": at_},
        association_id, pimms_id, at_)


def case_resolved(resolved_at, *, partner="edf", outcome="payment_plan", acts=("payment_plan_negotiation",),
                  pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("mediation_sortante.case_resolved", {
        "campaign_id": CAMPAIGN, "contact_id": uuid.uuid4(), "partner": partner, "outcome": outcome,
        "acts": list(acts), "attempts": 2, "automatic": False, "agent_id": "agent-1", "resolved_at": resolved_at},
        association_id, pimms_id, resolved_at)


def campaign_closed(closed_at, *, partner="edf", pimms_id="lyon-8", association_id=ASSOCIATION):
    return _event("mediation_sortante.campaign_closed", {
        "campaign_id": CAMPAIGN, "partner": partner, "opened_at": closed_at - dt.timedelta(days=20),
        "closed_at": closed_at, "contacts": 0, "channels": [], "outcomes": [], "acts": []},
        association_id, pimms_id, closed_at)


def random_events(seed, n, associations=(ASSOCIATION, "pimms-paris"), desks=3):
    """n events of every kind, over desks of two associations and months of two years, in an order a
    consumer of several queues could see: an agent's exit may come before their hiring, a week's older
    revision after its newer one, a follow-up's or a budget dossier's close before its opening, an answer
    before its referral."""
    rng = random.Random(seed)
    events = []
    while len(events) < n:
        association = rng.choice(associations)
        desk = f"{association[6:]}-{rng.randint(1, desks)}"
        when = at(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28), rng.randint(7, 19))
        kind = rng.random()
        if kind < 0.12:
            events.append(workshop_held(when.date(), pimms_id=desk, association_id=association,
                                        theme=rng.choice(sorted(THEMES)), attendees=rng.randint(1, 40)))
        elif kind < 0.15:  # a dozen events each
            events += _an_agents_story(rng, association, desk, when)
        elif kind < 0.21:
            events += _a_follow_up(rng, association, desk, when)
        elif kind < 0.25:
            events += _a_referral(rng, association, desk, when)
        elif kind < 0.29:  # a few events each
            events += _a_budget_dossier(rng, association, desk, when)
        elif kind < 0.37:
            partner = rng.choice(sorted(PARTNERS))
            events.append(rng.choice([
                contact_attempted(when, partner=partner, channel=rng.choice(sorted(CHANNELS)),
                                  reached=rng.random() < 0.5, pimms_id=desk, association_id=association),
                case_resolved(when, partner=partner, outcome=rng.choice(sorted(OUTCOMES)), pimms_id=desk,
                              acts=rng.sample(sorted(OUTBOUND_ACTS), rng.randint(0, 2)), association_id=association),
                campaign_opened(when, partner=partner, pimms_id=desk, association_id=association),
                campaign_closed(when, partner=partner, pimms_id=desk, association_id=association)]))
        elif kind < 0.42:
            events += _a_waiting_room(rng, association, desk, when)
        else:
            partner = rng.random() < 0.5
            events.append(visit_closed(
                when, pimms_id=desk, association_id=association,
                partner=rng.choice(sorted(PARTNERS)) if partner else None,
                domain=None if partner else rng.choice(sorted(DOMAINS)),
                acts=[rng.choice(sorted(ACTS)) for _ in range(rng.randint(1, 4))],
                visitors=[(rng.randint(1, 60), rng.random() < 0.3) for _ in range(rng.randint(1, 3))],
                waiting_min=rng.choice([None, rng.randint(0, 60)]), duration_min=rng.randint(1, 90)))
    return events[:n]


def _a_waiting_room(rng, association, desk, when):
    """A ticket served or left; an appointment booked, then cancelled, kept, missed or not yet (in any order)."""
    where = {"pimms_id": desk, "association_id": association}
    if rng.random() < 0.5:
        return [ticket_served(when, rng.randint(0, 90), **where) if rng.random() < 0.8
                else ticket_left(when, rng.random() < 0.5, **where)]
    appointment_id = uuid.UUID(int=rng.getrandbits(128))
    story = [appointment("booked", when, appointment_id, **where)]
    outcome = rng.choice(["cancelled", "kept", "kept", "missed", None])
    if outcome:
        story.append(appointment(outcome, when, appointment_id, rng.randint(0, 40), **where))
    rng.shuffle(story)
    return story


def _a_follow_up(rng, association, desk, opened_at):
    """A follow-up opened, closed some days later (or not yet); the close may be applied first."""
    partner = rng.random() < 0.5
    about = {"partner": rng.choice(sorted(PARTNERS)), "domain": None if partner else rng.choice(sorted(DOMAINS))}
    case_id = uuid.UUID(int=rng.getrandbits(128))
    story = [case_opened(opened_at, case_id=case_id, pimms_id=desk, association_id=association, **about)]
    if rng.random() < 0.7:
        story.append(case_closed(opened_at + dt.timedelta(days=rng.choice([0, 1, 3, 12, 40, 90]), hours=2),
                                 opened_at=opened_at, case_id=case_id, outcome=rng.choice(sorted(CASE_OUTCOMES)),
                                 pimms_id=desk, association_id=association, **about))
    rng.shuffle(story)
    return story


def _a_referral(rng, association, desk, sent_at):
    """A referral sent to a partner, answered some days later (or not yet); the answer may be applied first."""
    partner, referral_id = rng.choice(sorted(PARTNERS)), uuid.UUID(int=rng.getrandbits(128))
    story = [referral_sent(sent_at, referral_id=referral_id, partner=partner, pimms_id=desk,
                           association_id=association)]
    if rng.random() < 0.7:
        story.append(referral_answered(sent_at + dt.timedelta(days=rng.choice([0, 2, 5, 21, 60])), sent_at=sent_at,
                                       referral_id=referral_id, partner=partner,
                                       answer=rng.choice(sorted(REFERRAL_ANSWERS)), pimms_id=desk,
                                       association_id=association))
    rng.shuffle(story)
    return story


def _a_budget_dossier(rng, association, desk, opened_at):
    """A household's budget dossier opened, closed some days later (or not yet), maybe with an over-indebtedness
    file along some stages of the procedure; the close may be applied first."""
    dossier_id, origin = uuid.UUID(int=rng.getrandbits(128)), rng.choice(sorted(ORIGINS))
    where = {"pimms_id": desk, "association_id": association}
    story = [budget_dossier_opened(opened_at, dossier_id=dossier_id, origin=origin, **where)]
    if rng.random() < 0.7:
        steps = rng.choice([0, 0, 2, 5])
        story.append(budget_dossier_closed(
            opened_at + dt.timedelta(days=rng.choice([0, 9, 30, 120, 400]), hours=2), opened_at=opened_at,
            dossier_id=dossier_id, origin=origin, outcome=rng.choice(sorted(DOSSIER_OUTCOMES)),
            diagnosed=rng.random() < 0.7, plan_steps=steps, plan_steps_done=rng.randint(0, steps),
            interventions={a: rng.randint(1, 3) for a in rng.sample(sorted(INTERVENTION_ANSWERS), rng.randint(0, 2))},
            orientations=rng.sample(sorted(ORIENTATIONS), rng.randint(0, 2)), **where))
    if rng.random() < 0.4:
        file_id, day = uuid.UUID(int=rng.getrandbits(128)), opened_at.date()
        filed, waited = day + dt.timedelta(days=20), rng.choice([15, 40, 90])
        stages = [("built", day, {}), ("filed", filed, {}),
                  ("admissibility", filed + dt.timedelta(days=waited),
                   {"admissible": rng.random() < 0.8, "days_since_filed": waited}),
                  ("orientation", filed + dt.timedelta(days=120),
                   {"orientation": rng.choice(sorted(PROCEDURE_ORIENTATIONS))})]
        for stage, on, decision in stages[:rng.randint(1, 4)]:
            story.append(overindebtedness_stage(stage, on, file_id=file_id, dossier_id=dossier_id, **decision,
                                                **where))
    rng.shuffle(story)
    return story


def _an_agents_story(rng, association, desk, hired):
    """An agent hired, a few weeks of work (some logged again) and training, maybe an exit; shuffled."""
    agent_id = f"ag-{rng.randrange(16 ** 6):06x}"
    hired_on = hired.date()
    story = [agent_hired(agent_id, hired_on, gender=rng.choice(["female", "female", "male", "other"]),
                         pimms_id=desk, association_id=association)]
    weeks = rng.randint(1, 8)
    for n in range(weeks):
        week = week_of(hired_on + dt.timedelta(weeks=n))
        for revision in range(1, rng.randint(1, 3) + 1):
            story.append(work_time_logged(agent_id, week, rng.choice([21.0, 35.0, 17.5, 0.0]), revision=revision,
                                          pimms_id=desk, association_id=association))
        if rng.random() < 0.6:
            story.append(training_logged(agent_id, week, rng.choice([1.0, 3.5, 0.25]), pimms_id=desk,
                                         kind=rng.choice(["training", "professional_project"]),
                                         topic=rng.choice(["mediation", "budget"]), association_id=association))
    if rng.random() < 0.5:
        story.append(agent_exited(agent_id, hired_on + dt.timedelta(days=rng.randint(0, 7 * weeks + 60)),
                                  positive=rng.random() < 0.6, pimms_id=desk, association_id=association))
    rng.shuffle(story)
    return story


def make_reporting(storage, **config):
    """The service class with a real database: its handlers, RPC methods and timer called directly."""
    settings = {"ASSOCIATION_ID": ASSOCIATION, "SUPPRESSION_THRESHOLD": 5, "CLOSE_AFTER_HOURS": 6, **config}
    return kit.worker(ReportingService, storage, settings, context=kit.handling("on_event", "reporting.events"))


def handler(reporting, event_type):
    """The service's batch handler of an activity event type (`on_visit_closed` for accueil.visit_closed)."""
    return getattr(reporting, "on_" + event_type.split(".", 1)[1])


def apply(reporting, event):
    """Deliver one event to its handler, as the consumer would: activity in a batch of one."""
    if event.type == "reporting.period_closed":
        return reporting.on_period_closed(event)
    return handler(reporting, event.type)([event])


def published(storage):
    """The months and years closed into the outbox, validated by their schema."""
    return kit.published_events(storage, "reporting.period_closed")
