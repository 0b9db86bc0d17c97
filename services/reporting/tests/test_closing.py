"""Closing a month: an association publishes its suppressed figures once per revision, a late event
re-closes the period with a higher revision, and head office keeps the latest revision instead of adding
them up. On SQLite and PostgreSQL."""
import datetime as dt
import json
import uuid

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from services.reporting import cells as F
from services.reporting import service as service_module
from services.reporting.tests.events import (
    ASSOCIATION,
    agent_exited,
    agent_hired,
    apply,
    at,
    budget_dossier_closed,
    budget_dossier_opened,
    case_closed,
    case_opened,
    case_resolved,
    contact_attempted,
    make_reporting,
    overindebtedness_stage,
    published,
    ref,
    referral_sent,
    training_logged,
    visit_closed,
    work_time_logged,
    workshop_held,
)
from shared import envelope
from shared.errors import Conflict, InvalidRequest
from shared.tables import outbox


def october(reporting, n=12, desk="lyon-8", first_person=1):
    for i in range(n):
        apply(reporting, visit_closed(at(2026, 10, 1 + i % 28), pimms_id=desk, acts=["advice"],
                                      visitors=[(first_person + i, True)]))


def test_closing_a_month_publishes_each_desk_and_the_association_for_the_month_and_the_year(any_storage):
    reporting = make_reporting(any_storage)
    october(reporting, 12, "lyon-8")
    october(reporting, 7, "lyon-9", first_person=100)
    result = reporting.close_period("2026-10")
    assert result["published"] == [{"association_id": ASSOCIATION, "period": "2026-10", "revision": 1},
                                   {"association_id": ASSOCIATION, "period": "2026", "revision": 1}]
    events = published(any_storage)  # each one validated against the period_closed schema
    assert sorted((e.payload["period"], e.pimms_id or "") for e in events) == [
        ("2026", ""), ("2026", "lyon-8"), ("2026", "lyon-9"), ("2026-10", ""), ("2026-10", "lyon-8"),
        ("2026-10", "lyon-9")]
    association = next(e for e in events if e.pimms_id is None and e.payload["period"] == "2026-10")
    assert association.association_id == ASSOCIATION and association.payload["revision"] == 1
    assert association.payload["figures"]["visits"]["total"] == 19
    assert association.payload["figures"]["people"]["received"] == 19
    assert association.payload["figures"]["agents"]["employed"] == 0  # measured: no agent hired
    assert association.payload["threshold"] == 5


def test_no_visitor_reference_leaves_in_a_closed_period(storage):
    reporting = make_reporting(storage)
    october(reporting, 9)
    reporting.close_period("2026-10")
    with storage.engine.connect() as conn:
        bodies = conn.execute(select(outbox.c.body)).scalars().all()
    assert bodies
    for body in bodies:
        for person in range(1, 10):
            assert ref(person) not in body
        assert "visitor" not in body


def test_closing_again_without_new_events_publishes_nothing(any_storage):
    reporting = make_reporting(any_storage)
    october(reporting)
    reporting.close_period("2026-10")
    assert reporting.close_period("2026-10")["published"] == []
    assert len(published(any_storage)) == 4  # the desk and the association, month and year, once


def test_a_late_event_marks_the_period_dirty_and_the_next_close_publishes_a_higher_revision(any_storage):
    reporting = make_reporting(any_storage)
    october(reporting, 12)
    reporting.close_period("2026-10")
    # when a visit of October (31st, 22:00 in Paris) arrives in November
    apply(reporting, visit_closed(at(2026, 10, 31, 21), acts=["advice", "letter"], visitors=[(500, True)]))
    assert {p["period"]: p["dirty"] for p in reporting.status()["periods"]} == {"2026": True, "2026-10": True}
    result = reporting.close_period("2026-10")
    assert [(p["period"], p["revision"]) for p in result["published"]] == [("2026-10", 2), ("2026", 2)]
    revised = [e for e in published(any_storage) if e.payload["revision"] == 2 and e.pimms_id is None]
    assert {e.payload["period"]: e.payload["figures"]["visits"]["total"] for e in revised} == {"2026-10": 13,
                                                                                               "2026": 13}


