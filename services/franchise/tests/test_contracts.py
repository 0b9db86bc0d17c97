"""Franchise's contract rules, called through the service class with a real database and no broker: what
head office may sign and change, the full terms every change publishes, and the typed error of every bad
request, which stores nothing."""
import datetime as dt

import pytest

from services.franchise.models import Contract, ContractRevision
from services.franchise.service import MIGRATIONS
from services.franchise.tests.support import TODAY, YEAR_AGO, contract, register, worker
from shared.contract_terms import Terms
from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound
from shared.tables import outbox
from tests.kit import count, published_events

NEXT_YEAR = (TODAY + dt.timedelta(days=365)).isoformat()


@pytest.fixture
def franchise(storage):
    service = worker(storage)
    register(service)
    register(service, "pimms-paris", desks=("paris-20",))
    return service


def changes(storage):
    return [(e.payload["revision"], e.payload["status"])
            for e in published_events(storage, "franchise.contract_changed")]


def test_signing_publishes_the_full_terms_as_revision_1(franchise, storage):
    signed = franchise.sign_contract(contract(training_floor_pct=10))
    [event] = published_events(storage, "franchise.contract_changed")
    assert event.association_id == "pimms-lyon" and event.pimms_id is None
    assert event.payload["revision"] == 1 and event.payload["status"] == "active"
    assert event.payload["pimms_ids"] == ["lyon-8", "lyon-9"]
    assert event.payload["mandates"] == ["accueil", "ateliers", "mediation_sortante"]
    assert [c["partner"] for c in event.payload["conventions"]] == ["edf", "sncf"]
    assert event.payload["training_floor_pct"] == 10.0 and event.payload["valid_from"] == YEAR_AGO
    assert str(event.payload["contract_id"]) == signed["contract_id"]
    assert signed["terms"]["covered_since"] == {"lyon-8": YEAR_AGO.isoformat(), "lyon-9": YEAR_AGO.isoformat()}


def test_the_training_floor_is_9_percent_by_default(franchise):
    assert franchise.sign_contract(contract())["terms"]["training_floor_pct"] == 9.0


def test_every_change_publishes_the_next_revision_and_is_kept_in_the_history(franchise, storage):
    first = franchise.sign_contract(contract())
    franchise.amend_contract({"association_id": "pimms-lyon", "training_floor_pct": 12})
    franchise.suspend({"association_id": "pimms-lyon", "note": "figures not sent for 3 months"})
    franchise.reinstate({"association_id": "pimms-lyon"})
    franchise.terminate({"association_id": "pimms-lyon"})
    second = franchise.sign_contract(contract(mandates=["accueil"], conventions=[]))
    assert changes(storage) == [(1, "active"), (2, "active"), (3, "suspended"), (4, "active"),
                                (5, "terminated"), (6, "active")]
    history = franchise.contract_history("pimms-lyon")
    assert [h["change"] for h in history] == ["signed", "amended", "suspended", "reinstated", "terminated", "signed"]
    assert history[1]["terms"]["training_floor_pct"] == 12.0 and history[2]["note"] == "figures not sent for 3 months"
    # a contract signed after a termination is a new contract, continuing the association's revisions
    assert second["contract_id"] != first["contract_id"] and second["revision"] == 6
    assert franchise.get_contract("pimms-lyon")["terms"]["mandates"] == ["accueil"]


def test_an_amendment_replaces_the_terms_it_names_and_keeps_the_others(franchise, storage):
    franchise.sign_contract(contract())
    amended = franchise.amend_contract({"association_id": "pimms-lyon", "conventions": [
        {"partner": "veolia", "scope": ["mediation_sortante"], "valid_from": TODAY.isoformat()}]})
    assert [c["partner"] for c in amended["terms"]["conventions"]] == ["veolia"]
    assert amended["terms"]["pimms_ids"] == ["lyon-8", "lyon-9"] and amended["revision"] == 2
    [_, event] = published_events(storage, "franchise.contract_changed")
    assert [c["partner"] for c in event.payload["conventions"]] == ["veolia"]
    assert event.payload["mandates"] == ["accueil", "ateliers", "mediation_sortante"]


def test_an_amendment_that_changes_nothing_publishes_nothing(franchise, storage):
    franchise.sign_contract(contract())
    same = franchise.amend_contract({"association_id": "pimms-lyon", "mandates": ["mediation_sortante", "accueil",
                                                                                  "ateliers"]})
    assert same["revision"] == 1 and changes(storage) == [(1, "active")]


