"""Compliance with the norm XP X60-600 and the contract: first the rules as plain functions over a desk's
facts (compliance.evaluate), then the status changes a stream of the associations' events produces
through the service's handlers, each change published once as `franchise.compliance_evaluated`."""
import datetime as dt

import pytest

from services.franchise import store
from services.franchise.activity import ForeignDesk
from services.franchise.compliance import AgentHours, Coverage, DeskFacts, _months_due, evaluate, window_start
from services.franchise.service import MIGRATIONS
from services.franchise.tests import support
from services.franchise.tests.support import TODAY, contract, register, worker
from shared.db import ALREADY_APPLIED
from shared.errors import NotFound
from tests.kit import published_events

DAY = dt.date(2026, 6, 15)
LONG_AGO = dt.date(2020, 1, 1)
ALL = ("presence", "conflict", "understanding", "watch", "referral", "dialogue", "collective", "inform")


def days_ago(n, today=DAY):
    return today - dt.timedelta(days=n)


def on_time(today=DAY):
    return {month: dt.datetime.combine(due, dt.time(8), tzinfo=dt.timezone.utc)
            for month, due in _months_due(window_start(today), today)}


def weeks(agent, worked, trained, n=10, today=DAY):
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return tuple(AgentHours(agent, monday - dt.timedelta(weeks=i), worked, trained) for i in range(n))


def facts(registres=None, hours=None, figures=None):
    return DeskFacts(
        registres_last_used={r: days_ago(10) for r in ALL[:6]} if registres is None else registres,
        hours=weeks("agent-a", 35, 3.5) if hours is None else hours,
        figures_sent=on_time() if figures is None else figures,
    )


def judged(covered_since=LONG_AGO, floor=9.0, today=DAY, **given):
    return evaluate(facts(**given), Coverage(covered_since, floor), today)


# -- the rules, table-driven --------------------------------------------------------------------------------
def test_a_desk_that_meets_every_rule_is_ok():
    card = judged()
    assert (card.status, card.reasons) == ("ok", ())
    assert len(card.registres) == 6 and card.training_share_pct == 10.0
    assert (card.period_start, card.period_end) == (DAY - dt.timedelta(days=364), DAY)


@pytest.mark.parametrize("last_used, covered_since, status, reasons, used", [
    ({r: days_ago(1) for r in ALL}, LONG_AGO, "ok", (), 8),
    ({r: days_ago(30) for r in ALL[:5]}, LONG_AGO, "ok", (), 5),
    ({r: days_ago(364) for r in ALL[:5]}, LONG_AGO, "warning", ("registres_lapsing",), 5),  # last day in window
    ({**{r: days_ago(3) for r in ALL[:4]}, "dialogue": days_ago(290)}, LONG_AGO, "warning", ("registres_lapsing",), 5),
    ({**{r: days_ago(3) for r in ALL[:4]}, "dialogue": days_ago(270)}, LONG_AGO, "ok", (), 5),
    ({**{r: days_ago(3) for r in ALL[:4]}, "dialogue": days_ago(365)}, LONG_AGO, "breach",
     ("registres_below_minimum",), 4),  # a day out of the 12 months
    ({r: days_ago(3) for r in ALL[:4]}, LONG_AGO, "breach", ("registres_below_minimum",), 4),
    ({r: days_ago(3) for r in ALL[:4]}, days_ago(100), "warning", ("registres_ramping_up",), 4),
    ({}, days_ago(363), "warning", ("registres_ramping_up",), 0),  # 364 days under contract: the first year
    ({}, days_ago(364), "breach", ("registres_below_minimum",), 0),  # the whole window under contract
])
def test_registres_used_over_12_months(last_used, covered_since, status, reasons, used):
    card = judged(covered_since=covered_since, registres=last_used,
                  figures={m: at for m, at in on_time().items()})
    assert (card.status, card.reasons, len(card.registres)) == (status, reasons, used)


