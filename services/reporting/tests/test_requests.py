"""Reporting's RPC as its callers see it: typed errors naming the field and the rule, figures per scope,
exports whose CSV columns never move, the annual report in the shape of the network's published figures, and
the Point Conseil Budget's annual report in its own stable columns."""
import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest

from services.reporting import cells as F
from services.reporting.rendering import CSV_HEADER, PCB_CSV_HEADER
from services.reporting.tests.events import (
    ASSOCIATION,
    apply,
    at,
    budget_dossier_closed,
    budget_dossier_opened,
    case_closed,
    case_opened,
    make_reporting,
    overindebtedness_stage,
    referral_answered,
    referral_sent,
    training_logged,
    visit_closed,
    workshop_held,
)
from shared.contracts.reporting import PCB_REPORT
from shared.errors import InvalidRequest, NotFound

GOLDEN_HEADER = (Path(__file__).parent / "csv_header.txt").read_text().split()
PCB_GOLDEN_HEADER = (Path(__file__).parent / "pcb_report_header.txt").read_text().split()


@pytest.fixture
def lyon(storage):
    """October 2026 at two desks: 20 partner visits at lyon-8, 6 generalist ones and a workshop at lyon-9."""
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for i in range(20):
        apply(reporting, visit_closed(at(2026, 10, 1 + i), pimms_id="lyon-8", partner="edf" if i % 10 else "sncf",
                                      acts=["advice", "letter"], visitors=[(i % 15, i < 15)], waiting_min=10,
                                      duration_min=30))
    for i in range(6):
        apply(reporting, visit_closed(at(2026, 10, 2 + i), pimms_id="lyon-9", domain="caf", acts=["information"],
                                      visitors=[(100 + i, True)], waiting_min=None, duration_min=15))
    apply(reporting, workshop_held(dt.date(2026, 10, 15), pimms_id="lyon-9", theme="digital", attendees=14))
    return reporting


@pytest.mark.parametrize("args, field", [
    ({"scope": "planet", "id": "x", "period": "2026-10"}, "scope"),
    ({"scope": "desk", "period": "2026-10"}, "id"),
    ({"scope": "desk", "id": "Lyon 8e", "period": "2026-10"}, "id"),
    ({"scope": "network", "id": "pimms-lyon", "period": "2026-10"}, "id"),
    ({"scope": "association", "id": "pimms-lyon", "period": "2026-1"}, "period"),
    ({"scope": "association", "id": "pimms-lyon", "period": "26-10"}, "period"),
    ({"scope": "association", "id": "pimms-lyon"}, "period"),
    ({"scope": "association", "id": "pimms-lyon", "period": "2026-10", "exact": "maybe"}, "exact"),
])
def test_a_bad_figures_request_names_the_field(lyon, args, field):
    with pytest.raises(InvalidRequest) as exc:
        lyon.figures(**args)
    assert field in exc.value.errors


def test_an_unknown_desk_or_association_is_not_found(lyon):
    with pytest.raises(NotFound):
        lyon.figures("desk", "marseille-1", "2026-10")
    with pytest.raises(NotFound):
        lyon.figures("association", "pimms-marseille", "2026-10")


def test_a_known_desk_in_a_quiet_month_has_zero_figures(lyon):
    figures = lyon.figures("desk", "lyon-9", "2026-03")["figures"]
    assert figures["visits"]["total"] == 0 and figures["people"]["received"] == 0 and figures["desks"] == 1


def test_the_months_of_a_year_in_one_call_are_each_month_s_figures_in_the_order_asked(lyon):
    for scope, id_ in (("desk", "lyon-8"), ("association", ASSOCIATION), ("network", None)):
        months = lyon.figures_months(scope, id_, 2026, [10, 3, 11], exact=True)
        assert months == [lyon.figures(scope, id_, f"2026-{m:02d}", exact=True) for m in (10, 3, 11)], scope
    assert months[0]["figures"]["visits"]["total"] == 26 and months[1]["figures"]["visits"]["total"] == 0


