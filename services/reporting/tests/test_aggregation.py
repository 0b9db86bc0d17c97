"""Folding events into aggregates, on SQLite and PostgreSQL: idempotent, distinct people counted as unions,
and a rebuild from the append-only store gives exactly what the events gave one by one (aggregates, visitor
sets, day counts and subjects)."""
import random
from collections import Counter

import pytest
from sqlalchemy import select

from services.reporting import store
from services.reporting.models import aggregates, applied_events, day_counts, subjects, visitors
from services.reporting.projectors import FEEDS, PROJECTORS
from services.reporting.tests.events import (
    apply,
    at,
    handler,
    make_reporting,
    published,
    random_events,
    visit_closed,
    workshop_held,
)

EMPTY = ([], [], [], [])


def snapshot(storage):
    """Every aggregate row, visitor set, day count and subject remembered, in a comparable form."""
    with storage.engine.connect() as conn:
        cells = sorted(tuple(r) for r in conn.execute(select(aggregates)))
        seen = sorted(tuple(r) for r in conn.execute(select(visitors)))
        days = sorted(tuple(r) for r in conn.execute(select(day_counts)))
        known = sorted(tuple(r) for r in conn.execute(select(subjects)))
    return cells, seen, days, known


def out_of_order(events):
    """Exits delivered before their agent's hiring, week revisions delivered after a newer one, follow-ups and
    budget dossiers closed before they were opened, answers before their referral, and an agent's later
    session on budget before an earlier one of the same year."""
    hired, exits_first, newest, stale, opened, closes_first = set(), 0, {}, 0, set(), 0
    dossiers, dossiers_closed_first, first_budget_session, later_first = set(), 0, {}, 0
    for e in events:
        agent = e.payload.get("agent_id")
        if e.type == "formation.agent_hired":
            hired.add(agent)
        elif e.type == "formation.agent_exited":
            exits_first += agent not in hired
        elif e.type == "formation.work_time_logged":
            key = (agent, e.payload["week"])
            stale += newest.get(key, 0) > e.payload["revision"]
            newest[key] = max(newest.get(key, 0), e.payload["revision"])
        elif e.type in ("accueil.case_opened", "accueil.referral_sent"):
            opened.add(e.payload.get("case_id") or e.payload["referral_id"])
        elif e.type in ("accueil.case_closed", "accueil.referral_answered"):
            closes_first += (e.payload.get("case_id") or e.payload["referral_id"]) not in opened
        elif e.type == "accueil.budget_dossier_opened":
            dossiers.add(e.payload["dossier_id"])
        elif e.type == "accueil.budget_dossier_closed":
            dossiers_closed_first += e.payload["dossier_id"] not in dossiers
        if e.type == "formation.training_logged" and e.payload["topic"] == "budget":
            key = (agent, e.payload["week"][:4])
            later_first += key in first_budget_session and first_budget_session[key] > e.payload["week"]
            first_budget_session[key] = min(first_budget_session.get(key, "9999"), e.payload["week"])
    return exits_first, stale, closes_first, dossiers_closed_first, later_first


def applied_in_batches(reporting, events, rng):
    """Deliver events as the batch consumers would: runs of one type, of random sizes."""
    pending = list(events)
    while pending:
        kind = pending[0].type
        batch = [e for e in pending if e.type == kind][:rng.randint(1, 60)]
        handler(reporting, kind)(batch)
        taken = {e.event_id for e in batch}
        pending = [e for e in pending if e.event_id not in taken]


def test_the_same_event_delivered_twice_counts_once(any_storage):
    reporting = make_reporting(any_storage, ALLOW_EXACT_FIGURES=True)
    event, other = visit_closed(at(2026, 10, 5), acts=["advice", "letter"]), visit_closed(at(2026, 10, 6))
    assert reporting.on_visit_closed([event]) == (1, 0)  # (applied, duplicates)
    assert reporting.on_visit_closed([event, other, event]) == (1, 2)  # again, and twice in one batch
    figures = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert figures["visits"]["total"] == 2 and figures["acts"]["total"] == 3
    assert reporting.status()["events_applied"] == {"accueil.visit_closed": 2}


def test_a_batch_holding_an_event_no_projector_can_fold_stores_nothing(storage, monkeypatch):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    current = PROJECTORS[("accueil.visit_closed", 1)]

    def broken(fact):
        if fact.payload["duration_min"] == 13:
            raise KeyError("a field this projector expected")
        return current(fact)

    monkeypatch.setitem(PROJECTORS, ("accueil.visit_closed", 1), broken)
    with pytest.raises(KeyError):
        reporting.on_visit_closed([visit_closed(at(2026, 10, 5)), visit_closed(at(2026, 10, 6), duration_min=13)])
    assert reporting.status()["events_applied"] == {}
    assert snapshot(storage) == EMPTY


