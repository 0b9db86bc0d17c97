"""The indicators fed by formation and médiation sortante, through the service on a real database: agents
employed as a head count at each period's end, the share of women, the training share from the latest
revision of each week, the positive-exit rate, outbound attempts and outcomes; and the closed months a late
hiring changes are published again."""
import datetime as dt

from services.reporting.tests.events import (
    agent_exited,
    agent_hired,
    apply,
    at,
    case_resolved,
    contact_attempted,
    make_reporting,
    published,
    training_logged,
    visit_closed,
    week_of,
    work_time_logged,
)

D = dt.date


def exact(reporting, period, scope="association", id_="pimms-lyon"):
    return reporting.figures(scope, id_, period, exact=True)["figures"]


def test_agents_employed_is_a_head_count_at_each_periods_end_not_a_sum_of_months(reporting):
    # given Amina hired in January, Bruno in February at another desk, Chloé in March; Amina leaves on
    # 31 March for a CDI, Chloé on 2 May for nothing lasting
    for event in [agent_hired("amina", D(2026, 1, 12)), agent_hired("bruno", D(2026, 2, 2), gender="male",
                                                                    pimms_id="lyon-9"),
                  agent_hired("chloe", D(2026, 3, 16)), agent_exited("amina", D(2026, 3, 31), positive=True),
                  agent_exited("chloe", D(2026, 5, 2), positive=False)]:
        apply(reporting, event)
    employed = {month: (f["agents"]["employed"], f["agents"]["women"], f["exits"]["total"])
                for month in ("2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
                for f in [exact(reporting, month)]}
    # then each month counts who is still there at its end; a month without any event keeps the count
    assert employed == {"2025-12": (0, 0, 0), "2026-01": (1, 1, 0), "2026-02": (2, 1, 0), "2026-03": (2, 1, 1),
                        "2026-04": (2, 1, 0), "2026-05": (1, 0, 1), "2026-06": (1, 0, 0)}
    assert exact(reporting, "2026-02")["agents"]["share_of_women"] == 0.5
    # and the year is its end (Bruno), with the exits of the whole year
    year = exact(reporting, "2026")
    assert (year["agents"]["employed"], year["agents"]["women"], year["exits"]["total"]) == (1, 0, 2)
    assert year["exits"]["positive"] == 1 and year["exits"]["positive_rate"] == 0.5
    # and a desk with agents but no activity in June is in June's figures
    assert exact(reporting, "2026-06", "desk", "lyon-9")["agents"]["employed"] == 1
    assert exact(reporting, "2026-06")["desks"] == 1


def test_the_order_formation_events_arrive_in_does_not_change_the_figures(storage, any_storage):
    events = [agent_hired("amina", D(2026, 1, 12)), work_time_logged("amina", "2026-W03", 35.0),
              work_time_logged("amina", "2026-W03", 30.0, revision=2), training_logged("amina", "2026-W03", 3.0),
              agent_exited("amina", D(2026, 2, 20), positive=True)]
    in_order, reversed_ = make_reporting(storage, ALLOW_EXACT_FIGURES=True), make_reporting(any_storage,
                                                                                           ALLOW_EXACT_FIGURES=True)
    for event in events:
        apply(in_order, event)
    for event in reversed(events):
        apply(reversed_, event)
    for period in ("2026-01", "2026-02", "2026"):
        assert exact(in_order, period) == exact(reversed_, period), period
    assert exact(in_order, "2026-01")["training"] == {"work_hours": 30, "training_hours": 3, "share": 0.1}


def test_the_training_share_counts_each_weeks_latest_revision_and_every_session(reporting):
    # given two agents' weeks of March, one logged three times, and their training sessions
    for event in [work_time_logged("amina", "2026-W10", 35.0), work_time_logged("amina", "2026-W10", 21.0, revision=2),
                  work_time_logged("amina", "2026-W11", 35.0), work_time_logged("bruno", "2026-W10", 26.5),
                  training_logged("amina", "2026-W10", 2.0), training_logged("amina", "2026-W10", 1.5),
                  training_logged("bruno", "2026-W10", 4.0, kind="professional_project"),
                  work_time_logged("amina", "2026-W10", 28.0, revision=3)]:
        apply(reporting, event)
    training = exact(reporting, "2026-03")["training"]
    # then worked: 28 + 35 + 26.5 = 89.5 h, shown as 90; trained 7.5 h, shown as 8; share from the minutes
    assert training == {"work_hours": 90, "training_hours": 8, "share": round(7.5 / 89.5, 3)}
    # a late copy of revision 1 changes nothing
    apply(reporting, work_time_logged("amina", "2026-W10", 35.0))
    assert exact(reporting, "2026-03")["training"] == training


def test_outbound_attempts_and_outcomes_by_partner_channel_and_outcome(reporting):
    for i in range(6):
        apply(reporting, contact_attempted(at(2026, 5, 1 + i), partner="edf" if i < 4 else "engie",
                                           channel="phone" if i % 2 else "door_to_door", reached=i < 3))
    for outcome in ("payment_plan", "payment_plan", "refused"):
        apply(reporting, case_resolved(at(2026, 5, 10), outcome=outcome,
                                       acts=() if outcome == "refused" else ("explanation", "advice")))
    outbound = exact(reporting, "2026-05")["outbound"]
    assert (outbound["attempts"], outbound["reached"], outbound["cases_resolved"], outbound["acts"]) == (6, 3, 3, 4)
    assert outbound["attempts_by_partner"]["edf"] == 4 and outbound["attempts_by_partner"]["engie"] == 2
    assert outbound["attempts_by_channel"] == {"door_to_door": 3, "letter": 0, "sms": 0, "telephone": 3}
    assert outbound["cases_by_outcome"]["payment_plan"] == 2 and outbound["cases_by_partner"]["edf"] == 3
    assert exact(reporting, "2026-04")["outbound"]["attempts"] == 0


def test_a_late_hiring_republishes_every_closed_month_whose_head_count_it_changes(storage, monkeypatch):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for n in range(6):
        apply(reporting, agent_hired(f"ag-{n}", D(2026, 1, 5)))
    apply(reporting, visit_closed(at(2026, 3, 3)))
    for month in ("2026-01", "2026-02", "2026-03"):
        reporting.close_period(month)
    # when formation's record of a February hiring arrives in April
    apply(reporting, agent_hired("late", D(2026, 2, 9), recorded=at(2026, 4, 2)))
    dirty = {p["period"]: p["dirty"] for p in reporting.status()["periods"]}
    assert dirty == {"2026": True, "2026-01": False, "2026-02": True, "2026-03": True}
    # then closing again republishes February and March (and the year), with 7 agents, not January
    assert [p["period"] for p in reporting.close_period("2026-02")["published"]] == ["2026-02", "2026"]
    assert [p["period"] for p in reporting.close_period("2026-03")["published"]] == ["2026-03"]
    revised = [e for e in published(storage) if e.pimms_id is None and e.payload["revision"] == 2]
    assert {e.payload["period"]: e.payload["figures"]["agents"]["employed"] for e in revised} == {
        "2026-02": 7, "2026-03": 7, "2026": 7}


def test_a_week_across_two_months_is_worked_in_the_month_of_its_thursday(reporting):
    # hired on Wednesday 30 September 2026, first week W40 (Thursday 1 October)
    apply(reporting, agent_hired("amina", D(2026, 9, 30)))
    apply(reporting, work_time_logged("amina", week_of(D(2026, 9, 30)), 20.0))
    assert exact(reporting, "2026-09")["agents"]["employed"] == 1
    assert exact(reporting, "2026-09")["training"]["work_hours"] == 0
    assert exact(reporting, "2026-10")["training"]["work_hours"] == 20
