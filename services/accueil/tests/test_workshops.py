"""Workshop sessions (issue 20), through accueil's RPC on a real database: a session planned with a capacity,
people registered by name (with consent to follow_up) or anonymously with a slip, a full session refusing one
more, attendance marked from the start on, and a close that publishes workshop_held v2 once, whose visitor
references make a person seen at the desk and at a workshop count once; no person in the event."""
import datetime as dt

import pytest

from services.accueil.tests.conftest import AGENT, make_accueil
from services.accueil.tests.test_citizens import AGENT_9, named_visit
from shared import envelope
from shared.db import utcnow
from shared.errors import Conflict, InvalidRequest, NotFound
from tests import kit


def started(minutes=30):
    return (utcnow() - dt.timedelta(minutes=minutes)).isoformat()


def plan(accueil, starts_at=None, capacity=3, pimms_id="lyon-8", **more):
    return accueil.plan_workshop({"pimms_id": pimms_id, "agent_id": "a1", "theme": "digital",
                                  "starts_at": starts_at or started(), "duration_min": 90, "capacity": capacity,
                                  "place": "Salle 2", **more})


def register(accueil, workshop, citizen_id=None):
    return accueil.register_to_workshop({"workshop_id": workshop["workshop_id"], "agent_id": "a1",
                                         **({"citizen_id": citizen_id} if citizen_id else {})})


def test_a_planned_session_shows_its_places_left_and_a_full_one_refuses_one_more_naming_its_capacity(storage):
    agent = make_accueil(storage, AGENT)
    workshop = plan(agent, capacity=2, starts_at=(utcnow() + dt.timedelta(days=2)).isoformat())
    first = register(agent, workshop)
    assert first["reference"].startswith("S-") and first["workshop"]["places_left"] == 1
    second = register(agent, workshop)
    assert second["workshop"]["full"] is True and second["workshop"]["places_left"] == 0
    with pytest.raises(Conflict) as full:
        register(agent, workshop)
    assert "capacity is 2" in str(full.value)
    agent.cancel_registration({"workshop_id": workshop["workshop_id"], "registration_id": first["registration_id"]})
    [listed] = agent.list_workshops({"pimms_id": "lyon-8", "from_day": dt.date.today().isoformat()})
    assert (listed["registered"], listed["places_left"], listed["full"]) == (1, 1, False)


def test_naming_a_person_in_a_workshop_needs_their_consent_to_follow_up(storage):
    agent = make_accueil(storage, AGENT)
    _, without = named_visit(agent, purposes=("contact",), last_name="Martin")
    workshop = plan(agent)
    with pytest.raises(InvalidRequest) as refused:
        register(agent, workshop, without)
    assert "purpose follow_up" in refused.value.errors["citizen_id"][0]
    _, citizen_id = named_visit(agent)
    assert register(agent, workshop, citizen_id)["citizen_id"] == citizen_id
    with pytest.raises(Conflict):
        register(agent, workshop, citizen_id)


def test_attendance_is_not_marked_before_the_session_starts(storage):
    agent = make_accueil(storage, AGENT)
    workshop = plan(agent, starts_at=(utcnow() + dt.timedelta(hours=2)).isoformat())
    person = register(agent, workshop)
    with pytest.raises(Conflict) as early:
        agent.mark_attendance({"workshop_id": workshop["workshop_id"], "present": [person["registration_id"]]})
    assert "attendance is marked from its start on" in str(early.value)
    with pytest.raises(Conflict):
        agent.close_workshop({"workshop_id": workshop["workshop_id"]})


