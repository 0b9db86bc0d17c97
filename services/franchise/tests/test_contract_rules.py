"""Franchise's contract rules as plain functions (contract_rules.py), without a database and without a broker:
who may be registered again, the terms checked whole, what may be signed, amended, suspended, reinstated or
terminated, and the terms every change publishes. The same rules seen through the service, with nothing
stored when they refuse, are in test_contracts.py."""
import datetime as dt
import uuid

import pytest

from services.franchise import contract_rules as rules
from services.franchise.contract_rules import ContractState
from shared import envelope
from shared.contract_terms import Terms
from shared.contracts.franchise import AmendContractRequest, SignContractRequest
from shared.errors import Conflict, InvalidRequest, parse_request

START = dt.date(2025, 1, 1)
OWNERS = {"lyon-8": "pimms-lyon", "lyon-9": "pimms-lyon", "paris-20": "pimms-paris"}
EDF = {"partner": "edf", "scope": ["accueil"], "valid_from": START, "valid_to": None}


def terms(**changes):
    given = {"pimms_ids": ["lyon-9", "lyon-8"], "mandates": ["ateliers", "accueil"], "conventions": [EDF],
             "training_floor_pct": 9, "valid_from": START, "valid_to": None}
    given.update(changes)
    return given


def state(status="active", revision=1, **changes):
    signed = dt.datetime(2025, 1, 2, 9, tzinfo=dt.timezone.utc)
    return ContractState(
        contract_id="6f1c2a8e-4b1e-4c55-9a59-0a1c1f6f1b2d", association_id="pimms-lyon", status=status,
        revision=revision, terms=rules.normalized(terms(**changes)),
        covered_since={"lyon-8": START, "lyon-9": dt.date(2025, 3, 1)}, signed_at=signed, updated_at=signed)


# -- the register -----------------------------------------------------------------------------------------
def test_registering_an_association_again_under_its_label_answers_the_known_one():
    known = rules.association_view("pimms-lyon", "PIMMS Lyon")
    assert rules.association_registered_again(known, {"association_id": "pimms-lyon", "label": "PIMMS Lyon"}) == known


def test_registering_an_association_again_under_another_label_is_a_conflict_naming_the_known_label():
    known = rules.association_view("pimms-lyon", "PIMMS Lyon")
    with pytest.raises(Conflict, match="pimms-lyon is already registered as 'PIMMS Lyon'"):
        rules.association_registered_again(known, {"association_id": "pimms-lyon", "label": "PIMMS Métropole"})


@pytest.mark.parametrize("again, refused", [
    ({"pimms_id": "lyon-8", "association_id": "pimms-lyon", "label": "Lyon 8e"}, False),
    ({"pimms_id": "lyon-8", "association_id": "pimms-paris", "label": "Lyon 8e"}, True),
    ({"pimms_id": "lyon-8", "association_id": "pimms-lyon", "label": "Lyon huitième"}, True),
])
def test_a_desk_registered_again_must_name_the_same_association_and_label(again, refused):
    known = rules.desk_view("lyon-8", "pimms-lyon", "Lyon 8e")
    if not refused:
        assert rules.desk_registered_again(known, again) == known
    else:
        with pytest.raises(Conflict, match="desk lyon-8 is already registered to pimms-lyon as 'Lyon 8e'"):
            rules.desk_registered_again(known, again)


def test_an_unknown_association_is_an_invalid_request_naming_the_field():
    rules.check_association_known("pimms-lyon", registered=True)
    with pytest.raises(InvalidRequest) as exc:
        rules.check_association_known("pimms-nowhere", registered=False)
    assert exc.value.errors == {"association_id": ["unknown association pimms-nowhere"]}


# -- the terms, checked whole -------------------------------------------------------------------------------
def test_good_terms_break_no_rule():
    assert rules.terms_errors("pimms-lyon", terms(), OWNERS) == {}


@pytest.mark.parametrize("changes, errors", [
    ({"pimms_ids": ["lyon-8", "lyon-10"]}, {"pimms_ids": {1: ["unknown desk lyon-10"]}}),
    ({"pimms_ids": ["paris-20"]}, {"pimms_ids": {0: ["desk paris-20 belongs to association pimms-paris"]}}),
    ({"pimms_ids": ["lyon-8", "lyon-9", "lyon-8"]}, {"pimms_ids": {2: ["desk lyon-8 is listed twice"]}}),
    ({"mandates": ["accueil", "ateliers", "accueil", "ateliers"]}, {"mandates": ["accueil, ateliers listed twice"]}),
    ({"valid_to": START - dt.timedelta(days=1)}, {"valid_to": ["must not be before valid_from"]}),
    ({"conventions": [{**EDF, "scope": ["point_conseil_budget", "accueil"]}]},
     {"conventions": {0: {"scope": ["point_conseil_budget is outside the contract's mandates"]}}}),
    ({"conventions": [{**EDF, "valid_to": START - dt.timedelta(days=1)}]},
     {"conventions": {0: {"valid_to": ["must not be before valid_from"]}}}),
    ({"conventions": [EDF, {**EDF, "valid_from": dt.date(2025, 6, 1), "valid_to": dt.date(2026, 6, 1)}]},
     {"conventions": {1: {"valid_from": ["overlaps convention 0 with the same partner (edf): one partner, "
                                         "one convention at a time"]}}}),
])
def test_each_rule_the_terms_break_is_named_by_field_and_index(changes, errors):
    assert rules.terms_errors("pimms-lyon", terms(**changes), OWNERS) == errors