@pytest.mark.parametrize("args, field", [
    ({"scope": "desk", "id": "lyon-8", "months": [1]}, "year"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": []}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": [0]}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": [13]}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": ["3"]}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": [3, 3]}, "months"),
    ({"scope": "desk", "id": "lyon-8", "year": 2026, "months": list(range(1, 13)) + [1]}, "months"),
    ({"scope": "desk", "year": 2026, "months": [3]}, "id"),
])
def test_a_bad_months_request_names_the_field(lyon, args, field):
    with pytest.raises(InvalidRequest) as exc:
        lyon.figures_months(**args)
    assert field in exc.value.errors


def test_months_of_an_unknown_desk_are_not_found_and_exact_ones_follow_the_configuration(storage):
    reporting = make_reporting(storage)  # ALLOW_EXACT_FIGURES off
    apply(reporting, visit_closed(at(2026, 10, 1), pimms_id="lyon-8"))
    with pytest.raises(InvalidRequest) as exc:
        reporting.figures_months("desk", "lyon-8", 2026, [10], exact=True)
    assert "exact" in exc.value.errors
    assert reporting.figures_months("desk", "marseille-1", 2026, [9, 10]) == [None, None]


def test_figures_per_desk_association_and_network_for_a_month_and_a_year(lyon):
    desk = lyon.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert desk["visits"] == {**desk["visits"], "total": 20, "partenaire": 20, "generaliste": 0}
    assert desk["visits"]["by_partner"]["edf"] == 18 and desk["visits"]["by_partner"]["sncf"] == 2
    assert desk["acts"]["total"] == 40 and desk["people"]["received"] == 15 and desk["people"]["new"] == 15
    assert desk["durations"]["visit_min_mean"] == 30.0 and desk["durations"]["waiting_min_mean"] == 10.0
    association = lyon.figures("association", "pimms-lyon", "2026", exact=True)["figures"]
    assert association["visits"]["total"] == 26 and association["visits"]["by_domain"]["caf"] == 6
    assert association["workshops"]["sessions"] == 1 and association["workshops"]["attendees"] == 14
    assert association["workshops"]["by_theme"]["digital"] == {
        "sessions": 1, "attendees": 14, "registrations": 0, "registrations_attended": 0, "attendance_rate": None,
        "places": 0, "planned_attendees": 0, "fill_rate": None}  # a head count: nobody registered, no places
    assert association["durations"]["waiting_measured"] == 20  # lyon-9 recorded no waiting times
    assert association["desks"] == 2 and association["associations"] == 1
    network = lyon.figures("network", None, "2026-10", exact=True)["figures"]
    # 21 people at the desks and the workshop's 14 attendees, anonymous (a v1 head count, upcast)
    assert network["people"]["received"] == 35 and network["exits"]["positive_rate"] is None


def test_exact_figures_are_for_the_associations_staff_only_when_configured(storage):
    reporting = make_reporting(storage)  # ALLOW_EXACT_FIGURES not set
    apply(reporting, visit_closed(at(2026, 10, 1)))
    with pytest.raises(InvalidRequest) as exc:
        reporting.figures("desk", "lyon-8", "2026-10", exact=True)
    assert "exact" in exc.value.errors
    shown = reporting.figures("desk", "lyon-8", "2026-10")
    assert shown["figures"]["visits"]["total"] is None and "visits.total" in shown["suppressed"]
    assert shown["exact"] is False


def test_an_export_is_suppressed_even_where_exact_figures_are_allowed(lyon):
    rows = lyon.export("association", "pimms-lyon", "2026-10", "json")["rows"]
    assert [(r["scope"], r["id"]) for r in rows] == [("association", "pimms-lyon"), ("desk", "lyon-8"),
                                                    ("desk", "lyon-9")]
    desk8 = rows[1]
    assert desk8["figures"]["visits"]["by_partner"]["sncf"] is None
    assert "visits.by_partner.sncf" in desk8["suppressed"]