def test_a_month_without_activity_is_still_reported_on_time(storage):
    reporting = make_reporting(storage)
    reporting.close_period("2026-09")
    events = published(storage)
    assert [(e.pimms_id, e.payload["period"]) for e in events] == [(None, "2026-09"), (None, "2026")]
    assert events[0].payload["figures"]["visits"]["total"] == 0
    assert events[0].payload["figures"]["desks"] == 0 and events[0].payload["figures"]["associations"] == 1


def test_small_counts_are_suppressed_in_what_is_published(storage):
    reporting = make_reporting(storage)
    october(reporting, 12, "lyon-8")
    apply(reporting, visit_closed(at(2026, 10, 3), pimms_id="lyon-8", partner="sncf", acts=["letter"]))
    reporting.close_period("2026-10")
    desk = next(e for e in published(storage) if e.pimms_id == "lyon-8" and e.payload["period"] == "2026-10")
    assert desk.payload["figures"]["visits"]["by_partner"]["sncf"] is None
    assert "visits.by_partner.sncf" in desk.payload["suppressed"]
    assert desk.payload["figures"]["visits"]["total"] == 13


def test_agents_training_exits_and_outbound_leave_suppressed_in_the_closed_month(storage):
    # given 7 agents at lyon-8 and 3 at lyon-9 (5 women in all), a week of October's work and training each,
    # 2 exits at lyon-8 (1 positive); 12 outbound attempts for EDF, 3 cases resolved
    reporting = make_reporting(storage)
    for n in range(10):
        desk = "lyon-8" if n < 7 else "lyon-9"
        apply(reporting, agent_hired(f"ag-{n}", dt.date(2026, 9, 1), gender="female" if n % 2 else "male",
                                     pimms_id=desk))
        apply(reporting, work_time_logged(f"ag-{n}", "2026-W41", 35.0, pimms_id=desk))
        apply(reporting, training_logged(f"ag-{n}", "2026-W41", 3.5, pimms_id=desk))
    for n, positive in ((0, True), (2, False)):
        apply(reporting, agent_exited(f"ag-{n}", dt.date(2026, 10, 16), positive=positive))
    for i in range(12):
        apply(reporting, contact_attempted(at(2026, 10, 1 + i), reached=i < 6))
    for outcome in ("payment_plan", "payment_plan", "refused"):
        apply(reporting, case_resolved(at(2026, 10, 20), outcome=outcome, acts=("explanation",)))
    reporting.close_period("2026-10")
    sent = {e.pimms_id: e.payload for e in published(storage) if e.payload["period"] == "2026-10"}
    association, desk8, desk9 = sent[None]["figures"], sent["lyon-8"], sent["lyon-9"]
    # then the association's figures are there: 8 agents at the month's end, 2 exits hidden
    assert association["agents"] == {"employed": 8, "women": 5, "share_of_women": 0.625}
    assert association["training"] == {"work_hours": 350, "training_hours": 35, "share": 0.1}
    assert association["exits"] == {"total": None, "positive": None, "positive_rate": None}
    assert association["outbound"]["attempts"] == 12 and association["outbound"]["reached"] == 6
    assert association["outbound"]["attempts_by_channel"]["telephone"] == 12
    assert association["outbound"]["cases_resolved"] is None  # 3 cases: a count of people
    # and lyon-9's 3 agents are hidden, with their hours and shares, and lyon-8's with them (else 8 - 5)
    for doc in (desk8, desk9):
        assert {"agents.employed", "agents.share_of_women", "training.work_hours", "training.training_hours",
                "training.share"} <= set(doc["suppressed"]), doc["suppressed"]
        assert doc["figures"]["training"] == {"work_hours": None, "training_hours": None, "share": None}


