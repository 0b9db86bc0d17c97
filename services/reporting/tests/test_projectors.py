"""Projectors: how events fold into figure cells, without a database: accueil's (visits, workshops, follow-ups
and referrals, whose days feed medians, and the Point Conseil Budget's dossiers and over-indebtedness files),
médiation sortante's, and formation's, whose later events replace what earlier ones contributed (a week logged
again, an exit, an earlier session on budget)."""
import datetime as dt
import uuid

import pytest
from marshmallow import fields

from services.reporting import cells as F
from services.reporting.folding import UnknownCell, fold
from services.reporting.projectors import (
    BUDGET_TOPIC,
    FEEDS,
    PROJECTORS,
    Fact,
    UnknownEvent,
    measured_sections,
    project,
)
from services.reporting.tests.events import (
    agent_exited,
    agent_hired,
    at,
    budget_dossier_closed,
    budget_dossier_opened,
    campaign_closed,
    campaign_opened,
    case_closed,
    case_opened,
    case_resolved,
    contact_attempted,
    overindebtedness_stage,
    random_events,
    ref,
    referral_answered,
    referral_sent,
    training_logged,
    visit_closed,
    work_time_logged,
    workshop_held,
)
from shared.contracts.formation import TOPICS
from shared.contracts.reporting import FiguresSchema
from shared.envelope import payload_schema


def fact(event):
    """The event as reporting stores it: its payload in JSON types."""
    wire = payload_schema(event.type, event.version).dump(event.payload)
    return Fact(event.type, event.version, event.occurred_at, event.association_id, event.pimms_id, wire)


def test_a_partner_visit_counts_the_visit_its_partner_acts_durations_and_visitors():
    event = visit_closed(at(2026, 3, 31, 22), partner="sncf", acts=["advice", "advice", "letter"],
                         visitors=[(1, True), (2, False)], waiting_min=7, duration_min=25)
    contribution = project(fact(event))
    assert contribution.month == "2026-03"
    assert dict(contribution.counts) == {
        "visits.total": 1, "visits.partenaire": 1, "visits.by_partner.sncf": 1,
        "acts.total": 3, "acts.by_kind.advice": 2, "acts.by_kind.letter": 1, "people.new": 1,
        "durations.visit_min_total": 25, "durations.waiting_measured": 1, "durations.waiting_min_total": 7,
        "registres.understanding": 1,
    }
    assert contribution.visitors == (ref(1), ref(2))


def test_a_generalist_visit_counts_its_domain_and_an_unrecorded_wait_is_not_a_zero_wait():
    contribution = project(fact(visit_closed(at(2026, 3, 2), domain="housing", waiting_min=None)))
    assert contribution.counts["visits.generaliste"] == 1 and contribution.counts["visits.by_domain.housing"] == 1
    assert "visits.partenaire" not in contribution.counts
    assert "durations.waiting_measured" not in contribution.counts


def test_a_workshop_belongs_to_the_month_it_was_held_not_the_month_it_was_recorded():
    event = workshop_held(dt.date(2026, 1, 31), recorded=at(2026, 2, 2), theme="budget", attendees=9)
    contribution = project(fact(event))
    assert contribution.month == "2026-01"
    counts = {cell: n for cell, n in contribution.counts.items() if n}
    assert counts == {"workshops.sessions": 1, "workshops.attendees": 9, "workshops.by_theme.budget.sessions": 1,
                      "workshops.by_theme.budget.attendees": 9, "registres.collective": 1}
    # a v1 head count is upcast: nine anonymous people, none registered, no places known
    assert len(set(contribution.visitors)) == 9 and contribution.counts["workshops.registrations"] == 0


def test_an_event_without_a_projector_is_refused():
    with pytest.raises(UnknownEvent):
        project(Fact("franchise.contract_changed", 1, at(2026, 1, 1), "pimms-lyon", None, {}))
    with pytest.raises(UnknownEvent):
        fold([Fact("formation.agent_hired", 2, at(2026, 1, 1), "pimms-lyon", None, {})])


