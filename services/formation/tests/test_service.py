"""Formation running for real, against the local RabbitMQ: its events, the contract it receives from the
bus, its RPC, its metrics and its health check (its port serves nothing else)."""
import datetime as dt
import json
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.formation.service import FormationService
from shared import envelope
from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound
from tests.helpers import drain, probe, publish_raw, wait_for

EVENTS = ["formation.agent_hired", "formation.work_time_logged", "formation.training_logged",
          "formation.agent_exited"]
IDENTITY = {"first_name": "Zénobie", "last_name": "Quarantotto"}


def hiring(**changes):
    return {"pimms_id": "lyon-8", **IDENTITY, "gender": "female", "contract_type": "adulte_relais",
            "weekly_hours": 35, "hired_on": "2025-09-01", **changes}


@pytest.fixture
def start(container_factory, service_config, web_config, rabbit_config):
    probe(rabbit_config["AMQP_URI"], *EVENTS)

    def start_formation(**overrides):
        container = container_factory(FormationService, service_config("formation", **web_config, **overrides))
        container.start()
        return container

    return start_formation


@pytest.fixture
def formation(start):
    return start()


def test_an_agents_path_publishes_events_that_match_their_schemas_and_carry_no_identity(formation, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    with ServiceRpcProxy("formation", rabbit_config) as rpc:
        agent_id = rpc.hire_agent(hiring())["agent_id"]
        rpc.log_work_time({"agent_id": agent_id, "week": "2025-W37", "hours": 35})
        rpc.log_training({"agent_id": agent_id, "week": "2025-W37", "hours": 3.5, "kind": "professional_project",
                          "topic": "certification", "provider": "afpa"})
        rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-19", "outcome": "interim",
                         "contract_months": 6})
    published = {}
    for event_type in EVENTS:
        messages = wait_for(lambda: drain(uri, f"probe.{event_type}"), message=event_type)
        assert len(messages) == 1
        body = messages[0][0]
        for value in IDENTITY.values():
            assert value not in json.dumps(body, ensure_ascii=False), f"{event_type} carries {value!r}"
        published[event_type] = envelope.load(body)  # raises if the event breaks its schema
    assert {e.pimms_id for e in published.values()} == {"lyon-8"}
    assert {e.association_id for e in published.values()} == {"pimms-test"}
    assert published["formation.agent_hired"].payload["gender"] == "female"
    assert all("gender" not in e.payload for t, e in published.items() if t != "formation.agent_hired")
    assert published["formation.work_time_logged"].payload == {"agent_id": agent_id, "week": "2025-W37",
                                                               "hours": 35.0, "revision": 1}
    assert published["formation.training_logged"].payload["kind"] == "professional_project"
    exited = published["formation.agent_exited"].payload
    assert (exited["outcome"], exited["contract_months"], exited["positive"]) == ("interim", 6, True)


def test_rpc_callers_get_typed_errors(formation, rabbit_config):
    with ServiceRpcProxy("formation", rabbit_config) as rpc:
        with pytest.raises(InvalidRequest) as exc:
            rpc.hire_agent(hiring(gender="unknown"))
        assert "gender" in exc.value.errors
        agent_id = rpc.hire_agent(hiring())["agent_id"]
        with pytest.raises(InvalidRequest) as exc:
            rpc.log_training({"agent_id": agent_id, "week": "2025-W37", "hours": 2, "kind": "training",
                              "topic": "digital", "provider": "afpa"})
        assert "week" in exc.value.errors
        with pytest.raises(NotFound):
            rpc.get_agent("ghost")
        rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-19", "outcome": "job_search"})
        with pytest.raises(Conflict):
            rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-19", "outcome": "cdi"})