def test_a_desk_added_to_a_running_contract_is_covered_from_that_day(franchise):
    franchise.register_desk({"pimms_id": "lyon-7", "association_id": "pimms-lyon", "label": "Lyon 7e"})
    franchise.sign_contract(contract())
    amended = franchise.amend_contract({"association_id": "pimms-lyon", "pimms_ids": ["lyon-8", "lyon-7"]})
    assert amended["terms"]["covered_since"] == {"lyon-7": TODAY.isoformat(), "lyon-8": YEAR_AGO.isoformat()}


def test_one_partner_may_have_consecutive_conventions(franchise):
    signed = franchise.sign_contract(contract(conventions=[
        {"partner": "edf", "scope": ["accueil"], "valid_from": "2024-01-01", "valid_to": "2024-12-31"},
        {"partner": "edf", "scope": ["accueil", "ateliers"], "valid_from": "2025-01-01"},
    ]))
    assert len(signed["terms"]["conventions"]) == 2


EDF = {"partner": "edf", "scope": ["accueil"], "valid_from": "2025-01-01"}


@pytest.mark.parametrize("changes, field, rule", [
    ({"association_id": "pimms-nowhere"}, "association_id", "unknown association"),
    ({"pimms_ids": ["lyon-8", "lyon-10"]}, "pimms_ids", "unknown desk lyon-10"),
    ({"pimms_ids": ["paris-20"]}, "pimms_ids", "belongs to association pimms-paris"),
    ({"pimms_ids": ["lyon-8", "lyon-8"]}, "pimms_ids", "listed twice"),
    ({"pimms_ids": []}, "pimms_ids", "Shorter than minimum"),
    ({"pimms_ids": ["Lyon 8e"]}, "pimms_ids", "lower-case code"),
    ({"mandates": ["accueil", "astrologie"]}, "mandates", "must be one of"),
    ({"mandates": ["accueil", "accueil"]}, "mandates", "listed twice"),
    ({"conventions": [EDF, {**EDF, "valid_from": "2025-06-01", "valid_to": "2026-06-01"}]},
     "conventions", "overlaps convention 0 with the same partner (edf)"),
    ({"conventions": [{**EDF, "valid_to": "2024-12-31"}]}, "conventions", "must not be before valid_from"),
    ({"conventions": [{**EDF, "scope": ["point_conseil_budget"]}]}, "conventions", "outside the contract's mandates"),
    ({"conventions": [{**EDF, "partner": "acme"}]}, "conventions", "must be one of"),
    ({"valid_to": "2020-01-01"}, "valid_to", "must not be before valid_from"),
    ({"training_floor_pct": 101}, "training_floor_pct", "between 0 and 100"),
    ({"training_floor_pct": -0.5}, "training_floor_pct", "between 0 and 100"),
    ({"training_floor_pct": "nine"}, "training_floor_pct", "number"),
    ({"valid_from": None}, "valid_from", "null"),
    ({"colour": "blue"}, "colour", "Unknown field"),
])
def test_a_bad_contract_is_refused_naming_the_field_and_the_rule_and_nothing_is_stored(
        franchise, storage, changes, field, rule):
    with pytest.raises(InvalidRequest) as exc:
        franchise.sign_contract(contract(**changes))
    assert field in exc.value.errors and rule in str(exc.value)
    assert count(storage, Contract) == 0 and count(storage, ContractRevision) == 0 and count(storage, outbox) == 0


def test_an_amendment_is_checked_as_a_whole_and_a_refused_one_changes_nothing(franchise, storage):
    franchise.sign_contract(contract())
    # dropping ateliers from the mandate would leave edf's convention covering an activity outside it
    with pytest.raises(InvalidRequest) as exc:
        franchise.amend_contract({"association_id": "pimms-lyon", "mandates": ["accueil"]})
    assert "conventions" in exc.value.errors and "outside the contract's mandates" in str(exc.value)
    with pytest.raises(InvalidRequest) as exc:
        franchise.amend_contract({"association_id": "pimms-lyon", "valid_to": "2000-01-01"})
    assert "valid_to" in exc.value.errors
    with pytest.raises(InvalidRequest) as exc:
        franchise.amend_contract({"association_id": "pimms-lyon"})
    assert "_request" in exc.value.errors
    assert franchise.get_contract("pimms-lyon")["revision"] == 1 and changes(storage) == [(1, "active")]