def test_a_projector_adding_to_a_cell_the_figures_lack_is_refused(monkeypatch):
    original = PROJECTORS[("accueil.visit_closed", 1)]

    def broken(f):
        contribution = original(f)
        contribution.counts["visits.teleported"] = 1
        return contribution

    monkeypatch.setitem(PROJECTORS, ("accueil.visit_closed", 1), broken)
    with pytest.raises(UnknownCell):
        fold([fact(visit_closed(at(2026, 1, 5)))])


def test_folded_random_events_keep_every_total_equal_to_its_breakdown():
    folded = fold(fact(e) for e in random_events(seed=3, n=300))
    assert len(folded.counts) > 50  # (association, desk, month) buckets
    for cells in folded.counts.values():
        for total, members in F.EQUATIONS:
            assert cells.get(total, 0) == sum(cells.get(m, 0) for m in members), total


def test_every_section_of_the_figures_is_fed_by_some_event():
    assert measured_sections() == set(F.SECTIONS)
    assert FEEDS[("formation.agent_exited", 1)] == ("agents", "exits")
    assert FEEDS[("mediation_sortante.contact_attempted", 1)] == ("outbound",)
    # a type folded both plainly and through a subject feeds the sections of both
    assert FEEDS[("formation.training_logged", 1)] == ("training", "budget")


def test_every_figure_cell_is_a_bounded_number():
    for cell in F.CELLS:
        assert cell.kind in ("count", "distinct", "tally", "measure", "derived", "median", "structure"), cell.path
        if cell.kind == "median":  # hidden with the items it is the median of
            assert F.BY_PATH[cell.base].kind == "count", cell.path
    def leaves(schema):
        for name, field in schema.fields.items():
            if isinstance(field, fields.Nested):
                yield from leaves(field.schema)
            else:
                yield name, field
    for name, field in leaves(FiguresSchema()):
        assert isinstance(field, (fields.Integer, fields.Float)) and field.validators, name


# -- formation ----------------------------------------------------------------------------------------------------
def cells(events):
    """The folded cells per (desk, month), without zeros: what the events add to the aggregates."""
    folded = fold(fact(e) for e in events)
    return {(desk, month): {c: v for c, v in bucket.items() if v}
            for (_, desk, month), bucket in folded.counts.items() if any(bucket.values())}


def test_a_hiring_starts_a_head_count_in_the_month_of_its_date_not_of_its_recording():
    hired = agent_hired("ag-1", dt.date(2026, 1, 30), gender="female", recorded=at(2026, 2, 3))
    assert cells([hired]) == {("lyon-8", "2026-01"): {"agents.employed": 1, "agents.women": 1}}
    assert cells([agent_hired("ag-2", dt.date(2026, 1, 30), gender="male")]) == {
        ("lyon-8", "2026-01"): {"agents.employed": 1}}


def test_an_exit_after_the_hiring_ends_the_head_count_in_the_exit_month_and_counts_the_exit():
    events = [agent_hired("ag-1", dt.date(2026, 1, 5)), agent_exited("ag-1", dt.date(2026, 4, 30), positive=True)]
    assert cells(events) == {
        ("lyon-8", "2026-01"): {"agents.employed": 1, "agents.women": 1},
        ("lyon-8", "2026-04"): {"agents.employed": -1, "agents.women": -1, "exits.total": 1, "exits.positive": 1}}


def test_an_exit_arriving_before_its_hiring_folds_to_the_same_cells():
    # hirings and exits come on two queues: either may be applied first
    hired, exited = agent_hired("ag-1", dt.date(2026, 1, 5)), agent_exited("ag-1", dt.date(2026, 4, 30), positive=False)
    assert cells([exited, hired]) == cells([hired, exited])
    # alone, an exit counts as an exit but ends no head count reporting never started
    assert cells([exited]) == {("lyon-8", "2026-04"): {"exits.total": 1}}