@pytest.mark.parametrize("first_ends, second_starts, overlap", [
    (dt.date(2024, 12, 31), dt.date(2025, 1, 1), False),  # consecutive
    (dt.date(2025, 1, 1), dt.date(2025, 1, 1), True),  # one day in common
    (None, dt.date(2030, 1, 1), True),  # the first never ends
])
def test_one_partner_may_have_consecutive_conventions_but_not_overlapping_ones(first_ends, second_starts, overlap):
    first = {**EDF, "valid_from": dt.date(2024, 1, 1), "valid_to": first_ends}
    second = {**EDF, "valid_from": second_starts}
    errors = rules.terms_errors("pimms-lyon", terms(conventions=[first, second]), OWNERS)
    assert ("conventions" in errors) is overlap


def test_two_partners_may_have_conventions_over_the_same_period():
    sncf = {**EDF, "partner": "sncf"}
    assert rules.terms_errors("pimms-lyon", terms(conventions=[EDF, sncf]), OWNERS) == {}


def test_a_convention_with_reversed_dates_is_not_also_said_to_overlap():
    reversed_ = {**EDF, "valid_from": dt.date(2025, 6, 1), "valid_to": dt.date(2025, 5, 1)}
    errors = rules.terms_errors("pimms-lyon", terms(conventions=[EDF, reversed_]), OWNERS)
    assert errors == {"conventions": {1: {"valid_to": ["must not be before valid_from"]}}}


def test_every_broken_rule_is_reported_at_once():
    errors = rules.terms_errors("pimms-lyon", terms(pimms_ids=["paris-20"], mandates=["accueil", "accueil"],
                                                    valid_to=dt.date(2020, 1, 1)), OWNERS)
    assert set(errors) == {"pimms_ids", "mandates", "valid_to"}


def test_checked_terms_are_normalized_or_refused_naming_the_field_and_the_rule():
    checked = rules.checked_terms("pimms-lyon", terms(), OWNERS)
    assert checked["pimms_ids"] == ["lyon-8", "lyon-9"] and checked["mandates"] == ["accueil", "ateliers"]
    assert checked["training_floor_pct"] == 9.0 and isinstance(checked["training_floor_pct"], float)
    with pytest.raises(InvalidRequest) as exc:
        rules.checked_terms("pimms-lyon", terms(pimms_ids=["lyon-10"]), OWNERS)
    assert "pimms_ids" in exc.value.errors and "unknown desk lyon-10" in str(exc.value)


def test_terms_spelled_differently_are_the_same_terms():
    sncf = {"partner": "sncf", "scope": ["ateliers", "accueil"], "valid_from": START, "valid_to": None}
    one = rules.normalized(terms(conventions=[sncf, EDF]))
    other = rules.normalized(terms(pimms_ids=["lyon-8", "lyon-9"], mandates=["accueil", "ateliers"],
                                   conventions=[EDF, {**sncf, "scope": ["accueil", "ateliers"]}],
                                   training_floor_pct=9.0))
    assert one == other and [c["partner"] for c in one["conventions"]] == ["edf", "sncf"]
    assert rules.normalized(one) == one


# -- what an amendment changes ------------------------------------------------------------------------------
def test_an_amendment_replaces_the_terms_it_names_whole_and_keeps_the_others():
    before = rules.normalized(terms())
    veolia = {"partner": "veolia", "scope": ["ateliers"], "valid_from": START, "valid_to": None}
    after = rules.amended_terms(before, {"association_id": "pimms-lyon", "note": None, "conventions": [veolia]})
    assert after == {**before, "conventions": [veolia]}


def test_an_amendment_that_only_reorders_the_terms_changes_nothing():
    before = rules.normalized(terms())
    same = rules.normalized(rules.amended_terms(before, {"mandates": ["ateliers", "accueil"]}))
    assert not rules.changes_anything(before, same)
    raised = rules.normalized(rules.amended_terms(before, {"training_floor_pct": 12}))
    assert rules.changes_anything(before, raised)