def test_closing_publishes_workshop_held_v2_once_with_the_desk_reference_of_a_named_attendee(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent)
    desk_ref = visit["participants"][0]["visitor_ref"]
    workshop = plan(agent, capacity=3)
    named, anonymous, absent = (register(agent, workshop, citizen_id), register(agent, workshop),
                                register(agent, workshop))
    marked = agent.mark_attendance({"workshop_id": workshop["workshop_id"],
                                    "present": [named["registration_id"], anonymous["registration_id"]],
                                    "walk_ins": 2})
    assert marked["attendees"] == 4 and marked["registered"] == 3
    closed = agent.close_workshop({"workshop_id": workshop["workshop_id"]})
    again = agent.close_workshop({"workshop_id": workshop["workshop_id"]})  # a retry without its key
    assert closed["status"] == again["status"] == "held"
    [event] = kit.published(storage, "accueil.workshop_held")
    assert event["version"] == 2
    payload = event["payload"]
    assert (payload["attendees"], payload["registrations"], payload["registrations_attended"],
            payload["capacity"]) == (4, 3, 2, 3)
    assert desk_ref in payload["visitors"] and len(set(payload["visitors"])) == 4
    assert not {"citizen_id", "reference", "place"} & set(payload) and "S-" not in str(payload)
    assert "Salle" not in str(payload) and "Diallo" not in str(event)
    assert absent["registration_id"] not in [r["registration_id"] for r in closed["registrations"] if r["present"]]
    with pytest.raises(Conflict):
        register(agent, workshop)
    assert agent.desk_figures("lyon-8")["workshops"] == 1


def test_a_session_nobody_attended_is_not_closed_but_can_be_cancelled(storage):
    agent = make_accueil(storage, AGENT)
    workshop = plan(agent)
    with pytest.raises(Conflict) as empty:
        agent.close_workshop({"workshop_id": workshop["workshop_id"]})
    assert "cancel" in str(empty.value)
    assert agent.cancel_workshop({"workshop_id": workshop["workshop_id"]})["status"] == "cancelled"
    assert kit.published(storage, "accueil.workshop_held") == []


def test_another_desks_session_reads_as_none(storage):
    workshop = plan(make_accueil(storage, AGENT))
    other = make_accueil(storage, AGENT_9)
    with pytest.raises(NotFound):
        other.get_workshop(workshop["workshop_id"])
    with pytest.raises(NotFound):
        register(other, workshop)


def test_a_persons_registrations_are_in_their_export_and_unlinked_by_erasure(storage):
    manager = make_accueil(storage)
    _, citizen_id = named_visit(manager)
    workshop = plan(manager)
    register(manager, workshop, citizen_id)
    [entry] = manager.export_citizen(citizen_id)["workshops"]
    assert (entry["workshop_id"], entry["theme"], entry["status"]) == (workshop["workshop_id"], "digital", "registered")
    manager.erase_citizen({"citizen_id": citizen_id})
    [kept] = manager.get_workshop(workshop["workshop_id"])["registrations"]
    assert kept["citizen_id"] is None and kept["named"] is False


def test_the_legacy_head_count_publishes_v2_with_one_anonymous_reference_per_attendee(storage):
    agent = make_accueil(storage, AGENT)
    agent.record_workshop({"pimms_id": "lyon-8", "agent_id": "a1", "theme": "budget", "attendees": 7,
                           "held_on": dt.date.today().isoformat(), "duration_min": 60, "registres": ["collective"]})
    [event] = kit.published(storage, "accueil.workshop_held")
    assert event["version"] == 2 and len(set(event["payload"]["visitors"])) == 7
    assert (event["payload"]["registrations"], event["payload"]["capacity"]) == (0, None)


def test_a_v1_event_is_upcast_to_v2_with_stable_anonymous_references():
    v1 = envelope.build("accueil.workshop_held", {
        "workshop_id": "7a1e0a4e-3c0e-4a57-9d3f-0e6f1d1f0b11", "agent_id": "a1", "theme": "digital",
        "partner": None, "held_on": dt.date(2026, 5, 4), "attendees": 3, "duration_min": 60,
        "registres": ["collective"]}, association_id="pimms-lyon", pimms_id="lyon-8")
    first, second = envelope.upcast(envelope.load(v1)), envelope.upcast(envelope.load(v1))
    assert first.version == 2 and first.payload["attendees"] == 3 and first.payload["capacity"] is None
    assert first.wire["visitors"] == second.wire["visitors"] and len(set(first.wire["visitors"])) == 3
    assert first.wire["held_on"] == "2026-05-04" and first.payload["registrations"] == 0