def test_a_week_logged_again_replaces_its_hours_and_an_older_revision_changes_nothing():
    week = "2026-W10"  # Monday 2 March, Thursday 5 March
    first, second = work_time_logged("ag-1", week, 35.0, revision=1), work_time_logged("ag-1", week, 28.5, revision=2)
    assert cells([first]) == {("lyon-8", "2026-03"): {"training.work_hours": 35 * 60}}
    assert cells([first, second]) == {("lyon-8", "2026-03"): {"training.work_hours": 28 * 60 + 30}}
    assert cells([second, first]) == cells([first, second])  # revision 1 delivered late
    # two agents' weeks are two subjects: they add up
    other = work_time_logged("ag-2", week, 10.0)
    assert cells([first, other, second]) == {("lyon-8", "2026-03"): {"training.work_hours": (28.5 + 10) * 60}}


def test_a_weeks_hours_belong_to_the_month_of_its_thursday():
    # week 14 of 2026 runs from Monday 30 March to Sunday 5 April: its Thursday is 2 April
    assert cells([work_time_logged("ag-1", "2026-W14", 35.0), training_logged("ag-1", "2026-W14", 3.5)]) == {
        ("lyon-8", "2026-04"): {"training.work_hours": 35 * 60, "training.training_hours": 210}}
    # week 1 of 2026 starts on Monday 29 December 2025: its Thursday is 1 January
    assert list(cells([training_logged("ag-1", "2026-W01", 1.0)])) == [("lyon-8", "2026-01")]


def test_a_weeks_training_sessions_add_up_whatever_their_kind():
    sessions = [training_logged("ag-1", "2026-W10", 2.0), training_logged("ag-1", "2026-W10", 1.25,
                                                                           kind="professional_project")]
    assert cells(sessions) == {("lyon-8", "2026-03"): {"training.training_hours": 195}}


# -- médiation sortante -------------------------------------------------------------------------------------------
def test_an_attempt_counts_by_partner_and_channel_in_the_month_it_was_made():
    attempt = contact_attempted(at(2026, 5, 31, 23), partner="engie", channel="door_to_door", reached=True)
    assert cells([attempt]) == {("lyon-8", "2026-05"): {
        "outbound.attempts": 1, "outbound.reached": 1, "outbound.attempts_by_partner.engie": 1,
        "outbound.attempts_by_channel.door_to_door": 1}}
    assert cells([contact_attempted(at(2026, 5, 2), channel="phone")])[("lyon-8", "2026-05")] == {
        "outbound.attempts": 1, "outbound.attempts_by_partner.edf": 1, "outbound.attempts_by_channel.telephone": 1}


def test_a_resolved_case_counts_its_outcome_partner_and_acts_and_campaigns_are_tallied():
    events = [campaign_opened(at(2026, 4, 28)), case_resolved(at(2026, 5, 3), partner="sncf", outcome="referred",
                                                               acts=["explanation", "referral"]),
              case_resolved(at(2026, 5, 4), outcome="unreachable", acts=()), campaign_closed(at(2026, 5, 20))]
    assert cells(events) == {
        ("lyon-8", "2026-04"): {"outbound.campaigns_opened": 1},
        ("lyon-8", "2026-05"): {"outbound.cases_resolved": 2, "outbound.cases_by_outcome.referred": 1,
                                "outbound.cases_by_outcome.unreachable": 1, "outbound.cases_by_partner.sncf": 1,
                                "outbound.cases_by_partner.edf": 1, "outbound.acts": 2,
                                "outbound.campaigns_closed": 1}}


# -- follow-ups and referrals (accueil) ---------------------------------------------------------------------------
def days(events):
    """The days folded for medians per (desk, month, median cell): {days: items}."""
    folded = fold(fact(e) for e in events)
    counted = {}
    for (_, desk, month, cell, length), items in folded.days.items():
        counted.setdefault((desk, month, cell), {})[length] = items
    return counted


def test_a_follow_up_opened_counts_by_its_motif_in_its_month_and_is_open_from_then_on():
    opened = case_opened(at(2026, 3, 31, 23), domain="housing")
    assert cells([opened]) == {("lyon-8", "2026-03"): {
        "follow_ups.opened": 1, "follow_ups.by_domain.housing.opened": 1, "follow_ups.open_at_end": 1}}
    assert cells([case_opened(at(2026, 3, 2), partner="caf")])[("lyon-8", "2026-03")][
        "follow_ups.by_partner.caf.opened"] == 1
    assert days([opened]) == {}


