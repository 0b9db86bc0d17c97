"""Projectors: how one event folds into figure cells, without a database."""
import datetime as dt

import pytest
from marshmallow import fields

from services.reporting import figures as F
from services.reporting.domain import UnknownCell, fold
from services.reporting.projectors import PROJECTORS, Fact, UnknownEvent, measured_sections, project
from services.reporting.schemas import FiguresSchema
from shared.envelope import payload_schema
from services.reporting.tests.events import at, random_events, ref, visit_closed, workshop_held


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
    assert dict(contribution.counts) == {"workshops.sessions": 1, "workshops.attendees": 9,
                                         "workshops.by_theme.budget.sessions": 1,
                                         "workshops.by_theme.budget.attendees": 9, "registres.collective": 1}


def test_an_event_without_a_projector_is_refused():
    with pytest.raises(UnknownEvent):
        project(Fact("formation.agent_hired", 1, at(2026, 1, 1), "pimms-lyon", None, {}))


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


def test_the_sections_fed_today_are_accueils_and_the_others_wait_for_their_events():
    assert measured_sections() == {"people", "visits", "acts", "durations", "workshops", "registres"}
    assert set(F.SECTIONS) - measured_sections() == {"outbound", "agents", "training", "exits"}


def test_every_figure_cell_is_a_bounded_number():
    for cell in F.CELLS:
        assert cell.kind in ("count", "distinct", "tally", "measure", "derived", "structure"), cell.path
    def leaves(schema):
        for name, field in schema.fields.items():
            if isinstance(field, fields.Nested):
                yield from leaves(field.schema)
            else:
                yield name, field
    for name, field in leaves(FiguresSchema()):
        assert isinstance(field, (fields.Integer, fields.Float)) and field.validators, name