@pytest.mark.parametrize("period, error", [
    ("2026-13", InvalidRequest), ("2026", InvalidRequest), ("oct", InvalidRequest), (None, InvalidRequest),
    ("2999-01", Conflict),
])
def test_closing_a_bad_or_future_month_is_refused_and_publishes_nothing(storage, period, error):
    reporting = make_reporting(storage)
    with pytest.raises(error) as exc:
        reporting.close_period(period)
    if error is InvalidRequest:
        assert "period" in exc.value.errors
    assert published(storage) == []


# -- the timer --------------------------------------------------------------------------------------------------
def tick(reporting, monkeypatch, now):
    monkeypatch.setattr(service_module, "utcnow", lambda: now)
    return reporting.close_due_months()


def test_the_timer_closes_last_month_once_it_is_over_and_the_grace_has_passed(storage, monkeypatch):
    reporting = make_reporting(storage, CLOSE_AFTER_HOURS=6)
    october(reporting)
    apply(reporting, visit_closed(at(2026, 11, 1, 1)))
    # on October 31st at 23:00 in Paris, September is due (and reported, empty), October is not over
    assert [c["month"] for c in tick(reporting, monkeypatch, at(2026, 10, 31, 22))] == ["2026-09"]
    # November begins at 23:00 UTC in Paris; October is closed 6 hours later, at 05:00 UTC
    assert tick(reporting, monkeypatch, dt.datetime(2026, 11, 1, 4, 59, tzinfo=dt.timezone.utc)) == []  # grace
    closed = tick(reporting, monkeypatch, dt.datetime(2026, 11, 1, 5, tzinfo=dt.timezone.utc))
    assert [c["month"] for c in closed] == ["2026-10"]
    assert tick(reporting, monkeypatch, at(2026, 11, 2)) == []  # closed, nothing new: nothing to do
    assert {e.payload["period"] for e in published(storage)} == {"2026-09", "2026-10", "2026"}  # not November


def test_the_timer_re_closes_a_past_month_that_received_late_events(storage, monkeypatch):
    reporting = make_reporting(storage)
    october(reporting)
    reporting.close_period("2026-10")
    apply(reporting, workshop_held(dt.date(2026, 10, 30), recorded=at(2026, 12, 3)))
    closed = tick(reporting, monkeypatch, at(2026, 12, 5))
    assert [(c["month"], [p["revision"] for p in c["published"]]) for c in closed] == [
        ("2026-10", [2, 2]), ("2026-11", [1])]  # October again (and its year); November for the first time


def test_the_timer_catches_up_every_month_never_closed_however_long_reporting_was_stopped(storage, monkeypatch):
    reporting = make_reporting(storage)
    # given activity in July and September, and reporting stopped from August to December
    apply(reporting, visit_closed(at(2026, 7, 10)))
    apply(reporting, visit_closed(at(2026, 9, 10)))
    tick(reporting, monkeypatch, at(2026, 7, 31))  # it closed June (empty) before it stopped
    # when it starts again in December, every month with activity or just past is closed, oldest first
    closed = tick(reporting, monkeypatch, at(2026, 12, 2))
    assert [c["month"] for c in closed] == ["2026-07", "2026-09", "2026-11"]
    assert tick(reporting, monkeypatch, at(2026, 12, 3)) == []


def months_counted(storage):
    from services.reporting.models import aggregates

    with storage.engine.connect() as conn:
        return set(conn.execute(select(aggregates.c.month).where(aggregates.c.cell == "visits.total")).scalars())


@pytest.mark.parametrize("zone, month", [("Europe/Paris", "2026-11"), ("America/Cayenne", "2026-10")])
def test_months_follow_the_association_s_calendar(storage, zone, month):
    reporting = make_reporting(storage, TIME_ZONE=zone)
    # a visit closed on 31 October at 23:30 UTC: 00:30 on 1 November in Paris, 20:30 on 31 October in Cayenne
    apply(reporting, visit_closed(dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.timezone.utc)))
    assert months_counted(storage) == {month}
    # and a rebuild folds it in the same month
    reporting.rebuild()
    assert months_counted(storage) == {month}


def test_head_office_closes_nothing(storage, monkeypatch):
    head_office = make_reporting(storage, HEAD_OFFICE=True)
    assert tick(head_office, monkeypatch, at(2026, 11, 2)) == []
    with pytest.raises(Conflict):
        head_office.close_period("2026-10")