def test_a_follow_up_closed_counts_its_outcome_and_days_in_the_month_it_closed_and_is_no_longer_open():
    opened_at, case_id = at(2026, 1, 20), uuid.uuid4()
    events = [case_opened(opened_at, case_id=case_id, partner="cpam"),
              case_closed(at(2026, 3, 2), opened_at=opened_at, case_id=case_id, partner="cpam", outcome="referred")]
    assert cells(events) == {
        ("lyon-8", "2026-01"): {"follow_ups.opened": 1, "follow_ups.by_partner.cpam.opened": 1,
                                "follow_ups.open_at_end": 1},
        ("lyon-8", "2026-03"): {"follow_ups.closed": 1, "follow_ups.by_partner.cpam.closed": 1,
                                "follow_ups.closed_by_outcome.referred": 1, "follow_ups.open_at_end": -1}}
    assert days(events) == {("lyon-8", "2026-03", "follow_ups.median_days_to_close"): {41: 1},
                            ("lyon-8", "2026-03", "follow_ups.by_partner.cpam.median_days_to_close"): {41: 1}}
    # the close may be applied before the opening (two queues): the same cells
    assert cells(list(reversed(events))) == cells(events)


def test_a_close_whose_opening_never_came_stands_for_it_and_a_follow_up_is_never_closed_twice_from_open():
    opened_at, case_id = at(2026, 1, 20), uuid.uuid4()
    opening, close = (case_opened(opened_at, case_id=case_id, partner="cpam"),
                      case_closed(at(2026, 3, 2), opened_at=opened_at, case_id=case_id, partner="cpam"))
    assert cells([close]) == cells([opening, close])
    # two follow-ups are two subjects: each close ends its own
    other = case_closed(at(2026, 3, 5), opened_at=at(2026, 3, 1), partner="cpam")
    assert cells([opening, close, other])[("lyon-8", "2026-03")]["follow_ups.open_at_end"] == -1
    assert cells([opening, close, other])[("lyon-8", "2026-03")]["follow_ups.opened"] == 1


def test_a_follow_up_opened_or_closed_changes_the_open_count_of_every_later_month():
    folded = fold([fact(case_opened(at(2026, 5, 4))), fact(case_opened(at(2026, 2, 4)))])
    assert folded.stocks_from == {"pimms-lyon": "2026-02"}
    assert fold([fact(referral_sent(at(2026, 2, 4)))]).stocks_from == {}


def test_a_referral_and_its_answer_count_in_the_month_it_was_sent():
    sent_at, referral_id = at(2026, 1, 28), uuid.uuid4()
    events = [referral_sent(sent_at, referral_id=referral_id, partner="caf"),
              referral_answered(at(2026, 2, 9), sent_at=sent_at, referral_id=referral_id, partner="caf",
                                answer="redirected")]
    assert cells(events) == {("lyon-8", "2026-01"): {
        "referrals.sent": 1, "referrals.by_partner.caf.sent": 1, "referrals.answered": 1,
        "referrals.by_partner.caf.answered": 1, "referrals.by_answer.redirected": 1}}
    assert days(events) == {("lyon-8", "2026-01", "referrals.median_days_to_answer"): {12: 1},
                            ("lyon-8", "2026-01", "referrals.by_partner.caf.median_days_to_answer"): {12: 1}}
    # an answer applied before its referral, or whose referral never reached reporting, counts it as sent once
    assert cells(list(reversed(events))) == cells(events) == cells(events[1:])


def test_the_same_number_of_days_twice_is_two_items_of_one_median():
    sent_at = at(2026, 1, 5)
    answers = [referral_answered(at(2026, 1, 8), sent_at=sent_at, partner=p) for p in ("caf", "cpam")]
    assert days(answers)[("lyon-8", "2026-01", "referrals.median_days_to_answer")] == {3: 2}


def test_days_added_to_a_cell_that_is_not_a_median_are_refused(monkeypatch):
    original = PROJECTORS[("accueil.case_closed", 1)]

    def broken(f):
        return original(f)._replace(days=(("follow_ups.closed", 3),))

    monkeypatch.setitem(PROJECTORS, ("accueil.case_closed", 1), broken)
    with pytest.raises(UnknownCell):
        fold([fact(case_closed(at(2026, 1, 5), opened_at=at(2026, 1, 2)))])