def test_distinct_people_are_counted_once_per_scope_and_period(any_storage):
    reporting = make_reporting(any_storage, ALLOW_EXACT_FIGURES=True)
    # given person 1 comes twice to lyon-8 and once to lyon-9 in October, and again to lyon-8 in November,
    # and person 2 comes once, in November
    for when, desk, person in [(at(2026, 10, 2), "lyon-8", 1), (at(2026, 10, 20), "lyon-8", 1),
                               (at(2026, 10, 21), "lyon-9", 1), (at(2026, 11, 3), "lyon-8", 1),
                               (at(2026, 11, 4), "lyon-8", 2)]:
        apply(reporting, visit_closed(when, pimms_id=desk, visitors=[(person, False)]))

    def people(scope, id_, period):
        return reporting.figures(scope, id_, period, exact=True)["figures"]["people"]["received"]

    assert people("desk", "lyon-8", "2026-10") == 1 and people("desk", "lyon-9", "2026-10") == 1
    assert people("association", "pimms-lyon", "2026-10") == 1
    assert people("desk", "lyon-8", "2026") == 2 and people("network", None, "2026") == 2
    assert reporting.figures("association", "pimms-lyon", "2026", exact=True)["figures"]["visits"]["total"] == 5


def test_a_rebuild_gives_exactly_the_aggregates_applied_one_by_one(any_storage):
    # given a few hundred events of every kind, over two associations, six desks and two years, some
    # arriving out of order (an exit before its hiring, a week's older revision after a newer, a follow-up's
    # or a budget dossier's close before its opening, a referral's answer before the referral, an agent's
    # later session on budget before their first of the year)
    reporting = make_reporting(any_storage, ALLOW_EXACT_FIGURES=True)
    events = random_events(seed=11, n=600)
    assert set(Counter(e.type for e in events)) == {event_type for event_type, _ in FEEDS}
    assert all(n > 0 for n in out_of_order(events))
    applied_in_batches(reporting, events, random.Random(11))
    incremental = snapshot(any_storage)
    figures = [reporting.export("network", None, period, "json") for period in ("2026", "2025-06")]
    figures += [reporting.pcb_report(year, format=form) for year in (2025, 2026) for form in ("json", "csv")]
    assert len(incremental[0]) > 1000 and len(incremental[1]) > 300 and len(incremental[3]) > 50
    cells = {row[3] for row in incremental[0]}
    assert {"agents.employed", "training.work_hours", "exits.total", "outbound.attempts", "follow_ups.open_at_end",
            "referrals.answered", "budget.open_at_end", "budget.accompanied", "budget.staff_trained",
            "budget.staff_training_hours", "overindebtedness.admissible"} <= cells
    assert {row[3] for row in incremental[2]} >= {"follow_ups.median_days_to_close", "referrals.median_days_to_answer",
                                                  "budget.median_days_open",
                                                  "overindebtedness.median_days_to_admissibility"}
    assert {row[1].split(":")[0] for row in incremental[3]} >= {"dossier", "budget_training"}
    # when every aggregate is rebuilt from the store, in one batch and in many small ones
    assert reporting.rebuild()["events"] == 600
    assert snapshot(any_storage) == incremental
    with any_storage.unit_of_work() as uow:
        assert store.rebuild(uow.session, batch_size=37)[0] == 600
    # then every aggregate, visitor set, day count, subject and figure is what the events gave one by one
    assert snapshot(any_storage) == incremental
    assert [reporting.export("network", None, period, "json") for period in ("2026", "2025-06")] + [
        reporting.pcb_report(year, format=form) for year in (2025, 2026) for form in ("json", "csv")] == figures


def test_the_store_keeps_every_applied_event_in_order_without_personal_fields(storage, reporting):
    events = [visit_closed(at(2026, 5, 1)), workshop_held(at(2026, 5, 2).date())]
    for event in events:
        apply(reporting, event)
    with storage.engine.connect() as conn:
        rows = conn.execute(select(applied_events).order_by(applied_events.c.seq)).all()
    assert [r.event_id for r in rows] == [e.event_id for e in events]
    assert [r.type for r in rows] == ["accueil.visit_closed", "accueil.workshop_held"]


def test_a_new_indicator_is_back_filled_by_replaying_the_store(storage, monkeypatch):
    # given reporting once had no acts indicator, and closed October with it
    current = PROJECTORS[("accueil.visit_closed", 1)]

    def without_acts(fact):
        contribution = current(fact)
        for cell in [c for c in contribution.counts if c.startswith("acts.")]:
            del contribution.counts[cell]
        return contribution

    monkeypatch.setitem(PROJECTORS, ("accueil.visit_closed", 1), without_acts)
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for day in range(1, 8):
        apply(reporting, visit_closed(at(2026, 10, day), acts=["advice", "letter"]))
    reporting.close_period("2026-10")
    assert reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]["acts"]["total"] == 0
    # when the indicator exists and the store is replayed
    monkeypatch.setitem(PROJECTORS, ("accueil.visit_closed", 1), current)
    reporting.rebuild()
    # then past months have it, and the next close publishes them again with it
    assert reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]["acts"]["total"] == 14
    assert reporting.close_period("2026-10")["published"] == [
        {"association_id": "pimms-lyon", "period": "2026-10", "revision": 2},
        {"association_id": "pimms-lyon", "period": "2026", "revision": 2}]
    latest = [e for e in published(storage) if e.payload["revision"] == 2 and e.pimms_id is None]
    assert latest[0].payload["figures"]["acts"]["total"] == 14


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_rebuild_of_an_empty_store_leaves_empty_figures(storage, reporting, batch_size):
    with storage.unit_of_work() as uow:
        assert store.rebuild(uow.session, batch_size=batch_size)[0] == 0
    assert snapshot(storage) == EMPTY