# -- head office ------------------------------------------------------------------------------------------------
def test_head_office_keeps_the_latest_revision_instead_of_adding_them(storage, any_storage):
    association = make_reporting(storage)
    head_office = make_reporting(any_storage, HEAD_OFFICE=True, ASSOCIATION_ID="union-pimms")
    october(association, 12)
    association.close_period("2026-10")
    first = published(storage)
    apply(association, visit_closed(at(2026, 10, 30), visitors=[(300, True)]))
    association.close_period("2026-10")
    second = published(storage)[len(first):]
    assert {e.payload["revision"] for e in second} == {2}
    # when head office receives revision 1, then revision 2, then revision 1 again (a late copy)
    outcomes = [apply(head_office, e) for e in first + second]
    assert outcomes == ["received"] * 4 + ["replaced"] * 4
    assert [apply(head_office, e) for e in first] == [service_module.ALREADY_APPLIED] * 4
    stale = [e.__class__(**{**e.__dict__, "event_id": "6f0c2b1e-0000-4000-8000-00000000000" + str(i)})
             for i, e in enumerate(first)]
    assert [apply(head_office, e) for e in stale] == ["stale"] * 4
    # then the national figures are revision 2's, not the sum of both
    national = head_office.figures("network", None, "2026-10")
    assert national["figures"]["visits"]["total"] == 13
    assert national["figures"]["associations"] == 1 and national["figures"]["desks"] == 1
    assert head_office.figures("association", ASSOCIATION, "2026-10")["revision"] == 2
    assert head_office.annual_report(2026)["visits"] == 13
    # and a year's months in one call are each month's as received, None where none was
    desk = head_office.figures("desk", "lyon-8", "2026-10")
    assert head_office.figures_months("desk", "lyon-8", 2026, [9, 10]) == [None, desk]
    assert head_office.figures_months("network", None, 2026, [10]) == [national]


def test_head_office_sums_associations_and_marks_a_cell_some_association_hid_as_incomplete(storage, any_storage):
    lyon = make_reporting(storage)
    head_office = make_reporting(any_storage, HEAD_OFFICE=True)
    october(lyon, 12)
    apply(lyon, visit_closed(at(2026, 10, 2), partner="sncf"))
    lyon.close_period("2026-10")
    paris_events = []
    for e in published(storage):
        body = json.loads(json.dumps(e.payload, default=str))
        paris_events.append(e.__class__(**{**e.__dict__, "association_id": "pimms-paris", "payload": body,
                                           "pimms_id": e.pimms_id and "paris-1",
                                           "event_id": e.event_id[:-4] + "beef"}))
    for e in published(storage) + paris_events:
        apply(head_office, e)
    national = head_office.figures("network", None, "2026-10")
    assert national["figures"]["visits"]["total"] == 26 and national["figures"]["associations"] == 2
    assert national["figures"]["visits"]["partenaire"] == 26
    # each association hid its 1 sncf visit, and its 12 edf ones with it (else 13 - 12 gives the 1 away)
    assert national["figures"]["visits"]["by_partner"]["sncf"] is None
    assert {"visits.by_partner.sncf", "visits.by_partner.edf"} <= set(national["incomplete"])
    rows = head_office.export("network", None, "2026-10", "json")["rows"]
    assert [(r["scope"], r["id"]) for r in rows] == [
        ("network", "national"), ("association", "pimms-lyon"), ("desk", "lyon-8"),
        ("association", "pimms-paris"), ("desk", "paris-1")]


