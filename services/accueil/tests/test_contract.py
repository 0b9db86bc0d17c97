"""Accueil refuses, from its own copy of the contract terms, what the franchise contract does not cover;
the franchise service is not involved (not even running)."""
import datetime as dt

import pytest

from services.accueil.tests.conftest import make_accueil
from shared.errors import ContractViolation
from tests import kit

YESTERDAY = dt.date.today() - dt.timedelta(days=1)
TERMS = {
    "mandates": ["accueil", "ateliers"],
    "conventions": [
        {"partner": "edf", "scope": ["accueil", "ateliers"], "valid_from": dt.date(2025, 1, 1), "valid_to": None},
        {"partner": "sncf", "scope": ["accueil"], "valid_from": dt.date(2025, 1, 1),
         "valid_to": dt.date(2025, 12, 31)},
        {"partner": "la_poste", "scope": ["mediation_sortante"], "valid_from": dt.date(2025, 1, 1),
         "valid_to": None},
    ],
}


def contract(revision=1, **changes):
    return kit.contract_changed(revision, **{**TERMS, **changes})


@pytest.fixture
def enforcement():
    return True


@pytest.fixture
def accueil(storage, enforcement):
    """Calls that act for nobody: the contract is the franchise's, whoever records (desks outside it too)."""
    return make_accueil(storage, None, enforcement=enforcement)


def sign(storage, event):
    return kit.apply_contract(storage, "accueil", event)


def visit(accueil, motif, pimms_id="lyon-8", day=YESTERDAY):
    opened = dt.datetime.combine(day, dt.time(10), tzinfo=dt.timezone.utc).isoformat()
    return accueil.open_visit({"pimms_id": pimms_id, "agent_id": "a", "motif": motif, "opened_at": opened})


def workshop(accueil, partner=None):
    return accueil.record_workshop({"pimms_id": "lyon-8", "agent_id": "a", "theme": "energy_savings",
                                    "partner": partner, "held_on": YESTERDAY.isoformat(), "attendees": 9,
                                    "duration_min": 60, "registres": ["collective"]})


EDF = {"kind": "partenaire", "partner": "edf"}
CAF = {"kind": "generaliste", "domain": "caf"}


def test_without_any_contract_received_nothing_is_recorded(accueil):
    with pytest.raises(ContractViolation) as exc:
        visit(accueil, CAF)
    assert exc.value.rule == "no_contract"


@pytest.mark.parametrize("terms, act, rule", [
    ({}, lambda a: visit(a, EDF), None),
    ({}, lambda a: visit(a, CAF), None),
    ({}, lambda a: workshop(a, partner="edf"), None),
    ({}, lambda a: visit(a, {"kind": "partenaire", "partner": "veolia"}), "no_convention"),
    ({}, lambda a: visit(a, {"kind": "partenaire", "partner": "sncf"}), "no_convention"),  # expired 2025
    ({}, lambda a: visit(a, {"kind": "partenaire", "partner": "la_poste"}), "no_convention"),  # other scope
    ({}, lambda a: visit(a, {"kind": "partenaire", "partner": "sncf"}, day=dt.date(2025, 6, 1)), None),
    ({}, lambda a: visit(a, CAF, pimms_id="paris-20"), "desk_not_covered"),
    ({}, lambda a: visit(a, {"kind": "generaliste", "domain": "point_conseil_budget"}), "outside_mandate"),
    ({"mandates": ["accueil"]}, lambda a: workshop(a), "outside_mandate"),
    ({}, lambda a: workshop(a, partner="sncf"), "no_convention"),
    ({"status": "suspended"}, lambda a: visit(a, CAF), "association_suspended"),
    ({"status": "terminated"}, lambda a: workshop(a), "contract_terminated"),
    ({"valid_from": dt.date(2030, 1, 1)}, lambda a: visit(a, CAF), "contract_not_in_force"),
])
def test_the_contract_terms_decide(accueil, storage, terms, act, rule):
    sign(storage, contract(**terms))
    if rule is None:
        act(accueil)
    else:
        with pytest.raises(ContractViolation) as exc:
            act(accueil)
        assert exc.value.rule == rule


def test_the_newest_revision_wins_even_when_an_older_one_arrives_late(accueil, storage):
    sign(storage, contract(revision=2, status="suspended"))
    assert sign(storage, contract(revision=1)) == "stale"
    with pytest.raises(ContractViolation) as exc:
        visit(accueil, CAF)
    assert exc.value.rule == "association_suspended"
    sign(storage, contract(revision=3))
    visit(accueil, CAF)


def test_two_revisions_applied_at_the_same_moment_leave_the_newest_on_postgresql(pg_url, migrated_storage,
                                                                                 monkeypatch):
    """The copy's row is locked before it is compared: an older revision applied while a newer one is being
    applied waits for it, then finds itself stale (without the lock both read revision 1 and the last
    writer, the older, would win)."""
    import eventlet

    from services.accueil.service import MIGRATIONS
    from shared import contract_terms

    store = migrated_storage(MIGRATIONS, url=pg_url)
    sign(store, contract(revision=1))
    real = contract_terms.Terms.to_json

    def slow(terms):  # between reading the revision held and writing the new one
        eventlet.sleep(0.3 if terms.revision == 3 else 0)
        return real(terms)

    monkeypatch.setattr(contract_terms.Terms, "to_json", slow)
    pool = eventlet.GreenPool()
    newer = pool.spawn(sign, store, contract(revision=3, training_floor_pct=12.0))
    eventlet.sleep(0.1)  # the newer one holds the row
    older = pool.spawn(sign, store, contract(revision=2, training_floor_pct=10.0))
    assert (newer.wait(), older.wait()) == ("applied", "stale")
    with store.unit_of_work() as uow:
        assert contract_terms.revision(uow.session, "pimms-lyon") == 3
