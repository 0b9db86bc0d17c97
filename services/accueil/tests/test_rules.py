"""Accueil's rules, called through the service class with a real SQLite database and no broker
(nameko's worker_factory): what a desk may record, and the typed error it gets otherwise."""

import pytest

from services.accueil.models import Citizen, Visit, Workshop
from shared import localtime
from shared.errors import Conflict, InvalidRequest, NotFound
from shared.tables import outbox
from tests.kit import count

CONSENT = {"given_at": "2026-11-23T09:00:00+00:00", "channel": "oral", "purposes": ["follow_up"]}


def open_visit(accueil, **changes):
    request = {"pimms_id": "lyon-8", "agent_id": "agent-1", "motif": {"kind": "partenaire", "partner": "edf"}}
    request.update(changes)
    return accueil.open_visit(request)


def closed_visit(accueil, **changes):
    visit = open_visit(accueil, **changes)
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
    return accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved"})


def test_a_visit_opens_with_one_anonymous_person_by_default(accueil):
    visit = open_visit(accueil)
    assert visit["status"] == "open"
    assert [p["named"] for p in visit["participants"]] == [False]
    assert visit["participants"][0]["first_visit"] is True


def test_closing_a_visit_records_its_acts_and_puts_one_event_in_the_outbox(accueil, storage):
    visit = open_visit(accueil, waiting_min=12)
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "referral", "partner": "caf"})
    closed = accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding", "referral"],
                                  "outcome": "referred", "duration_min": 25})
    assert closed["status"] == "closed" and closed["duration_min"] == 25
    assert [a["kind"] for a in closed["acts"]] == ["explanation", "referral"]
    assert count(storage, outbox) == 1


def test_a_named_citizen_keeps_one_visitor_ref_and_is_a_first_visit_only_once(accueil, storage):
    first = open_visit(accueil, participants=[{"citizen": {"first_name": "Awa", "last_name": "Diallo",
                                                           "consent": CONSENT}}])
    citizen_id = 1
    again = open_visit(accueil, participants=[{"citizen": {"citizen_id": citizen_id}}])
    assert first["participants"][0]["visitor_ref"] == again["participants"][0]["visitor_ref"]
    assert [first["participants"][0]["first_visit"], again["participants"][0]["first_visit"]] == [True, False]
    assert count(storage, Citizen) == 1


def test_anonymous_people_get_distinct_visitor_refs(accueil):
    visit = open_visit(accueil, participants=[{"gender": "female"}, {"age_band": "61_75", "commune": "69388"}])
    refs = {p["visitor_ref"] for p in visit["participants"]}
    assert len(refs) == 2


def test_a_workshop_is_recorded_with_an_event(accueil, storage):
    workshop = accueil.record_workshop({"pimms_id": "lyon-8", "agent_id": "agent-2", "theme": "digital",
                                        "held_on": "2026-11-20", "attendees": 14, "duration_min": 120,
                                        "registres": ["collective", "inform"]})
    assert workshop["attendees"] == 14
    assert count(storage, Workshop) == 1 and count(storage, outbox) == 1


@pytest.mark.parametrize("changes, field", [
    ({"motif": {"kind": "guichet"}}, "motif"),
    ({"motif": {"kind": "partenaire"}}, "motif"),
    ({"motif": {"kind": "partenaire", "partner": "acme"}}, "motif"),
    ({"motif": {"kind": "generaliste", "domain": "astrology"}}, "motif"),
    ({"waiting_min": -3}, "waiting_min"),
    ({"waiting_min": "ten"}, "waiting_min"),
    ({"agent_id": None}, "agent_id"),
    ({"pimms_id": "Lyon 8e"}, "pimms_id"),
    ({"participants": []}, "participants"),
    ({"participants": [{"citizen": {"first_name": "Awa", "last_name": "Diallo"}}]}, "participants"),
    ({"participants": [{"commune": "Lyon"}]}, "participants"),
    ({"opened_at": "2099-01-01T10:00:00+00:00"}, "opened_at"),
    ({"colour": "blue"}, "colour"),
])
def test_opening_a_visit_with_bad_input_names_the_field(accueil, storage, changes, field):
    with pytest.raises(InvalidRequest) as exc:
        open_visit(accueil, **changes)
    assert field in exc.value.errors
    assert count(storage, Visit) == 0


