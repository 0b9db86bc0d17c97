"""Formation from its own copy of the franchise contract: hiring only at a desk whose mandate covers
formation, and the training floor the contract sets (the franchise service is not involved)."""
import datetime as dt

import pytest

from services.formation.models import Agent
from shared.errors import ContractViolation
from shared.tables import outbox
from tests import kit
from tests.kit import count

OCTOBER = {"from": "2025-10-01", "to": "2025-10-31"}


def contract(revision=1, **changes):
    return kit.contract_changed(revision, **{"mandates": ["accueil", "formation"], "training_floor_pct": 12.0,
                                             **changes})


@pytest.fixture
def formation(make_formation):
    return make_formation(CONTRACT_ENFORCEMENT=True)


def sign(storage, event):
    return kit.apply_contract(storage, "formation", event)


def hire(formation, pimms_id="lyon-8", hired_on="2025-09-01", agent_id=None):
    return formation.hire_agent({"agent_id": agent_id, "pimms_id": pimms_id, "first_name": "Awa",
                                 "last_name": "Diallo", "gender": "female", "contract_type": "cdd",
                                 "weekly_hours": 35, "hired_on": hired_on})


def test_without_any_contract_received_nobody_is_hired(formation, storage):
    with pytest.raises(ContractViolation) as exc:
        hire(formation)
    assert exc.value.rule == "no_contract"
    assert count(storage, Agent) == 0 and count(storage, outbox) == 0


@pytest.mark.parametrize("terms, hiring, rule", [
    ({}, {}, None),
    ({}, {"pimms_id": "lyon-9"}, None),
    ({}, {"pimms_id": "paris-20"}, "desk_not_covered"),
    ({"mandates": ["accueil", "ateliers"]}, {}, "outside_mandate"),
    ({"status": "suspended"}, {}, "association_suspended"),
    ({"valid_from": dt.date(2025, 10, 1)}, {}, "contract_not_in_force"),  # hired in September
    ({"valid_to": dt.date(2025, 6, 30)}, {}, "contract_not_in_force"),
])
def test_the_contract_decides_where_agents_may_be_hired(formation, storage, terms, hiring, rule):
    sign(storage, contract(**terms))
    if rule is None:
        assert hire(formation, **hiring)["status"] == "employed"
    else:
        with pytest.raises(ContractViolation) as exc:
            hire(formation, **hiring)
        assert exc.value.rule == rule
        assert count(storage, Agent) == 0 and count(storage, outbox) == 0


def test_agents_under_the_floor_are_judged_by_the_floor_of_the_contract_received(formation, storage):
    sign(storage, contract(training_floor_pct=12.0))
    agent = hire(formation, agent_id="steady")["agent_id"]
    formation.log_work_time({"agent_id": agent, "week": "2025-W41", "hours": 30})
    formation.log_training({"agent_id": agent, "week": "2025-W41", "hours": 3, "kind": "training",
                            "topic": "conflict", "provider": "union-pimms"})  # 10%: above 9, below 12

    under = formation.agents_under_floor({"pimms_id": "lyon-8", **OCTOBER})
    assert (under["floor_pct"], under["floor_source"]) == (12.0, "contract")
    assert [(a["agent_id"], a["share_pct"], a["missing_hours"]) for a in under["agents"]] == [("steady", 10.0, 0.6)]

    sign(storage, contract(revision=2, training_floor_pct=9.0))
    assert sign(storage, contract(revision=1, training_floor_pct=12.0)) == "stale"  # a late old revision
    under = formation.agents_under_floor({"pimms_id": "lyon-8", **OCTOBER})
    assert (under["floor_pct"], under["agents"]) == (9.0, [])
    assert formation.training_share({"scope": "agent", "id": agent, **OCTOBER})["below_floor"] is False