@pytest.mark.parametrize("counted, expected", [
    ({}, None), ({7: 1}, 7.0), ({0: 1, 3: 2, 40: 1}, 3.0), ({2: 1, 9: 1}, 5.5), ({1: 3, 100: 2}, 1.0),
    ({1: 2, 100: 2}, 50.5), ({5: 4, 6: 1, 8: 4}, 6.0),
])
def test_a_median_is_the_middle_item_or_the_mean_of_the_two_middle_ones(counted, expected):
    assert F.median(counted) == expected


def test_day_counts_of_several_rows_add_up_before_their_median_is_taken():
    lyon8, lyon9 = {"follow_ups.median_days_to_close": {1: 2}}, {"follow_ups.median_days_to_close": {30: 3, 1: 1}}
    together = F.merge_days([lyon8, lyon9])
    assert together == {"follow_ups.median_days_to_close": {1: 3, 30: 3}}
    assert F.median(together["follow_ups.median_days_to_close"]) == 15.5
    assert lyon8 == {"follow_ups.median_days_to_close": {1: 2}}  # the parts are left as they were


# -- Point Conseil Budget ---------------------------------------------------------------------------------------
def test_a_budget_dossier_opened_is_a_household_received_by_its_origin_and_open_from_then_on():
    opened = budget_dossier_opened(at(2026, 3, 31, 23), origin="bank")
    assert cells([opened]) == {("lyon-8", "2026-03"): {
        "budget.received": 1, "budget.received_by_origin.bank": 1, "budget.open_at_end": 1}}


def test_a_budget_dossier_closed_counts_what_its_accompaniment_held_in_the_month_it_closed():
    opened_at, dossier_id = at(2026, 1, 20), uuid.uuid4()
    events = [budget_dossier_opened(opened_at, dossier_id=dossier_id, origin="social_worker"),
              budget_dossier_closed(at(2026, 3, 2), opened_at=opened_at, dossier_id=dossier_id, origin="social_worker",
                                    outcome="plan_agreed", diagnosed=True, plan_steps=3, plan_steps_done=3,
                                    interventions={"accepted": 2, "no_answer": 1},
                                    orientations=["cresus", "pcb_expert"])]
    assert cells(events) == {
        ("lyon-8", "2026-01"): {"budget.received": 1, "budget.received_by_origin.social_worker": 1,
                                "budget.open_at_end": 1},
        ("lyon-8", "2026-03"): {
            "budget.closed": 1, "budget.closed_by_outcome.plan_agreed": 1, "budget.open_at_end": -1,
            "budget.accompanied": 1, "budget.accompanied_by_origin.social_worker": 1, "budget.diagnosed": 1,
            "budget.with_plan": 1, "budget.plans_completed": 1, "budget.plan_steps": 3, "budget.plan_steps_done": 3,
            "budget.with_interventions": 1, "budget.interventions": 3, "budget.interventions_by_answer.accepted": 2,
            "budget.interventions_by_answer.no_answer": 1, "budget.oriented": 1, "budget.oriented_to.cresus": 1,
            "budget.oriented_to.pcb_expert": 1}}
    assert days(events) == {("lyon-8", "2026-03", "budget.median_days_open"): {41: 1}}
    # the close may be applied before the opening, or the opening never come: the same cells
    assert cells(list(reversed(events))) == cells(events) == cells(events[1:])


@pytest.mark.parametrize("diagnosed, steps, accompanied", [(True, 0, 1), (False, 2, 1), (False, 0, 0)])
def test_a_household_is_accompanied_when_its_dossier_had_a_diagnosis_or_an_action_plan(diagnosed, steps, accompanied):
    close = budget_dossier_closed(at(2026, 3, 2), opened_at=at(2026, 3, 1), diagnosed=diagnosed, plan_steps=steps,
                                  outcome="abandoned")
    counted = project(fact(close)).counts
    assert counted["budget.accompanied"] == counted["budget.accompanied_by_origin.walk_in"] == accompanied
    assert counted["budget.with_plan"] == int(steps > 0) and counted["budget.plans_completed"] == 0