def test_a_missing_field_is_named(accueil):
    with pytest.raises(InvalidRequest) as exc:
        accueil.open_visit({"pimms_id": "lyon-8"})
    assert set(exc.value.errors) == {"agent_id", "motif"}


def test_nothing_is_stored_half_when_a_later_participant_is_wrong(accueil, storage):
    with pytest.raises(InvalidRequest):
        open_visit(accueil, participants=[
            {"citizen": {"first_name": "Awa", "last_name": "Diallo", "consent": CONSENT}},
            {"citizen": {"citizen_id": 999}},
        ])
    assert count(storage, Visit) == 0 and count(storage, Citizen) == 0


@pytest.mark.parametrize("request_, field", [
    ({"registres": ["gossip"], "outcome": "resolved"}, "registres"),
    ({"registres": [], "outcome": "resolved"}, "registres"),
    ({"registres": ["presence"], "outcome": "happy"}, "outcome"),
    ({"registres": ["presence"], "outcome": "resolved", "duration_min": -5}, "duration_min"),
    ({"registres": ["presence"], "outcome": "resolved", "closed_at": "2020-01-01T00:00:00+00:00"}, "closed_at"),
])
def test_closing_with_bad_input_names_the_field_and_leaves_the_visit_open(accueil, storage, request_, field):
    visit = open_visit(accueil)
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "advice"})
    with pytest.raises(InvalidRequest) as exc:
        accueil.close_visit({"visit_id": visit["visit_id"], **request_})
    assert field in exc.value.errors
    assert accueil.get_visit(visit["visit_id"])["status"] == "open"
    assert count(storage, outbox) == 0


def test_an_unknown_act_is_refused(accueil):
    visit = open_visit(accueil)
    with pytest.raises(InvalidRequest) as exc:
        accueil.add_act({"visit_id": visit["visit_id"], "kind": "magic"})
    assert "kind" in exc.value.errors


def test_a_visit_without_acts_cannot_close(accueil):
    visit = open_visit(accueil)
    with pytest.raises(InvalidRequest) as exc:
        accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved"})
    assert "acts" in exc.value.errors


def test_closing_a_closed_visit_is_a_conflict_and_publishes_nothing_more(accueil, storage):
    visit = closed_visit(accueil)
    with pytest.raises(Conflict):
        accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved"})
    with pytest.raises(Conflict):
        accueil.add_act({"visit_id": visit["visit_id"], "kind": "advice"})
    assert count(storage, outbox) == 1


def test_an_unknown_visit_is_not_found(accueil):
    with pytest.raises(NotFound):
        accueil.add_act({"visit_id": "7d3c1f4e-1111-4a4a-9b9b-000000000000", "kind": "advice"})


@pytest.mark.parametrize("changes, field", [
    ({"attendees": 0}, "attendees"),
    ({"theme": "cooking"}, "theme"),
    ({"held_on": "2099-01-01"}, "held_on"),
    ({"registres": ["nope"]}, "registres"),
    ({"duration_min": "long"}, "duration_min"),
])
def test_a_workshop_with_bad_input_names_the_field(accueil, storage, changes, field):
    request = {"pimms_id": "lyon-8", "agent_id": "a", "theme": "digital", "held_on": "2026-11-20",
               "attendees": 5, "duration_min": 60, "registres": ["collective"], **changes}
    with pytest.raises(InvalidRequest) as exc:
        accueil.record_workshop(request)
    assert field in exc.value.errors
    assert count(storage, Workshop) == 0


def test_visits_are_listed_per_desk_and_day(accueil):
    closed_visit(accueil)
    open_visit(accueil, pimms_id="lyon-9")
    today = localtime.today(localtime.zone_of({})).isoformat()  # the association's day (Europe/Paris)
    assert len(accueil.list_visits({"pimms_id": "lyon-8", "day": today})) == 1
    assert len(accueil.list_visits({"pimms_id": "lyon-8", "status": "open"})) == 0
    assert accueil.desk_figures("lyon-8") == {"visits": 1, "people": 1, "acts": 1, "workshops": 0, "attendees": 0}