def test_the_floor_and_the_mandate_come_from_the_contract_received_on_the_bus(start, rabbit_config):
    start(CONTRACT_ENFORCEMENT=True)
    with ServiceRpcProxy("formation", rabbit_config) as rpc:
        with pytest.raises(ContractViolation) as exc:
            rpc.hire_agent(hiring())
        assert exc.value.rule == "no_contract"
        publish_raw(rabbit_config["AMQP_URI"], "franchise.contract_changed", envelope.build(
            "franchise.contract_changed", {
                "contract_id": uuid.uuid4(), "revision": 1, "pimms_ids": ["lyon-8"], "mandates": ["formation"],
                "conventions": [], "training_floor_pct": 15.0, "status": "active",
                "valid_from": dt.date(2025, 1, 1), "valid_to": None,
            }, association_id="pimms-test", pimms_id=None))
        period = {"pimms_id": "lyon-8", "from": "2025-W37", "to": "2025-W37"}
        wait_for(lambda: rpc.agents_under_floor(period)["floor_source"] == "contract", message="the contract")
        agent_id = rpc.hire_agent(hiring())["agent_id"]
        rpc.log_work_time({"agent_id": agent_id, "week": "2025-W37", "hours": 20})
        rpc.log_training({"agent_id": agent_id, "week": "2025-W37", "hours": 2, "kind": "training",
                          "topic": "digital", "provider": "afpa"})  # 10%: below the contract's 15
        under = rpc.agents_under_floor(period)
        assert under["floor_pct"] == 15.0 and [a["agent_id"] for a in under["agents"]] == [agent_id]
        with pytest.raises(ContractViolation) as exc:
            rpc.hire_agent(hiring(pimms_id="lyon-9"))
        assert exc.value.rule == "desk_not_covered"


def test_the_rpc_records_an_agents_path_and_answers_typed_errors(formation, rabbit_config):
    with ServiceRpcProxy("formation", rabbit_config) as rpc:
        agent_id = rpc.hire_agent(hiring())["agent_id"]
        assert rpc.log_work_time({"agent_id": agent_id, "week": "2025-W37", "hours": 30})["hours"] == 30.0
        trained = rpc.log_training({"agent_id": agent_id, "week": "2025-W37", "hours": 2, "kind": "training",
                                    "topic": "digital", "provider": "afpa"})
        assert trained["hours"] == 2.0
        milestone = rpc.add_milestone({"agent_id": agent_id, "kind": "positioning", "reached_on": "2025-09-02"})
        assert milestone["milestones"] == [{"kind": "positioning", "reached_on": "2025-09-02"}]
        assert [a["agent_id"] for a in rpc.list_agents({"pimms_id": "lyon-8"})] == [agent_id]
        assert rpc.get_agent(agent_id)["first_name"] == IDENTITY["first_name"]
        share = rpc.training_share({"scope": "agent", "id": agent_id, "from": "2025-09-01", "to": "2025-09-30"})
        assert (share["work_hours"], share["training_hours"], share["below_floor"]) == (30.0, 2.0, True)
        under = rpc.agents_under_floor({"pimms_id": "lyon-8", "from": "2025-W36", "to": "2025-W40"})
        assert [a["agent_id"] for a in under["agents"]] == [agent_id]
        left = rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-19", "outcome": "cdi"})
        assert left["exit"]["positive"] is True

        with pytest.raises(InvalidRequest) as bad:
            rpc.log_work_time({"agent_id": agent_id, "week": "2025-W38", "hours": -4})
        assert "hours" in bad.value.errors
        with pytest.raises(Conflict):
            rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-20", "outcome": "cdi"})
        with pytest.raises(NotFound):
            rpc.get_agent("ghost")


def test_metrics_move_after_real_work(formation, web_session, rabbit_config):
    def scrape():
        return web_session.get("/metrics").text

    assert "pimms_agents_hired_total{" not in scrape()
    with ServiceRpcProxy("formation", rabbit_config) as rpc:
        agent_id = rpc.hire_agent(hiring())["agent_id"]
        rpc.log_work_time({"agent_id": agent_id, "week": "2025-W37", "hours": 30})
        rpc.log_training({"agent_id": agent_id, "week": "2025-W37", "hours": 2.5, "kind": "training",
                          "topic": "digital", "provider": "afpa"})
        rpc.record_exit({"agent_id": agent_id, "exited_on": "2025-12-19", "outcome": "cdd", "contract_months": 3})
    text = scrape()
    assert 'pimms_agents_hired_total{contract_type="adulte_relais"} 1.0' in text
    assert 'pimms_training_hours_total{kind="training"} 2.5' in text
    assert 'pimms_agents_exited_total{outcome="cdd",positive="false"} 1.0' in text
    wait_for(lambda: 'pimms_events_published_total{event_type="formation.agent_exited"} 1.0' in scrape(),
             message="the exit counted as published")


def test_health_checks_the_database_and_the_broker_for_real(formation, web_session):
    answer = web_session.get("/health")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": "ok", "broker": "ok"}
    formation.config["AMQP_URI"] = "pyamqp://guest:guest@127.0.0.1:1//"  # as if the broker went away
    down = web_session.get("/health")
    assert down.status_code == 503 and down.json()["checks"]["broker"].startswith("error")