@pytest.mark.parametrize("hours, floor, status, reasons, share, below", [
    ((), 9.0, "warning", ("training_not_reported",), None, ()),
    (weeks("a", 35, 0.0, n=0), 9.0, "warning", ("training_not_reported",), None, ()),
    (weeks("a", 35, 3.15), 9.0, "ok", (), 9.0, ()),  # exactly at the floor meets it
    (weeks("a", 35, 2.8), 9.0, "breach", ("training_below_floor",), 8.0, ("a",)),
    (weeks("a", 35, 7.0) + weeks("b", 35, 1.4), 9.0, "warning", ("agent_training_below_floor",), 12.0, ("b",)),
    (weeks("a", 35, 2.0) + weeks("b", 35, 2.0), 9.0, "breach", ("training_below_floor",), 5.7, ("a", "b")),
    (weeks("a", 35, 0.0), 0.0, "ok", (), 0.0, ()),
    (weeks("a", 35, 2.8), 8.0, "ok", (), 8.0, ()),  # the contract's floor, not the default
    (weeks("a", 0.0, 5.0), 9.0, "warning", ("training_not_reported",), None, ()),  # training, no work time yet
    (weeks("a", 10, 20), 9.0, "ok", (), 100.0, ()),  # more training than work received: capped at 100%
])
def test_the_training_share_against_the_contracts_floor(hours, floor, status, reasons, share, below):
    card = judged(floor=floor, hours=hours)
    assert (card.status, card.reasons, card.training_share_pct, card.agents_below_floor) == (
        status, reasons, share, below)


def test_training_is_counted_over_the_weeks_whose_thursday_is_in_the_window():
    start = window_start(DAY)
    old_monday = start - dt.timedelta(days=start.weekday() + 7)  # its Thursday is before the window
    recent = weeks("a", 35, 0.0, n=4)
    card = judged(hours=recent + (AgentHours("a", old_monday, 35, 35),))
    assert card.training_share_pct == 0.0 and card.status == "breach"


def test_monthly_figures_sent_on_time_late_or_never():
    sent = on_time()
    months = sorted(sent)
    late = {**sent, months[3]: sent[months[3]] + dt.timedelta(days=1)}
    missing = {m: at for m, at in sent.items() if m != months[5]}
    assert len(months) == 12
    assert judged(figures=sent).reasons == ()
    card = judged(figures=late)
    assert (card.status, card.reasons, card.figures_late) == ("warning", ("figures_late",), (months[3],))
    card = judged(figures=missing)
    assert (card.status, card.reasons, card.figures_missing) == ("breach", ("figures_missing",), (months[5],))


def test_figures_are_due_by_the_10th_of_the_next_month_only_for_months_under_contract():
    today = dt.date(2026, 6, 10)  # May's due day: May is not missing yet
    assert max(m for m, _ in _months_due(window_start(today), today)) == "2026-04"
    # covered since 20 March: March and April are due, February is not
    sent = {"2026-03": dt.datetime(2026, 4, 2, tzinfo=dt.timezone.utc),
            "2026-04": dt.datetime(2026, 5, 10, 23, tzinfo=dt.timezone.utc)}
    card = evaluate(facts(figures=sent), Coverage(dt.date(2026, 3, 20), 9.0), today)
    assert (card.figures_late, card.figures_missing) == ((), ())
    card = evaluate(facts(figures={}), Coverage(dt.date(2026, 3, 20), 9.0), today)
    assert card.figures_missing == ("2026-03", "2026-04")


def test_the_status_is_the_worst_reason_and_the_event_counts_without_naming_anyone():
    card = judged(registres={r: days_ago(300) for r in ALL[:5]}, figures={},
                  hours=weeks("a", 35, 7.0) + weeks("b", 35, 1.4))
    assert card.status == "breach"
    assert card.reasons == ("registres_lapsing", "agent_training_below_floor", "figures_missing")
    payload = card.payload("lyon-8", previous_status="ok")
    assert payload["agents_below_floor"] == 1 and payload["figures_missing"] == 12
    assert "b" not in [item for value in payload.values() if isinstance(value, list) for item in value]
    assert payload["previous_status"] == "ok"


# -- a stream of events through the service -----------------------------------------------------------------
@pytest.fixture
def franchise(storage):
    service = worker(storage)
    register(service)
    return service