def test_a_desk_joining_the_contract_is_covered_from_its_start_when_signed_and_from_the_amendment_after():
    assert rules.first_covered_day(terms()) == START
    assert rules.first_covered_day(terms(), amended_on=dt.date(2025, 6, 1)) == dt.date(2025, 6, 1)
    # an amendment made before the contract starts covers the desk from the start
    assert rules.first_covered_day(terms(valid_from=dt.date(2026, 1, 1)), amended_on=dt.date(2025, 6, 1)) == (
        dt.date(2026, 1, 1))


# -- the lifecycle --------------------------------------------------------------------------------------------
def test_signing_is_refused_while_the_association_has_a_contract_that_is_not_terminated():
    rules.check_can_sign("pimms-lyon", live_status=None)
    for status in ("active", "suspended"):
        with pytest.raises(Conflict, match=f"pimms-lyon already has a {status} contract: amend it, or terminate it"):
            rules.check_can_sign("pimms-lyon", live_status=status)


def test_a_signed_contract_is_active():
    assert rules.SIGNED_STATUS == "active"


def test_a_terminated_contract_cannot_be_amended():
    rules.check_can_amend("pimms-lyon", "active")
    rules.check_can_amend("pimms-lyon", "suspended")
    with pytest.raises(Conflict, match="pimms-lyon is terminated: it cannot be amended; sign a new one"):
        rules.check_can_amend("pimms-lyon", "terminated")


@pytest.mark.parametrize("status, change, after", [
    ("active", "suspended", "suspended"),
    ("active", "terminated", "terminated"),
    ("suspended", "reinstated", "active"),
    ("suspended", "terminated", "terminated"),
    ("active", "reinstated", Conflict),
    ("suspended", "suspended", Conflict),
    ("terminated", "suspended", Conflict),
    ("terminated", "reinstated", Conflict),
    ("terminated", "terminated", Conflict),
])
def test_the_status_changes_a_contract_allows(status, change, after):
    if after is Conflict:
        with pytest.raises(Conflict, match=f"pimms-lyon is {status}: only a .* contract can be {change}"):
            rules.status_after("pimms-lyon", status, change)
    else:
        assert rules.status_after("pimms-lyon", status, change) == after


def test_the_conflict_names_the_statuses_a_change_applies_to():
    with pytest.raises(Conflict) as exc:
        rules.status_after("pimms-lyon", "terminated", "terminated")
    assert str(exc.value) == ("the contract of pimms-lyon is terminated: only a active or suspended contract can be "
                              "terminated")


def test_revisions_count_on_across_an_associations_contracts():
    assert rules.next_revision(None) == 1
    assert rules.next_revision(5) == 6


# -- what leaves the service ----------------------------------------------------------------------------------
def test_the_contract_changed_payload_carries_the_full_terms_and_a_service_can_enforce_it():
    contract = state(status="suspended", revision=4)
    payload = rules.contract_changed_payload(contract)
    assert payload["contract_id"] == uuid.UUID(contract.contract_id)
    assert (payload["revision"], payload["status"]) == (4, "suspended")
    assert {k: payload[k] for k in rules.TERMS} == contract.terms
    event = envelope.load(envelope.build("franchise.contract_changed", payload, association_id="pimms-lyon",
                                         pimms_id=None))
    assert Terms.from_payload(event.association_id, event.payload).revision == 4


def test_the_view_writes_days_and_instants_in_iso_and_the_history_keeps_status_and_terms():
    view = rules.contract_view(state(valid_to=dt.date(2027, 12, 31)))
    assert view["signed_at"] == "2025-01-02T09:00:00+00:00" and view["updated_at"] == view["signed_at"]
    assert (view["terms"]["valid_from"], view["terms"]["valid_to"]) == ("2025-01-01", "2027-12-31")
    assert view["terms"]["conventions"] == [{"partner": "edf", "scope": ["accueil"], "valid_from": "2025-01-01",
                                             "valid_to": None}]
    assert view["terms"]["covered_since"] == {"lyon-8": "2025-01-01", "lyon-9": "2025-03-01"}
    assert rules.history_terms(state(status="terminated")) == {
        "status": "terminated", **rules.contract_view(state())["terms"]}


# -- the floor's range is the request's rule ------------------------------------------------------------------
@pytest.mark.parametrize("floor, refused", [(0, False), (9, False), (100, False), (-0.5, True), (100.1, True)])
def test_the_training_floor_is_a_percentage_in_signing_and_amending_requests(floor, refused):
    signing = {"association_id": "pimms-lyon", "pimms_ids": ["lyon-8"], "mandates": ["accueil"],
               "valid_from": "2025-01-01", "training_floor_pct": floor}
    amending = {"association_id": "pimms-lyon", "training_floor_pct": floor}
    for schema, request in ((SignContractRequest, signing), (AmendContractRequest, amending)):
        if refused:
            with pytest.raises(InvalidRequest, match="between 0 and 100") as exc:
                parse_request(schema, request)
            assert "training_floor_pct" in exc.value.errors
        else:
            assert parse_request(schema, request)["training_floor_pct"] == floor