def test_csv_columns_keep_their_order_whatever_the_data(lyon, storage):
    full = lyon.export("association", "pimms-lyon", "2026-10", "csv")
    empty = lyon.export("desk", "lyon-8", "2025-01", "csv")
    head_office = make_reporting(storage, HEAD_OFFICE=True)
    head_office_csv = head_office.export("network", None, "2026-10", "csv")
    headers = [next(csv.reader(io.StringIO(text))) for text in (full, empty, head_office_csv)]
    assert headers[0] == headers[1] == headers[2] == list(CSV_HEADER)
    # columns are only ever appended: the ones published so far keep their place
    assert headers[0][:len(GOLDEN_HEADER)] == GOLDEN_HEADER
    rows = list(csv.DictReader(io.StringIO(full)))
    assert [r["id"] for r in rows] == ["pimms-lyon", "lyon-8", "lyon-9"]
    assert rows[0]["visits.total"] == "26" and rows[2]["workshops.attendees"] == "14"
    assert rows[1]["visits.by_partner.sncf"] == "<5"


def test_follow_ups_and_referrals_are_exported_in_the_last_columns_suppressed_as_any_count(lyon):
    # given lyon-8's October: 8 follow-ups opened about housing, 6 closed (5 resolved after 2 days, 1 after
    # 20 days unresolved); 7 referrals to the CAF, 6 answered after 1 to 6 days
    cases = [uuid.uuid4() for _ in range(8)]
    for day, case_id in enumerate(cases, 1):
        apply(lyon, case_opened(at(2026, 10, day), case_id=case_id, domain="housing"))
    for day, case_id in enumerate(cases[:6], 1):
        apply(lyon, case_closed(at(2026, 10, day + (2 if day < 6 else 20)), opened_at=at(2026, 10, day),
                                case_id=case_id, domain="housing", outcome="resolved" if day < 6 else "unresolved"))
    for day in range(1, 8):
        referral_id = uuid.uuid4()
        apply(lyon, referral_sent(at(2026, 10, day), referral_id=referral_id, partner="caf"))
        if day < 7:
            apply(lyon, referral_answered(at(2026, 10, 2 * day), sent_at=at(2026, 10, day), referral_id=referral_id,
                                          partner="caf"))
    rows = list(csv.DictReader(io.StringIO(lyon.export("association", "pimms-lyon", "2026-10", "csv"))))
    association = rows[0]
    # then they are columns after every earlier one, in the schema's order
    header = list(rows[0])
    assert header.index("follow_ups.opened") > header.index("outbound.campaigns_closed")
    assert header.index("referrals.by_partner.veolia.median_days_to_answer") < header.index("budget.received")
    assert header.index("overindebtedness.closed") == header.index("waiting.tickets_served") - 1  # editions in order
    assert header.index("overindebtedness.closed") < header.index("workshops.registrations")  # the fourth's last
    assert header[-1] == "workshops.fill_rate"  # the sixth edition's last, after the fifth's
    assert (association["follow_ups.opened"], association["follow_ups.closed"]) == ("8", "6")
    assert association["follow_ups.open_at_end"] == "<5"  # 2 follow-ups still open
    assert association["follow_ups.median_days_to_close"] == "2.0"
    assert association["follow_ups.closed_by_outcome.unresolved"] == "<5"
    assert association["follow_ups.closed_by_outcome.resolved"] == "<5"  # else 6 - 5 gives the 1 away
    assert (association["referrals.sent"], association["referrals.answered"]) == ("7", "6")
    assert association["referrals.by_partner.caf.answer_rate"] == "0.857"
    assert association["referrals.by_partner.caf.median_days_to_answer"] == "3.5"
    assert association["referrals.by_partner.edf.median_days_to_answer"] == ""  # none: no median
    # and the figures RPC has them too, exact for the staff
    exact = lyon.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert exact["follow_ups"]["closed_by_outcome"]["unresolved"] == 1 and exact["follow_ups"]["open_at_end"] == 2


def test_a_bad_export_request_names_the_field(lyon):
    with pytest.raises(InvalidRequest) as exc:
        lyon.export("association", "pimms-lyon", "2026-10", "xlsx")
    assert "format" in exc.value.errors