def test_a_plans_steps_done_never_exceed_its_steps_and_an_empty_plan_is_no_plan_completed():
    close = budget_dossier_closed(at(2026, 3, 2), opened_at=at(2026, 3, 1), plan_steps=2, plan_steps_done=5)
    assert project(fact(close)).counts["budget.plan_steps_done"] == 2
    assert project(fact(close)).counts["budget.plans_completed"] == 1
    none = budget_dossier_closed(at(2026, 3, 2), opened_at=at(2026, 3, 1), plan_steps=0, plan_steps_done=0)
    assert project(fact(none)).counts["budget.plans_completed"] == 0


def test_each_stage_of_an_over_indebtedness_file_counts_in_the_month_of_its_day():
    filed = dt.date(2026, 2, 27)
    stages = [overindebtedness_stage("built", dt.date(2026, 2, 3)), overindebtedness_stage("filed", filed),
              overindebtedness_stage("admissibility", dt.date(2026, 4, 10), admissible=True,
                                     days_since_filed=(dt.date(2026, 4, 10) - filed).days),
              overindebtedness_stage("orientation", dt.date(2026, 6, 1), admissible=True,
                                     orientation="plan_conventionnel", days_since_filed=94),
              overindebtedness_stage("closed", dt.date(2026, 9, 1), admissible=True, orientation="plan_conventionnel",
                                     days_since_filed=186)]
    assert cells(stages) == {
        ("lyon-8", "2026-02"): {"overindebtedness.built": 1, "overindebtedness.filed": 1},
        ("lyon-8", "2026-04"): {"overindebtedness.admissibility_decided": 1, "overindebtedness.admissible": 1},
        ("lyon-8", "2026-06"): {"overindebtedness.oriented": 1, "overindebtedness.by_orientation.plan_conventionnel": 1},
        ("lyon-8", "2026-09"): {"overindebtedness.closed": 1}}
    # only the admissibility decision feeds the median days from filing
    assert days(stages) == {("lyon-8", "2026-04", "overindebtedness.median_days_to_admissibility"): {42: 1}}
    refused = overindebtedness_stage("admissibility", dt.date(2026, 4, 10), admissible=False, days_since_filed=3)
    assert project(fact(refused)).counts == {"overindebtedness.admissibility_decided": 1,
                                             "overindebtedness.not_admissible": 1}


def test_staff_trained_in_budget_come_from_formations_budget_topic():
    assert TOPICS[BUDGET_TOPIC] == "Budget et surendettement"


def test_an_agent_trained_in_budget_counts_once_a_year_in_the_month_of_their_first_session_whatever_the_order():
    # given ag-1's sessions on budget in March, January and again March 2026 (one in 2027), and one on mediation
    sessions = [training_logged("ag-1", "2026-W11", 3.0, topic="budget"),
                training_logged("ag-1", "2026-W03", 2.0, topic="budget", pimms_id="lyon-9"),
                training_logged("ag-1", "2026-W12", 1.0, topic="budget"),
                training_logged("ag-1", "2027-W02", 1.0, topic="budget"),
                training_logged("ag-2", "2026-W11", 7.0, topic="mediation")]
    folded = cells(sessions)
    # then ag-1 is one agent trained in budget in 2026, in January at lyon-9, and one in 2027; ag-2 is none
    trained = {where: bucket["budget.staff_trained"] for where, bucket in folded.items()
               if "budget.staff_trained" in bucket}
    assert trained == {("lyon-9", "2026-01"): 1, ("lyon-8", "2027-01"): 1}
    # and every session's minutes on budget are the staff's training in budget, besides all training
    assert folded[("lyon-8", "2026-03")] == {"training.training_hours": 660, "budget.staff_training_hours": 240}
    for order in (list(reversed(sessions)), sessions[2:] + sessions[:2]):
        assert cells(order) == folded
    # a session on another topic concerns no subject: reporting remembers nothing of it
    assert {name for _, name in fold([fact(sessions[4])]).subjects} == set()