@pytest.fixture
def both_storages(db_url, migrated_storage):
    """The main story runs on SQLite and on PostgreSQL (row locks, upserts)."""
    return migrated_storage(MIGRATIONS, "union-nationale", url=db_url)


def evaluations(storage):
    return [(e.pimms_id, e.payload["previous_status"], e.payload["status"], e.payload["reasons"])
            for e in published_events(storage, "franchise.compliance_evaluated")]


def mondays(n):
    last = TODAY - dt.timedelta(days=TODAY.weekday() + 7)
    return [last - dt.timedelta(weeks=i) for i in range(n)]


def test_a_stream_of_events_moves_a_desk_from_breach_to_ok_and_back(both_storages):
    storage = both_storages
    franchise = worker(storage)
    register(franchise)
    # given a contract signed two years ago for lyon-8, and nothing received from the desk
    franchise.sign_contract(contract(pimms_ids=["lyon-8"], valid_from=(TODAY - dt.timedelta(days=730)).isoformat()))
    assert evaluations(storage) == [
        ("lyon-8", None, "breach", ["registres_below_minimum", "training_not_reported", "figures_missing"])]

    # when every month's figures arrive on time, the desk is still in breach: nothing is published
    for month, due in _months_due(window_start(TODAY), TODAY):
        franchise.on_period_closed(support.period_closed(month, due - dt.timedelta(days=2)))
    assert len(evaluations(storage)) == 1

    # when visits and a workshop bring the 5th registre, only training is missing: a warning
    franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=40), ["presence", "understanding"])])
    franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=3), ["referral"])])
    franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=2), ["referral", "inform"])])
    assert len(evaluations(storage)) == 1
    franchise.on_workshop_held(support.workshop_held(TODAY - dt.timedelta(days=1), ["collective"]))
    assert evaluations(storage)[-1] == ("lyon-8", "breach", "warning", ["training_not_reported"])

    # when training and then the hours worked arrive at 10%, the desk is ok
    sessions = [support.training("agent-a", monday, 3.5) for monday in mondays(4)]
    for session in sessions:
        franchise.on_training_logged(session)
    for monday in mondays(4):
        franchise.on_work_time_logged(support.work_time("agent-a", monday, 35))
    assert evaluations(storage)[-1] == ("lyon-8", "warning", "ok", [])
    assert franchise.scorecard("lyon-8")["training_share_pct"] == 10.0

    # a redelivered session is applied once
    assert franchise.on_training_logged(sessions[0]) is ALREADY_APPLIED
    assert franchise.scorecard("lyon-8")["training_share_pct"] == 10.0

    # a week's work time corrected upward takes the desk under the floor; an older revision arriving late
    # does not undo the correction
    franchise.on_work_time_logged(support.work_time("agent-a", mondays(1)[0], 48, revision=3))
    franchise.on_work_time_logged(support.work_time("agent-a", mondays(1)[0], 35, revision=2))
    assert franchise.scorecard("lyon-8")["training_share_pct"] == round(100 * 14 / (3 * 35 + 48), 1)
    assert len(evaluations(storage)) == 3  # 9.2%: still ok
    # a second agent who works without training takes the desk under the floor
    for monday in mondays(4):
        franchise.on_work_time_logged(support.work_time("agent-b", monday, 35))
    assert evaluations(storage)[-1] == ("lyon-8", "ok", "breach", ["training_below_floor"])

    # when agent-a's extra training brings the desk back over the floor, only agent-b is short: a warning
    franchise.on_training_logged(support.training("agent-a", mondays(1)[0], 14))
    assert evaluations(storage)[-1] == ("lyon-8", "breach", "warning", ["agent_training_below_floor"])
    assert franchise.scorecard("lyon-8")["agents_below_floor"] == ["agent-b"]
    assert [s for _, _, s, _ in evaluations(storage)] == ["breach", "warning", "ok", "breach", "warning"]