def test_head_office_reads_figures_from_an_association_whose_reporting_lacks_the_later_cells(storage, any_storage):
    # given lyon's figures as this version publishes them, and paris's as a reporting of the first edition
    # did: without the cells added since (outbound by channel and by partner, acts, campaigns; follow-ups
    # and referrals; budget dossiers and over-indebtedness files)
    lyon = make_reporting(storage)
    october(lyon, 12)
    for day in range(1, 7):
        apply(lyon, case_opened(at(2026, 10, day)))
        apply(lyon, budget_dossier_opened(at(2026, 10, day)))
    lyon.close_period("2026-10")
    head_office = make_reporting(any_storage, HEAD_OFFICE=True)
    later = {path.split(".")[1] for path in F.COLUMNS if F.BY_PATH[path].added > 1 and path.startswith("outbound.")}
    new_sections = {F.BY_PATH[path].section for path in F.COLUMNS if F.BY_PATH[path].added > 2} - {"workshops"}
    assert new_sections == {"follow_ups", "referrals", "budget", "overindebtedness", "waiting"}
    # the workshops' section is of the first edition; its registrations and rates came with the sixth
    first_in_workshops = ("sessions", "attendees", "by_theme")
    for e in published(storage):
        apply(head_office, e)
        figures = json.loads(json.dumps(e.payload["figures"]))
        figures["outbound"] = {k: v for k, v in figures["outbound"].items() if k not in later}
        figures = {k: v for k, v in figures.items() if k not in new_sections}
        figures["workshops"] = {k: v for k, v in figures["workshops"].items() if k in first_in_workshops}
        figures["workshops"]["by_theme"] = {theme: {k: cells[k] for k in ("sessions", "attendees")}
                                            for theme, cells in figures["workshops"]["by_theme"].items()}
        old = envelope.load(envelope.build("reporting.period_closed", {**e.payload, "figures": figures},
                                           association_id="pimms-paris", pimms_id=e.pimms_id and "paris-1"))
        assert apply(head_office, old) == "received"
    # then the national figures add both, and the later cells are only a lower bound
    national = head_office.figures("network", None, "2026-10")
    assert national["figures"]["visits"]["total"] == 24 and national["figures"]["associations"] == 2
    assert national["figures"]["outbound"]["acts"] == 0 and "outbound.acts" in national["incomplete"]
    assert "outbound.attempts" not in national["incomplete"]
    assert head_office.figures("association", "pimms-paris", "2026-10")["figures"]["outbound"]["acts"] is None
    follow_ups = national["figures"]["follow_ups"]
    assert follow_ups["opened"] == 6 and {"follow_ups.opened", "follow_ups.open_at_end"} <= set(national["incomplete"])
    assert head_office.figures("association", "pimms-paris", "2026-10")["figures"]["follow_ups"]["opened"] is None
    budget = national["figures"]["budget"]
    assert budget["received"] == 6 and {"budget.received", "budget.open_at_end"} <= set(national["incomplete"])
    assert head_office.figures("association", "pimms-paris", "2026-10")["figures"]["budget"]["received"] is None
    # and so does the Point Conseil Budget's report of the year: paris's row unknown, the network's a lower bound
    report = {row["id"]: row for row in head_office.pcb_report(2026)["rows"]}
    assert report["national"]["households_received"] == 6 and "households_received" in report["national"]["incomplete"]
    assert report["pimms-paris"]["households_received"] is None and report["pimms-lyon"]["households_received"] == 6


def test_head_office_sums_follow_ups_and_referrals_but_has_no_national_median(storage, any_storage):
    # given two associations' closed Octobers, each with 6 follow-ups closed after 1 to 6 days
    head_office = make_reporting(any_storage, HEAD_OFFICE=True)
    lyon = make_reporting(storage)
    for day in range(1, 7):
        apply(lyon, case_closed(at(2026, 10, 10 + day), opened_at=at(2026, 10, 10)))
        apply(lyon, referral_sent(at(2026, 10, day)))
    lyon.close_period("2026-10")
    sent = published(storage)
    association = next(e for e in sent if e.pimms_id is None and e.payload["period"] == "2026-10")
    assert association.payload["figures"]["follow_ups"]["median_days_to_close"] == 3.5
    for e in sent:
        apply(head_office, e)
        body = json.loads(json.dumps(e.payload, default=str))
        apply(head_office, e.__class__(**{**e.__dict__, "association_id": "pimms-paris", "payload": body,
                                          "pimms_id": e.pimms_id and "paris-1", "event_id": e.event_id[:-4] + "beef"}))
    national = head_office.figures("network", None, "2026-10")
    # then counts are summed, rates recomputed from them; a median cannot be summed: unknown nationally
    assert national["figures"]["follow_ups"]["closed"] == 12 and national["figures"]["referrals"]["sent"] == 12
    assert national["figures"]["referrals"]["answer_rate"] == 0.0
    assert national["figures"]["follow_ups"]["median_days_to_close"] is None
    assert "follow_ups.median_days_to_close" in national["incomplete"]
    assert "referrals.median_days_to_answer" not in national["incomplete"]  # no answer: no median to miss
    assert "follow_ups.closed" not in national["incomplete"]
    assert head_office.figures("association", "pimms-paris", "2026-10")["figures"]["follow_ups"][
        "median_days_to_close"] == 3.5


