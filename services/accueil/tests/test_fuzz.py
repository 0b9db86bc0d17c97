"""Fuzzing accueil's RPC: random and malformed requests never crash the service, always get a typed error,
and never store half a record."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.accueil.models import Act, Citizen, Participant, Visit, Workshop
from shared.tables import outbox
from tests.fuzz import TYPED_ERRORS, broken, json_values
from tests.kit import counts

YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
OPEN = {"pimms_id": "lyon-8", "agent_id": "agent-1", "waiting_min": 5,
        "motif": {"kind": "partenaire", "partner": "edf"},
        "participants": [{"gender": "female", "age_band": "26_40", "commune": "69388", "first_visit": True},
                         {"citizen": {"first_name": "Awa", "last_name": "Diallo", "phone": "+33 6 12 34 56 78",
                                      "email": "awa@example.org",
                                      "consent": {"given_at": "2026-11-22T09:00:00+00:00", "channel": "oral",
                                                  "purposes": ["follow_up"]}}}]}
WORKSHOP = {"pimms_id": "lyon-8", "agent_id": "a", "theme": "digital", "partner": "edf", "held_on": YESTERDAY,
            "attendees": 5, "duration_min": 60, "registres": ["collective"]}
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def snapshot(storage):
    return counts(storage, Visit, Participant, Citizen, Act, Workshop, outbox)


def call(method, request, storage):
    before = snapshot(storage)
    try:
        method(request)
    except TYPED_ERRORS:
        assert snapshot(storage) == before, "a refused request stored something"


@SETTINGS
@given(st.one_of(broken(OPEN), json_values))
def test_open_visit_survives_anything(accueil, storage, request_):
    call(accueil.open_visit, request_, storage)


@SETTINGS
@given(broken(WORKSHOP))
def test_record_workshop_survives_anything(accueil, storage, request_):
    call(accueil.record_workshop, request_, storage)


@pytest.fixture
def open_visit_id(accueil):
    visit = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a", "motif": {"kind": "generaliste",
                                                                                 "domain": "caf"}})
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "advice"})
    return visit["visit_id"]


@SETTINGS
@given(data=st.data())
def test_adding_acts_and_closing_survive_anything(accueil, storage, open_visit_id, data):
    act = data.draw(broken({"visit_id": open_visit_id, "kind": "letter", "partner": "caf"}))
    call(accueil.add_act, act, storage)
    close = data.draw(broken({"visit_id": open_visit_id, "registres": ["understanding"], "outcome": "resolved",
                              "duration_min": 20}))
    call(accueil.close_visit, close, storage)


@SETTINGS
@given(st.one_of(json_values, broken({"pimms_id": "lyon-8", "day": YESTERDAY, "status": "open", "limit": 5})))
def test_listing_survives_anything(accueil, storage, request_):
    call(accueil.list_visits, request_, storage)