def test_figures_sent_late_give_a_warning_and_a_correction_does_not_change_the_day_they_came(franchise, storage):
    franchise.sign_contract(contract(pimms_ids=["lyon-8"], valid_from=(TODAY - dt.timedelta(days=730)).isoformat()))
    for registre in ("presence", "understanding", "referral", "inform", "collective"):
        franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=1), [registre])])
    for monday in mondays(2):
        franchise.on_training_logged(support.training("agent-a", monday, 4))
        franchise.on_work_time_logged(support.work_time("agent-a", monday, 35))
    due_months = list(_months_due(window_start(TODAY), TODAY))
    for month, due in due_months[:-1]:
        franchise.on_period_closed(support.period_closed(month, due))
    month, due = due_months[-1]
    franchise.on_period_closed(support.period_closed(month, due + dt.timedelta(days=1), pimms_id="lyon-8"))
    franchise.on_period_closed(support.period_closed(month, due + dt.timedelta(days=5), revision=2))
    assert evaluations(storage)[-1] == ("lyon-8", "breach", "warning", ["figures_late"])
    assert franchise.scorecard("lyon-8")["figures_late"] == [month]


def test_time_alone_changes_a_status_when_the_network_is_reevaluated(franchise, storage):
    # given a desk that is ok today
    franchise.sign_contract(contract(pimms_ids=["lyon-8"], valid_from=(TODAY - dt.timedelta(days=730)).isoformat()))
    for month, due in _months_due(window_start(TODAY), TODAY):
        franchise.on_period_closed(support.period_closed(month, due))
    for registre in ("presence", "understanding", "referral", "inform", "collective"):
        franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=1), [registre])])
    franchise.on_training_logged(support.training("agent-a", mondays(1)[0], 4))
    franchise.on_work_time_logged(support.work_time("agent-a", mondays(1)[0], 35))
    assert evaluations(storage)[-1][2] == "ok"
    # when the timer re-evaluates 300 days later, without any new event
    later = TODAY + dt.timedelta(days=300)
    with storage.unit_of_work() as uow:
        store.evaluate_network(uow, later, dt.datetime.now(dt.timezone.utc))
    # then the registres are about to lapse and the months since today's have no figures
    pimms_id, previous, status, reasons = evaluations(storage)[-1]
    assert (pimms_id, previous, status) == ("lyon-8", "ok", "breach")
    assert reasons == ["registres_lapsing", "figures_missing"]


def test_activity_of_a_desk_not_yet_under_contract_counts_once_it_is(franchise, storage):
    franchise.sign_contract(contract(pimms_ids=["lyon-8"]))
    for registre in ("presence", "understanding", "referral", "inform", "collective"):
        franchise.on_visit_closed([support.visit_closed(TODAY - dt.timedelta(days=1), [registre], pimms_id="lyon-9")])
    assert {p for p, *_ in evaluations(storage)} == {"lyon-8"}
    with pytest.raises(NotFound):
        franchise.scorecard("lyon-9")
    franchise.amend_contract({"association_id": "pimms-lyon", "pimms_ids": ["lyon-8", "lyon-9"]})
    card = franchise.scorecard("lyon-9")
    assert card["registres_used"] == 5 and card["figures_missing"] == []  # covered from today: nothing due yet
    assert ("lyon-9", None, card["status"], card["reasons"]) in evaluations(storage)


def test_a_terminated_contract_takes_its_desks_out_of_the_network_scorecard(franchise, storage):
    franchise.sign_contract(contract())
    assert {d["pimms_id"] for d in franchise.network_scorecard()["desks"]} == {"lyon-8", "lyon-9"}
    franchise.terminate({"association_id": "pimms-lyon"})
    network = franchise.network_scorecard()
    assert network["desks"] == [] and network["totals"] == {"ok": 0, "warning": 0, "breach": 0}


def test_an_event_naming_another_associations_desk_is_refused_and_not_counted(franchise, storage):
    franchise.register_association({"association_id": "pimms-paris", "label": "PIMMS Paris"})
    franchise.sign_contract(contract(pimms_ids=["lyon-8"]))
    with pytest.raises(ForeignDesk):
        franchise.on_visit_closed([support.visit_closed(TODAY, ["presence"], association_id="pimms-paris")])
    assert franchise.scorecard("lyon-8")["registres_used"] == 0
