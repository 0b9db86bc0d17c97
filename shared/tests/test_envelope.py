"""The envelope is validated on publish and on consume; a bad event names what is wrong."""
import datetime as dt
import uuid

import pytest
from marshmallow import ValidationError

import shared.contracts.accueil  # noqa: F401  (registers accueil's event schemas)
from shared import envelope

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def workshop_payload(**changes):
    payload = {"workshop_id": uuid.uuid4(), "agent_id": "agent-1", "theme": "digital", "partner": None,
               "held_on": NOW.date(), "attendees": 12, "duration_min": 90, "registres": ["collective"]}
    payload.update(changes)
    return payload


def test_a_built_event_loads_back_to_the_same_values():
    doc = envelope.build("accueil.workshop_held", workshop_payload(), association_id="pimms-lyon",
                         pimms_id="lyon-8", occurred_at=NOW)
    event = envelope.load(doc)
    assert event.type == "accueil.workshop_held" and event.version == 1
    assert event.occurred_at == NOW
    assert event.payload["attendees"] == 12 and event.payload["held_on"] == NOW.date()
    assert event.source == "accueil"


def test_publishing_an_invalid_payload_names_the_field():
    with pytest.raises(ValidationError) as exc:
        envelope.build("accueil.workshop_held", workshop_payload(attendees=0), association_id="a", pimms_id="p")
    assert "attendees" in exc.value.messages["payload"]


def test_an_unknown_event_type_is_refused():
    with pytest.raises(ValidationError) as exc:
        envelope.build("accueil.nothing", {}, association_id="a", pimms_id="p")
    assert "type" in exc.value.messages


@pytest.mark.parametrize("change, field", [
    ({"occurred_at": "2026-11-23T10:00:00"}, "occurred_at"),  # no time zone
    ({"event_id": "not-a-uuid"}, "event_id"),
    ({"version": "1"}, "version"),
    ({"association_id": "Lyon Nord!"}, "association_id"),
    ({"extra": 1}, "extra"),
])
def test_a_received_envelope_breaking_a_rule_is_refused(change, field):
    doc = envelope.build("accueil.workshop_held", workshop_payload(), association_id="a", pimms_id="p")
    doc.update(change)
    with pytest.raises(ValidationError) as exc:
        envelope.load(doc)
    assert field in exc.value.messages


def test_a_received_payload_with_an_unknown_field_is_refused():
    doc = envelope.build("accueil.workshop_held", workshop_payload(), association_id="a", pimms_id="p")
    doc["payload"]["first_name"] = "Jeanne"
    with pytest.raises(ValidationError) as exc:
        envelope.load(doc)
    assert "first_name" in exc.value.messages["payload"]


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError):
        envelope.load(["not", "an", "event"])


@pytest.mark.parametrize("ids, field", [
    ({"association_id": "Lyon Nord", "pimms_id": "p"}, "association_id"),
    ({"association_id": None, "pimms_id": "p"}, "association_id"),
    ({"association_id": "a", "pimms_id": 8}, "pimms_id"),
])
def test_publishing_with_a_bad_association_or_desk_is_refused(ids, field):
    with pytest.raises(ValidationError) as exc:
        envelope.build("accueil.workshop_held", workshop_payload(), **ids)
    assert field in exc.value.messages


def test_publishing_with_a_naive_time_is_refused():
    with pytest.raises(ValidationError) as exc:
        envelope.build("accueil.workshop_held", workshop_payload(), association_id="a", pimms_id="p",
                       occurred_at=dt.datetime(2026, 11, 23, 10, 0))
    assert "occurred_at" in exc.value.messages