def test_the_annual_report_has_the_shape_of_the_networks_published_figures(lyon):
    report = lyon.annual_report(2026)
    assert list(report) == [
        "year", "scope", "id", "threshold", "people_received", "visits", "mediation_acts", "workshop_sessions",
        "workshop_attendees", "outbound_contacts", "outbound_reached", "outbound_cases_resolved", "agents",
        "share_of_women", "training_share", "positive_exits_rate", "desks", "associations", "suppressed",
        "incomplete"]
    assert (report["people_received"], report["visits"], report["mediation_acts"]) == (35, 26, 46)
    assert (report["workshop_sessions"], report["workshop_attendees"]) == (1, 14)
    assert (report["desks"], report["associations"]) == (2, 1)
    assert report["agents"] == 0 and report["positive_exits_rate"] is None  # no agent: no exit to rate
    desk = lyon.annual_report(2026, "desk", "lyon-9")
    assert desk["visits"] == 6 and desk["workshop_sessions"] == 1  # a session is not a person: never hidden
    assert desk["suppressed"] == []
    with pytest.raises(InvalidRequest) as exc:
        lyon.annual_report("next year")
    assert "year" in exc.value.errors


# -- the Point Conseil Budget's annual report ----------------------------------------------------------------------
@pytest.fixture
def pcb(lyon):
    """Lyon's 2026 as a Point Conseil Budget: 9 households received at lyon-8 (5 walk-ins, 3 sent by a social
    worker, 1 by a bank), 7 dossiers closed (6 diagnosed, 5 with an action plan, 1 neither), 6 interventions with creditors,
    over-indebtedness files (6 built, 5 filed, 5 decided: 4 admissible), and 2 agents trained in budget."""
    dossiers = [uuid.uuid4() for _ in range(9)]
    origins = ["social_worker"] * 3 + ["bank"] + ["walk_in"] * 5
    for n, dossier_id in enumerate(dossiers):
        apply(lyon, budget_dossier_opened(at(2026, 3, 1 + n), dossier_id=dossier_id, origin=origins[n]))
    for n, dossier_id in enumerate(dossiers[:7]):
        apply(lyon, budget_dossier_closed(
            at(2026, 9, 1 + n), opened_at=at(2026, 3, 1 + n), dossier_id=dossier_id, origin=origins[n],
            diagnosed=n < 6, plan_steps=4 if n < 5 else 0,
            plan_steps_done=4 if n < 3 else 1 if n < 5 else 0, outcome="stabilised" if n < 6 else "abandoned",
            interventions={"accepted": 1, "refused": 1} if n < 3 else {}, orientations=["cresus"] if n == 0 else []))
    for n in range(6):
        stages = [("built", {}), ("filed", {}), ("admissibility", {"admissible": n < 4, "days_since_filed": 30 + n})]
        for stage, decision in stages[:1 if n == 5 else 3]:
            apply(lyon, overindebtedness_stage(stage, dt.date(2026, 4 + len(decision), 1 + n), **decision))
    for agent in ("ag-1", "ag-2"):
        apply(lyon, training_logged(agent, "2026-W10", 7.0, topic="budget"))
        apply(lyon, training_logged(agent, "2026-W30", 3.5, topic="budget"))
    apply(lyon, training_logged("ag-3", "2026-W10", 7.0, topic="mediation"))
    return lyon


