"""Franchise running for real against the local RabbitMQ: contract changes on the bus, typed errors over
RPC and HTTP, the associations' events consumed into compliance, and its metrics."""
import datetime as dt

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.franchise.service import FranchiseService
from services.franchise.tests import support
from services.franchise.tests.support import TODAY, contract
from shared import deadletters, envelope
from shared.errors import Conflict, InvalidRequest, NotFound
from tests.helpers import drain, probe, publish_raw, wait_for

WATCHED = ["franchise.contract_changed", "franchise.compliance_evaluated"]


@pytest.fixture
def franchise(container_factory, service_config, web_config, rabbit_config):
    probe(rabbit_config["AMQP_URI"], *WATCHED)
    container = container_factory(FranchiseService, service_config("franchise", **web_config))
    container.start()
    return container


@pytest.fixture
def rpc(franchise, rabbit_config):
    with ServiceRpcProxy("franchise", rabbit_config) as proxy:
        support.register(proxy)
        yield proxy


def events(uri, event_type, until):
    """The events of one type on the probe's queue, once there are `until` of them (or `until(got)`)."""
    got = []
    enough = until if callable(until) else (lambda got: len(got) >= until)

    def arrived():
        got.extend(envelope.load(body) for body, _ in drain(uri, f"probe.{event_type}", settle=0.1))
        return got and enough(got)

    wait_for(arrived, message=f"{event_type} events")
    return got


def test_a_signed_contract_goes_out_with_its_full_terms(rpc, rabbit_config):
    rpc.sign_contract(contract())
    rpc.suspend({"association_id": "pimms-lyon"})
    first, second = events(rabbit_config["AMQP_URI"], "franchise.contract_changed", 2)
    assert (first.payload["revision"], second.payload["revision"]) == (1, 2)
    assert second.payload["status"] == "suspended" and second.association_id == "pimms-lyon"
    assert second.payload["conventions"] == first.payload["conventions"]  # the full terms, every time


def test_rpc_callers_get_typed_errors(rpc):
    with pytest.raises(InvalidRequest) as exc:
        rpc.sign_contract(contract(training_floor_pct=150))
    assert "training_floor_pct" in exc.value.errors
    rpc.sign_contract(contract())
    with pytest.raises(Conflict):
        rpc.sign_contract(contract())
    with pytest.raises(NotFound):
        rpc.get_contract("pimms-nowhere")


def test_the_rpc_signs_changes_and_reads_contracts(rpc):
    rpc.register_association({"association_id": "pimms-lille", "label": "PIMMS Lille"})
    rpc.register_desk({"pimms_id": "lille-1", "association_id": "pimms-lille", "label": "Lille Moulins"})
    request = contract("pimms-lille", pimms_ids=["lille-1"])
    rpc.sign_contract(request)
    with pytest.raises(Conflict):
        rpc.sign_contract(request)
    assert rpc.amend_contract({"association_id": "pimms-lille", "training_floor_pct": 10})["revision"] == 2
    assert rpc.suspend({"association_id": "pimms-lille"})["status"] == "suspended"
    assert rpc.get_contract("pimms-lille")["status"] == "suspended"
    assert [h["change"] for h in rpc.contract_history("pimms-lille")] == ["signed", "amended", "suspended"]
    with pytest.raises(InvalidRequest) as bad:
        rpc.sign_contract(contract("pimms-lyon", valid_to="2000-01-01"))
    assert "valid_to" in bad.value.errors
    with pytest.raises(NotFound):
        rpc.terminate({"association_id": "pimms-nowhere"})
    assert rpc.scorecard("lille-1")["status"] in ("ok", "warning", "breach")
    assert [d["pimms_id"] for d in rpc.network_scorecard()["desks"]] == ["lille-1"]


def test_a_contract_change_sent_again_with_its_key_is_one_revision(rpc):
    rpc.sign_contract(contract())
    amend = {"association_id": "pimms-lyon", "training_floor_pct": 11, "idempotency_key": "siege:amend-1"}
    first = rpc.amend_contract(amend)
    assert rpc.amend_contract(amend) == first and first["revision"] == 2
    assert [h["change"] for h in rpc.contract_history("pimms-lyon")] == ["signed", "amended"]


def test_activity_from_an_association_is_evaluated_and_a_status_change_published(rpc, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    # given a contract that starts today: nothing due yet, registres and training still to come
    rpc.sign_contract(contract(pimms_ids=["lyon-8"], valid_from=TODAY.isoformat(), conventions=[]))
    [signed] = events(uri, "franchise.compliance_evaluated", 1)
    assert (signed.payload["status"], signed.payload["reasons"]) == (
        "warning", ["registres_ramping_up", "training_not_reported"])
    # when the association's visits and its agents' hours come up
    last_week = TODAY - dt.timedelta(days=TODAY.weekday() + 7)
    activity = [support.visit_closed(TODAY, [r]) for r in ("presence", "understanding", "referral", "inform",
                                                            "dialogue")]
    activity += [support.training("agent-a", last_week, 4), support.work_time("agent-a", last_week, 35)]
    for event in activity:
        publish_raw(uri, event.type, envelope.build(event.type, event.payload, association_id="pimms-lyon",
                                                    pimms_id="lyon-8"))
    # then the desk's scorecard counts them, and each status it went through was published once, in order
    # (queues are consumed in parallel: hours worked may be counted before the training, a breach meanwhile)
    wait_for(lambda: rpc.scorecard("lyon-8")["status"] == "ok", message="the desk ok")
    card = rpc.scorecard("lyon-8")
    assert card["registres_used"] == 5 and card["training_share_pct"] == round(400 / 35, 1)
    chain = [signed] + events(uri, "franchise.compliance_evaluated", lambda got: got[-1].payload["status"] == "ok")
    assert all(b.payload["previous_status"] == a.payload["status"] != b.payload["status"]
               for a, b in zip(chain, chain[1:]))
    assert chain[-1].payload["reasons"] == []


def test_an_event_for_another_associations_desk_is_dead_lettered(rpc, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    publish_raw(uri, "accueil.visit_closed", envelope.build(
        "accueil.visit_closed", _visit("presence"), association_id="pimms-paris", pimms_id="lyon-8"))
    letters = wait_for(lambda: deadletters.list_letters(uri, "franchise"), message="a dead letter")
    assert "ForeignDesk" in letters[0].headers["x-pimms-reason"]


def test_metrics_count_contract_changes_and_status_changes(rpc, web_session):
    rpc.sign_contract(contract())
    rpc.amend_contract({"association_id": "pimms-lyon", "training_floor_pct": 11})
    text = web_session.get("/metrics").text
    assert 'pimms_contract_changes_total{change="signed"} 1.0' in text
    assert 'pimms_contract_changes_total{change="amended"} 1.0' in text
    assert 'pimms_compliance_status_changes_total{status="breach"} 2.0' in text  # lyon-8 and lyon-9
    assert 'pimms_compliance_desks{status="breach"} 2.0' in text
    assert 'pimms_compliance_desks{status="ok"} 0.0' in text


def test_health_checks_database_and_broker(rpc, web_session):
    answer = web_session.get("/health")
    assert answer.status_code == 200 and answer.json()["checks"] == {"database": "ok", "broker": "ok"}


def _visit(registre):
    return support.visit_closed(TODAY, [registre]).payload
