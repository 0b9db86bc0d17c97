"""Whatever arrives on the bus, loading it either gives a valid Event or raises ValidationError with reasons:
never another exception (which would kill the consumer instead of dead-lettering the message)."""
import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from shared import contracts, envelope
from tests.fuzz import broken, json_values

contracts.load_all()  # every event schema registered

WORKSHOP = envelope.build("accueil.workshop_held", {
    "workshop_id": uuid.uuid4(), "agent_id": "a1", "theme": "digital", "partner": "edf",
    "held_on": dt.date(2026, 11, 2), "attendees": 5, "duration_min": 60, "registres": ["inform", "collective"],
}, association_id="pimms-lyon", pimms_id="lyon-8")


def load_or_refuse(doc):
    try:
        event = envelope.load(doc)
    except ValidationError as exc:
        assert exc.messages  # a reason is always given
        return None
    assert event.type in {t for t, _ in envelope.EVENTS}
    return event


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_arbitrary_json_is_loaded_or_refused_with_reasons(doc):
    load_or_refuse(doc)


@settings(max_examples=200, deadline=None)
@given(broken(WORKSHOP))
def test_a_valid_event_with_one_part_broken_is_loaded_or_refused_with_reasons(doc):
    load_or_refuse(doc)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(envelope.EVENTS)), st.dictionaries(st.text(max_size=15), json_values, max_size=8))
def test_any_payload_for_any_event_type_is_loaded_or_refused(key, payload):
    event_type, version = key
    load_or_refuse({**WORKSHOP, "type": event_type, "version": version, "payload": payload})