def test_the_point_conseil_budget_report_gives_the_labels_items_per_association_suppressed(pcb):
    report = pcb.pcb_report(2026, "association", "pimms-lyon")
    assert report["year"] == 2026 and report["columns"] == [name for name, _, _ in PCB_REPORT]
    (row,) = report["rows"]
    assert (row["scope"], row["id"], row["association_id"], row["threshold"]) == (
        "association", "pimms-lyon", "pimms-lyon", 5)
    # households received (by origin) and accompanied (a diagnosis or an action plan)
    assert (row["households_received"], row["households_received_walk_in"]) == (9, 5)
    assert row["households_received_social_worker"] is None and row["households_received_bank"] is None  # 3, 1
    assert (row["households_accompanied"], row["diagnoses"], row["action_plans"]) == (6, 6, 5)
    # action plans and their steps; interventions with creditors and their results
    assert (row["action_plan_steps"], row["action_plan_steps_done"], row["action_plan_steps_done_rate"]) == (
        20, 14, 0.7)
    assert row["action_plans_completed"] is None  # 3 plans fully done: hidden
    assert row["creditor_interventions"] == 6 and row["households_with_creditor_interventions"] is None
    # over-indebtedness files: built, filed, admissibility
    assert (row["overindebtedness_files_built"], row["overindebtedness_files_filed"]) == (6, 5)
    assert (row["overindebtedness_admissibility_decisions"], row["overindebtedness_admissible"]) == (5, None)
    assert row["overindebtedness_median_days_to_admissibility"] == 32.0
    # outcomes, and dossiers still open at the year's end
    assert row["dossiers_closed"] == 7 and row["outcome_plan_agreed"] == 0
    assert row["outcome_abandoned"] is None and row["outcome_stabilised"] is None  # 1, and 6 = 7 - 1 with it
    assert row["dossiers_open_at_year_end"] is None  # 2
    # staff trained in budget: 2 agents (each once in the year), a small count hidden with their hours
    assert row["staff_trained_in_budget"] is None and row["staff_budget_training_hours"] is None
    assert {"households_received_social_worker", "overindebtedness_admissible", "overindebtedness_not_admissible",
            "overindebtedness_admissible_rate", "staff_trained_in_budget"} <= set(row["suppressed"])
    # and the association's staff read the exact figures as figures
    exact = pcb.figures("association", "pimms-lyon", "2026", exact=True)["figures"]["budget"]
    assert (exact["staff_trained"], exact["staff_training_hours"], exact["open_at_end"]) == (2, 21, 2)
    assert exact["accompanied_by_origin"] == {**exact["accompanied_by_origin"], "social_worker": 3, "bank": 1,
                                              "walk_in": 2}


def test_the_networks_point_conseil_budget_report_has_its_row_and_each_associations(pcb):
    rows = pcb.pcb_report(2026)["rows"]
    assert [(r["scope"], r["id"]) for r in rows] == [("network", "national"), ("association", "pimms-lyon")]
    assert rows[0]["households_received"] == 9 and rows[0]["association_id"] is None
    (quiet,) = pcb.pcb_report(2025, "association", "pimms-lyon")["rows"]
    assert quiet["households_received"] == 0 and quiet["dossiers_median_days_open"] is None  # a year without any


def test_the_point_conseil_budget_csv_keeps_its_columns_and_marks_hidden_counts(pcb, storage):
    text = pcb.pcb_report(2026, "association", "pimms-lyon", "csv")
    head_office = make_reporting(storage, HEAD_OFFICE=True)
    headers = [next(csv.reader(io.StringIO(t))) for t in (text, head_office.pcb_report(2026, format="csv"))]
    assert headers[0] == headers[1] == list(PCB_CSV_HEADER)
    # columns are only ever appended: the ones published so far keep their place
    assert headers[0][:len(PCB_GOLDEN_HEADER)] == PCB_GOLDEN_HEADER
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["year"], row["households_received"], row["households_received_social_worker"]) == ("2026", "9", "<5")
    assert row["action_plan_steps_done_rate"] == "0.7" and row["incomplete"] == ""
    assert row["households_oriented_pcb_expert"] == "0"


def test_every_cell_of_the_budget_figures_is_a_column_of_the_point_conseil_budget_report():
    # a code added to accueil's lists adds a cell: it must be appended to the report's columns, not forgotten
    cells = {path for path in F.COLUMNS if F.BY_PATH[path].section in ("budget", "overindebtedness")}
    assert {cell for _, cell, _ in PCB_REPORT} == cells
    assert len({name for name, _, _ in PCB_REPORT}) == len(PCB_REPORT)


@pytest.mark.parametrize("args, field", [
    ({"year": 2026, "scope": "desk", "id": "lyon-8"}, "scope"),
    ({"year": 2026, "scope": "association"}, "id"),
    ({"year": "next year"}, "year"),
    ({"year": 2026, "format": "xlsx"}, "format"),
])
def test_a_bad_point_conseil_budget_report_request_names_the_field(pcb, args, field):
    with pytest.raises(InvalidRequest) as exc:
        pcb.pcb_report(**args)
    assert field in exc.value.errors
