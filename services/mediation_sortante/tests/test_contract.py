"""A campaign opens only under the association's franchise contract, as médiation sortante's own copy of
the terms says: an outbound mandate for the desk and a convention in force with the partner. The franchise
service is not involved (not even running)."""
import datetime as dt

import pytest

from services.mediation_sortante.models import Campaign
from services.mediation_sortante.tests.conftest import make_service
from shared.errors import ContractViolation
from shared.tables import outbox
from tests import kit
from tests.kit import count

TODAY = dt.datetime.now(dt.timezone.utc).date()
TERMS = {
    "pimms_ids": ["lyon-8"], "mandates": ["accueil", "mediation_sortante"],
    "conventions": [
        {"partner": "edf", "scope": ["accueil", "mediation_sortante"], "valid_from": dt.date(2025, 1, 1),
         "valid_to": None},
        {"partner": "engie", "scope": ["mediation_sortante"], "valid_from": dt.date(2025, 1, 1),
         "valid_to": dt.date(2025, 12, 31)},
        {"partner": "sncf", "scope": ["accueil"], "valid_from": dt.date(2025, 1, 1), "valid_to": None},
    ],
}


def contract(revision=1, **changes):
    return kit.contract_changed(revision, **{**TERMS, **changes})


@pytest.fixture
def enforcing(storage):
    return make_service(storage, CONTRACT_ENFORCEMENT=True)


def sign(storage, event):
    return kit.apply_contract(storage, "mediation_sortante", event)


def open_for(service, partner, pimms_id="lyon-8", day=TODAY):
    opened_at = dt.datetime.combine(day, dt.time(0, 1), tzinfo=dt.timezone.utc).isoformat()
    return service.open_campaign({"pimms_id": pimms_id, "partner": partner, "opened_at": opened_at})


def test_without_any_contract_received_no_campaign_opens(enforcing, storage):
    with pytest.raises(ContractViolation) as exc:
        open_for(enforcing, "edf")
    assert exc.value.rule == "no_contract"
    assert count(storage, Campaign) == 0


@pytest.mark.parametrize("terms, partner, pimms_id, day, rule", [
    ({}, "edf", "lyon-8", TODAY, None),
    ({}, "engie", "lyon-8", dt.date(2025, 6, 1), None),                   # in force on the day it opened
    ({}, "veolia", "lyon-8", TODAY, "no_convention"),                     # no convention with that partner
    ({}, "engie", "lyon-8", TODAY, "no_convention"),                      # its convention ended in 2025
    ({}, "sncf", "lyon-8", TODAY, "no_convention"),                       # convention for the desk only
    ({"mandates": ["accueil"]}, "edf", "lyon-8", TODAY, "outside_mandate"),  # no outbound mandate
    ({}, "edf", "paris-20", TODAY, "desk_not_covered"),
    ({"status": "suspended"}, "edf", "lyon-8", TODAY, "association_suspended"),
])
def test_the_contract_terms_decide_whether_a_campaign_opens(enforcing, storage, terms, partner, pimms_id, day, rule):
    sign(storage, contract(**terms))
    if rule is None:
        assert open_for(enforcing, partner, pimms_id, day)["status"] == "open"
        assert count(storage, outbox) == 1
    else:
        with pytest.raises(ContractViolation) as exc:
            open_for(enforcing, partner, pimms_id, day)
        assert exc.value.rule == rule
        assert count(storage, Campaign) == 0 and count(storage, outbox) == 0


def test_a_newer_contract_revision_takes_effect(enforcing, storage):
    sign(storage, contract(revision=1, mandates=["accueil"]))
    with pytest.raises(ContractViolation):
        open_for(enforcing, "edf")
    sign(storage, contract(revision=2))
    assert open_for(enforcing, "edf")["status"] == "open"