def test_head_office_builds_the_point_conseil_budget_report_from_what_associations_published(storage, any_storage):
    # given two associations' 2026 as published at October's close: each received 8 households (7 walk-ins,
    # 1 sent by a bank), accompanied 6 of them in 10 to 15 days, and built and filed 6 over-indebtedness files
    head_office = make_reporting(any_storage, HEAD_OFFICE=True)
    lyon = make_reporting(storage)
    dossiers = [uuid.uuid4() for _ in range(8)]
    for day, dossier_id in enumerate(dossiers, 1):
        apply(lyon, budget_dossier_opened(at(2026, 10, 1), dossier_id=dossier_id,
                                          origin="bank" if day == 8 else "walk_in"))
    for day, dossier_id in enumerate(dossiers[:6], 1):
        apply(lyon, budget_dossier_closed(at(2026, 10, 10 + day), opened_at=at(2026, 10, 1), dossier_id=dossier_id,
                                          plan_steps=2, plan_steps_done=2, interventions={"accepted": 1}))
        for stage in ("built", "filed"):
            apply(lyon, overindebtedness_stage(stage, dt.date(2026, 10, day)))
    lyon.close_period("2026-10")
    for e in published(storage):
        apply(head_office, e)
        body = json.loads(json.dumps(e.payload, default=str))
        apply(head_office, e.__class__(**{**e.__dict__, "association_id": "pimms-paris", "payload": body,
                                          "pimms_id": e.pimms_id and "paris-1", "event_id": e.event_id[:-4] + "beef"}))
    # when head office asks for the network's report of the year
    report = head_office.pcb_report(2026)
    rows = {row["id"]: row for row in report["rows"]}
    # then the network's row sums what the associations published, and each association has its row as sent
    assert [row["scope"] for row in report["rows"]] == ["network", "association", "association"]
    national = rows["national"]
    assert (national["households_received"], national["households_accompanied"], national["diagnoses"]) == (16, 12, 12)
    assert (national["overindebtedness_files_built"], national["overindebtedness_files_filed"]) == (12, 12)
    assert national["creditor_interventions_accepted"] == 12 and national["action_plans_completed"] == 12
    # a bank's one household is hidden in each association, and the 7 walk-ins with it (8 - 7 would give it
    # away), so the network's are unknown
    assert {"households_received_bank", "households_received_walk_in"} <= set(rows["pimms-lyon"]["suppressed"])
    assert rows["pimms-lyon"]["households_received_walk_in"] is None
    assert {"households_received_bank", "households_received_walk_in"} <= set(national["incomplete"])
    # and a median cannot be summed: unknown nationally, each association's as it published it
    assert national["dossiers_median_days_open"] is None and "dossiers_median_days_open" in national["incomplete"]
    assert rows["pimms-paris"]["dossiers_median_days_open"] == 12.5


def test_every_cell_of_the_figures_can_be_named_as_suppressed_in_a_closed_period():
    """The month's event lists its suppressed cells by path: each path the figures have must pass the contract
    (the waiting room's `..._p90_min` once did not, and the month could not be closed)."""
    from shared.contracts.reporting import CELL

    for path in F.COLUMNS:
        CELL(path)
    with pytest.raises(ValidationError):
        CELL("waiting.90th")
