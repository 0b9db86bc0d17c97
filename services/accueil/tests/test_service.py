"""Accueil running for real, against the local RabbitMQ: its events, its RPC, its metrics and health."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.accueil.service import AccueilService
from shared import envelope
from shared.errors import Conflict, InvalidRequest
from tests.helpers import drain, probe, wait_for


@pytest.fixture
def accueil(container_factory, service_config, web_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    probe(uri, "accueil.visit_closed", "accueil.workshop_held")
    container = container_factory(AccueilService, service_config("accueil", **web_config))
    container.start()
    return container


def test_a_closed_visit_publishes_an_event_that_matches_its_schema(accueil, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    with ServiceRpcProxy("accueil", rabbit_config) as rpc:
        visit = rpc.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1", "waiting_min": 7,
                                "motif": {"kind": "partenaire", "partner": "sncf"}})
        rpc.add_act({"visit_id": visit["visit_id"], "kind": "online_help"})
        rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved"})
    messages = wait_for(lambda: drain(uri, "probe.accueil.visit_closed"), message="the visit_closed event")
    assert len(messages) == 1
    event = envelope.load(messages[0][0])  # raises if the event breaks its schema
    assert event.type == "accueil.visit_closed" and event.pimms_id == "lyon-8"
    assert event.association_id == "pimms-test"
    assert str(event.payload["visit_id"]) == visit["visit_id"]
    assert event.payload["acts"] == ["online_help"] and event.payload["waiting_min"] == 7
    assert event.payload["motif"] == {"kind": "partenaire", "partner": "sncf", "domain": None}


def test_rpc_callers_get_typed_errors(accueil, rabbit_config):
    with ServiceRpcProxy("accueil", rabbit_config) as rpc:
        with pytest.raises(InvalidRequest) as exc:
            rpc.open_visit({"pimms_id": "lyon-8", "agent_id": "a", "motif": {"kind": "partenaire"}})
        assert "motif" in exc.value.errors
        visit = rpc.open_visit({"pimms_id": "lyon-8", "agent_id": "a",
                                "motif": {"kind": "generaliste", "domain": "cpam"}})
        rpc.add_act({"visit_id": visit["visit_id"], "kind": "advice"})
        rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved"})
        with pytest.raises(Conflict):
            rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved"})


def test_metrics_move_after_real_work(accueil, web_session, rabbit_config):
    def scrape():
        return web_session.get("/metrics").text

    assert 'pimms_visits_closed_total{motif="partenaire"}' not in scrape()
    with ServiceRpcProxy("accueil", rabbit_config) as rpc:
        visit = rpc.open_visit({"pimms_id": "lyon-8", "agent_id": "a", "motif": {"kind": "partenaire", "partner": "edf"},
                                "acts": [{"kind": "explanation"}]})
        rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved",
                         "idempotency_key": "k"})
        rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["presence"], "outcome": "resolved",
                         "idempotency_key": "k"})  # a repeat: answered, not counted again
    text = scrape()
    assert 'pimms_visits_closed_total{motif="partenaire"} 1.0' in text
    assert 'pimms_mediation_acts_total{kind="explanation"} 1.0' in text
    assert 'pimms_entrypoint_calls_total{entrypoint="close_visit"} 2.0' in text
    assert 'pimms_idempotent_replays_total{operation="close_visit"} 1.0' in text
    text = wait_for(lambda: (t := scrape()) and 'pimms_events_published_total{event_type="accueil.visit_closed"} 1.0'
                    in t and t, message="the event counted as published")
    assert "pimms_outbox_backlog_events 0.0" in text


def test_health_checks_the_database_and_the_broker_for_real(accueil, web_session, rabbit_config):
    answer = web_session.get("/health")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": "ok", "broker": "ok"}
    accueil.config["AMQP_URI"] = "pyamqp://guest:guest@127.0.0.1:1//"  # as if the broker went away
    down = web_session.get("/health")
    assert down.status_code == 503 and down.json()["checks"]["broker"].startswith("error")