@pytest.mark.parametrize("steps, refused, error", [
    (["sign"], "sign", Conflict),
    (["sign", "terminate"], "amend", Conflict),
    (["sign", "terminate"], "terminate", Conflict),
    (["sign", "terminate"], "reinstate", Conflict),
    (["sign", "terminate"], "suspend", Conflict),
    (["sign", "suspend"], "suspend", Conflict),
    (["sign"], "reinstate", Conflict),
    ([], "amend", NotFound),
    ([], "suspend", NotFound),
])
def test_a_change_the_contracts_status_forbids_is_refused_and_publishes_nothing(
        franchise, storage, steps, refused, error):
    calls = {
        "sign": lambda: franchise.sign_contract(contract()),
        "amend": lambda: franchise.amend_contract({"association_id": "pimms-lyon", "training_floor_pct": 15}),
        "suspend": lambda: franchise.suspend({"association_id": "pimms-lyon"}),
        "reinstate": lambda: franchise.reinstate({"association_id": "pimms-lyon"}),
        "terminate": lambda: franchise.terminate({"association_id": "pimms-lyon"}),
    }
    for step in steps:
        calls[step]()
    before = changes(storage)
    with pytest.raises(error):
        calls[refused]()
    assert changes(storage) == before


def test_an_unknown_association_has_no_contract(franchise):
    with pytest.raises(NotFound):
        franchise.get_contract("pimms-nowhere")
    with pytest.raises(NotFound):
        franchise.contract_history("pimms-lyon")  # registered, never signed


def test_registering_twice_is_harmless_but_not_under_another_label(franchise):
    assert franchise.register_association({"association_id": "pimms-lyon", "label": "PIMMS pimms-lyon"})
    with pytest.raises(Conflict):
        franchise.register_association({"association_id": "pimms-lyon", "label": "PIMMS Lyon Métropole"})
    with pytest.raises(Conflict):
        franchise.register_desk({"pimms_id": "lyon-8", "association_id": "pimms-paris", "label": "lyon-8"})
    with pytest.raises(InvalidRequest) as exc:
        franchise.register_desk({"pimms_id": "nice-1", "association_id": "pimms-nice", "label": "Nice"})
    assert "association_id" in exc.value.errors


# -- the published terms are what the services enforce ----------------------------------------------------
def terms_as_received(storage):
    event = published_events(storage, "franchise.contract_changed")[-1]
    return Terms.from_payload(event.association_id, event.payload)


@pytest.mark.parametrize("activity, pimms_id, partner, on, rule", [
    ("accueil", "lyon-8", None, TODAY, None),
    ("accueil", "lyon-9", "edf", TODAY, None),
    ("ateliers", "lyon-8", "edf", TODAY, None),
    ("ateliers", "lyon-8", "sncf", TODAY, "no_convention"),      # sncf's convention is for accueil only
    ("accueil", "lyon-8", "veolia", TODAY, "no_convention"),
    ("accueil", "lyon-8", "sncf", TODAY + dt.timedelta(days=400), "no_convention"),  # after its end
    ("point_conseil_budget", "lyon-8", None, TODAY, "outside_mandate"),
    ("accueil", "paris-20", None, TODAY, "desk_not_covered"),
    ("accueil", "lyon-8", None, YEAR_AGO - dt.timedelta(days=1), "contract_not_in_force"),
])
def test_the_published_terms_decide_what_a_service_allows(franchise, storage, activity, pimms_id, partner, on, rule):
    franchise.sign_contract(contract())
    terms = terms_as_received(storage)
    if rule is None:
        terms.check(activity, pimms_id=pimms_id, on=on, partner=partner)
    else:
        with pytest.raises(ContractViolation) as exc:
            terms.check(activity, pimms_id=pimms_id, on=on, partner=partner)
        assert exc.value.rule == rule


@pytest.mark.parametrize("change, rule", [("suspend", "association_suspended"), ("terminate", "contract_terminated")])
def test_a_suspension_or_termination_reaches_the_services_terms(franchise, storage, change, rule):
    franchise.sign_contract(contract())
    getattr(franchise, change)({"association_id": "pimms-lyon"})
    with pytest.raises(ContractViolation) as exc:
        terms_as_received(storage).check("accueil", pimms_id="lyon-8", on=TODAY)
    assert exc.value.rule == rule


def test_the_lifecycle_holds_on_sqlite_and_postgresql(db_url, migrated_storage):
    store = migrated_storage(MIGRATIONS, "union-nationale", url=db_url)
    franchise = worker(store)
    register(franchise)
    franchise.sign_contract(contract())
    franchise.amend_contract({"association_id": "pimms-lyon", "pimms_ids": ["lyon-8"], "valid_to": NEXT_YEAR})
    franchise.suspend({"association_id": "pimms-lyon"})
    assert changes(store) == [(1, "active"), (2, "active"), (3, "suspended")]
    view = franchise.get_contract("pimms-lyon")
    assert view["terms"]["pimms_ids"] == ["lyon-8"] and view["terms"]["valid_to"] == NEXT_YEAR
    assert [h["revision"] for h in franchise.contract_history("pimms-lyon")] == [1, 2, 3]
