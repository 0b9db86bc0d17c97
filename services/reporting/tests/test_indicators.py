"""The indicators fed by formation, médiation sortante and accueil's follow-ups and referrals, through the
service on a real database: agents employed as a head count at each period's end, the share of women, the
training share from the latest revision of each week, the positive-exit rate, outbound attempts and outcomes,
follow-ups open at each period's end and their median days to close, referrals' answer rate and median delay
by partner, the Point Conseil Budget's households received in the year their dossier opened and accompanied
in the year it closed; and the closed months a late hiring, opening, answer or close changes are published
again."""
import datetime as dt
import uuid

from services.reporting.tests.events import (
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
    published,
    referral_answered,
    referral_sent,
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


# -- follow-ups and referrals (accueil) ---------------------------------------------------------------------------
def test_follow_ups_opened_closed_open_at_each_periods_end_and_their_median_days_to_close(reporting):
    # given 4 follow-ups opened in January (3 about housing, 1 for the CAF), one more in February at lyon-9;
    # 2 housing ones closed in February after 34 and 40 days, the CAF one on 1 March after 58 days
    opened, ids = [at(2026, 1, 5), at(2026, 1, 12), at(2026, 1, 20), at(2026, 1, 2)], [uuid.uuid4() for _ in range(4)]
    for n, when in enumerate(opened):
        apply(reporting, case_opened(when, case_id=ids[n], domain="housing" if n < 3 else None, partner="caf"))
    apply(reporting, case_opened(at(2026, 2, 10), pimms_id="lyon-9"))
    for when, n, outcome in ((at(2026, 2, 8), 0, "resolved"), (at(2026, 2, 21), 1, "abandoned")):
        apply(reporting, case_closed(when, opened_at=opened[n], case_id=ids[n], domain="housing", outcome=outcome))
    apply(reporting, case_closed(at(2026, 3, 1), opened_at=opened[3], case_id=ids[3], partner="caf"))
    months = {m: exact(reporting, m)["follow_ups"] for m in ("2026-01", "2026-02", "2026-03", "2026-04")}
    # then each month counts its openings and closes, and the follow-ups still open at its end
    assert {m: (f["opened"], f["closed"], f["open_at_end"]) for m, f in months.items()} == {
        "2026-01": (4, 0, 4), "2026-02": (1, 2, 3), "2026-03": (0, 1, 2), "2026-04": (0, 0, 2)}
    february = months["2026-02"]
    assert february["median_days_to_close"] == 37.0  # 34 and 40 days
    assert february["by_domain"]["housing"] == {"opened": 0, "closed": 2, "median_days_to_close": 37.0}
    assert february["closed_by_outcome"] == {"abandoned": 1, "referred": 0, "resolved": 1, "unresolved": 0}
    assert months["2026-01"]["median_days_to_close"] is None  # nothing closed: no median
    assert months["2026-01"]["by_partner"]["caf"]["opened"] == 1
    # and the year: every opening and close, open at its end, the median over the year's three closes
    year = exact(reporting, "2026")["follow_ups"]
    assert (year["opened"], year["closed"], year["open_at_end"], year["median_days_to_close"]) == (5, 3, 2, 40.0)
    assert year["by_partner"]["caf"] == {"opened": 1, "closed": 1, "median_days_to_close": 58.0}
    assert exact(reporting, "2026-02", "desk", "lyon-9")["follow_ups"]["open_at_end"] == 1
    assert exact(reporting, "2026-04", "desk", "lyon-9")["follow_ups"]["open_at_end"] == 1  # a quiet month


def test_referrals_by_partner_with_their_answer_rate_and_median_days_to_answer(reporting):
    # given 6 referrals to the CAF and 2 to the CPAM in January; 4 CAF answers (one in February), 1 CPAM
    sent, ids = [at(2026, 1, 5 + n) for n in range(8)], [uuid.uuid4() for _ in range(8)]
    for n, when in enumerate(sent):
        apply(reporting, referral_sent(when, partner="caf" if n < 6 else "cpam", referral_id=ids[n]))
    for n, (days, answer) in enumerate([(2, "resolved"), (4, "resolved"), (10, "refused"), (30, "redirected")]):
        apply(reporting, referral_answered(sent[n] + dt.timedelta(days=days), sent_at=sent[n], referral_id=ids[n],
                                           partner="caf", answer=answer))
    apply(reporting, referral_answered(sent[6] + dt.timedelta(days=1), sent_at=sent[6], referral_id=ids[6],
                                       partner="cpam"))
    january = exact(reporting, "2026-01")["referrals"]
    # then the answers count with the month their referrals were sent in, February's answer too
    assert (january["sent"], january["answered"], january["answer_rate"]) == (8, 5, 0.625)
    assert january["median_days_to_answer"] == 4.0  # 1, 2, 4, 10, 30
    assert january["by_answer"] == {"redirected": 1, "refused": 1, "resolved": 3}
    assert january["by_partner"]["caf"] == {"sent": 6, "answered": 4, "answer_rate": 0.667,
                                            "median_days_to_answer": 7.0}
    assert january["by_partner"]["cpam"] == {"sent": 2, "answered": 1, "answer_rate": 0.5,
                                             "median_days_to_answer": 1.0}
    assert january["by_partner"]["edf"] == {"sent": 0, "answered": 0, "answer_rate": None,
                                            "median_days_to_answer": None}
    assert exact(reporting, "2026-02")["referrals"]["answered"] == 0


def test_an_answer_to_a_closed_months_referral_publishes_that_month_again(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    sent, ids = [at(2026, 1, 5 + n) for n in range(6)], [uuid.uuid4() for _ in range(6)]
    for when, referral_id in zip(sent, ids):
        apply(reporting, referral_sent(when, referral_id=referral_id, partner="caf"))
    for when, referral_id in zip(sent[:5], ids):
        apply(reporting, referral_answered(when + dt.timedelta(days=3), sent_at=when, referral_id=referral_id,
                                           partner="caf"))
    reporting.close_period("2026-01")
    # when the sixth answer comes in March
    apply(reporting, referral_answered(at(2026, 3, 2), sent_at=sent[5], referral_id=ids[5], partner="caf",
                                       answer="refused"))
    assert {p["period"]: p["dirty"] for p in reporting.status()["periods"]} == {"2026": True, "2026-01": True}
    # then January is published again with every referral answered
    assert reporting.close_period("2026-01")["published"] == [
        {"association_id": "pimms-lyon", "period": "2026-01", "revision": 2},
        {"association_id": "pimms-lyon", "period": "2026", "revision": 2}]
    revised = next(e for e in published(storage) if e.pimms_id is None and e.payload["period"] == "2026-01"
                   and e.payload["revision"] == 2)
    referrals = revised.payload["figures"]["referrals"]
    assert (referrals["sent"], referrals["answered"], referrals["answer_rate"]) == (6, 6, 1.0)
    assert referrals["by_answer"] == {"redirected": 0, "refused": None, "resolved": None}  # 1 refusal: hidden


def test_a_late_opening_republishes_every_closed_month_whose_open_follow_ups_it_changes(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for day in range(1, 8):
        apply(reporting, case_opened(at(2026, 1, day)))
    apply(reporting, visit_closed(at(2026, 3, 3)))
    for month in ("2026-01", "2026-02", "2026-03"):
        reporting.close_period(month)
    # when a follow-up opened in February reaches reporting in April
    apply(reporting, case_opened(at(2026, 2, 9)))
    dirty = {p["period"]: p["dirty"] for p in reporting.status()["periods"]}
    assert dirty == {"2026": True, "2026-01": False, "2026-02": True, "2026-03": True}
    assert [p["period"] for p in reporting.close_period("2026-03")["published"]] == ["2026-03", "2026"]
    revised = [e for e in published(storage) if e.pimms_id is None and e.payload["revision"] == 2]
    assert {e.payload["period"]: e.payload["figures"]["follow_ups"]["open_at_end"] for e in revised} == {
        "2026-03": 8, "2026": 8}


# -- Point Conseil Budget (accueil) ------------------------------------------------------------------------------
def test_a_household_is_received_the_year_its_dossier_opened_and_accompanied_the_year_it_closed(reporting):
    # given 6 dossiers opened in November 2026; 5 closed in February 2027 after a diagnosis, 1 still open
    ids = [uuid.uuid4() for _ in range(6)]
    for n, dossier_id in enumerate(ids):
        apply(reporting, budget_dossier_opened(at(2026, 11, 2 + n), dossier_id=dossier_id))
    for n, dossier_id in enumerate(ids[:5]):
        apply(reporting, budget_dossier_closed(at(2027, 2, 10 + n), opened_at=at(2026, 11, 2 + n),
                                               dossier_id=dossier_id))
    years = {year: exact(reporting, year)["budget"] for year in ("2026", "2027")}
    # then 2026 received them and ended with all 6 open; 2027 accompanied and closed 5, and ended with 1 open
    assert {y: (b["received"], b["accompanied"], b["closed"], b["open_at_end"]) for y, b in years.items()} == {
        "2026": (6, 0, 0, 6), "2027": (0, 5, 5, 1)}
    assert years["2027"]["median_days_open"] == 100.0  # 2 November to 10 February, each one a day later
    assert exact(reporting, "2027-01")["budget"]["open_at_end"] == 6  # a quiet month in between


def test_a_late_close_republishes_every_closed_month_whose_open_dossiers_it_changes(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    ids = [uuid.uuid4() for _ in range(7)]
    for day, dossier_id in enumerate(ids, 1):
        apply(reporting, budget_dossier_opened(at(2026, 1, day), dossier_id=dossier_id))
    for month in ("2026-01", "2026-02", "2026-03"):
        reporting.close_period(month)
    # when a close of February reaches reporting in April
    apply(reporting, budget_dossier_closed(at(2026, 2, 9), opened_at=at(2026, 1, 1), dossier_id=ids[0]))
    dirty = {p["period"] for p in reporting.status()["periods"] if p["dirty"]}
    assert dirty >= {"2026", "2026-02", "2026-03"}
    # then January, whose figures it does not change, is not published again; the year, February and March are
    assert [p["period"] for p in reporting.close_period("2026-01")["published"]] == ["2026"]
    for month in ("2026-02", "2026-03"):
        assert [p["period"] for p in reporting.close_period(month)["published"]] == [month]
    revised = [e for e in published(storage) if e.pimms_id is None and e.payload["revision"] == 2]
    assert {e.payload["period"]: e.payload["figures"]["budget"]["open_at_end"] for e in revised} == {
        "2026-02": 6, "2026-03": 6, "2026": 6}
