"""Head office and an association on brokers of their own (two vhosts of the local RabbitMQ), linked by
RabbitMQ's Shovel plugin as deploy/topology/setup_shovels.py sets it up: a contract signed at head office
is enforced by the association's accueil, the association's activity reaches head office's franchise, and
running the setup again changes nothing."""
import datetime as dt

import pytest
from kombu import Connection, Queue, binding
from nameko.standalone.rpc import ServiceRpcProxy

from deploy.topology import setup_shovels
from deploy.topology.setup_shovels import (
    ASSOCIATION_CONSUMERS,
    DOWNLINK,
    HEAD_OFFICE_CONSUMERS,
    UP_QUEUE,
    UPLINK,
    Broker,
    Management,
    down_queue,
)
from services.accueil.service import AccueilService
from services.franchise.service import FranchiseService
from shared import topology
from shared.errors import ContractViolation
from tests.helpers import wait_for

TODAY = dt.datetime.now(dt.timezone.utc).date()
A_YEAR_AGO = (TODAY - dt.timedelta(days=365)).isoformat()


@pytest.fixture
def association_config(vhost_pipeline, rabbit_config):
    """A second vhost standing for the association's own broker, deleted (with its shovels) after the test."""
    with vhost_pipeline.get() as vhost:
        yield {"AMQP_URI": rabbit_config["AMQP_URI"].rsplit("/", 1)[0] + "/" + vhost, "vhost": vhost}


@pytest.fixture
def brokers(association_config, rabbit_config, pytestconfig):
    api = pytestconfig.getoption("RABBIT_API_URI")
    head_office = Broker(rabbit_config["AMQP_URI"], api)
    association = Broker(association_config["AMQP_URI"], api)
    return head_office, {"pimms-lyon": association}


@pytest.fixture
def linked(brokers):
    head_office, associations = brokers
    setup_shovels.setup(head_office, associations)
    setup_shovels.wait_running(associations, timeout=20)
    return brokers


def test_a_contract_signed_at_head_office_is_enforced_at_the_association_and_its_activity_comes_back(
        association_config, container_factory, service_config, rabbit_config, linked):
    # given head office's franchise and the association's accueil, each on its own broker
    container_factory(FranchiseService, service_config("franchise")).start()
    container_factory(AccueilService, service_config(
        "accueil", AMQP_URI=association_config["AMQP_URI"], ASSOCIATION_ID="pimms-lyon",
        CONTRACT_ENFORCEMENT=True)).start()
    with ServiceRpcProxy("franchise", rabbit_config) as franchise, \
            ServiceRpcProxy("accueil", association_config) as accueil:
        with pytest.raises(ContractViolation) as exc:
            open_visit(accueil, "edf")
        assert exc.value.rule == "no_contract"

        # when head office signs the association's contract
        franchise.register_association({"association_id": "pimms-lyon", "label": "PIMMS Lyon"})
        franchise.register_desk({"pimms_id": "lyon-8", "association_id": "pimms-lyon", "label": "Lyon 8e"})
        franchise.sign_contract({
            "association_id": "pimms-lyon", "pimms_ids": ["lyon-8"], "mandates": ["accueil"],
            "valid_from": A_YEAR_AGO,
            "conventions": [{"partner": "edf", "scope": ["accueil"], "valid_from": A_YEAR_AGO}],
        })

        # then it comes down the shovel and the association's accueil enforces it
        visit = wait_for(lambda: attempt(lambda: open_visit(accueil, "edf")), message="the contract applied")
        with pytest.raises(ContractViolation) as exc:
            open_visit(accueil, "veolia")
        assert exc.value.rule == "no_convention"

        # and the association's activity goes up the other shovel to head office's compliance
        accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
        accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding", "referral"],
                             "outcome": "resolved"})
        card = wait_for(lambda: (c := franchise.scorecard("lyon-8"))["registres_used"] == 2 and c,
                        message="the visit counted at head office")
        assert card["registres"] == ["understanding", "referral"] and card["association_id"] == "pimms-lyon"


def test_running_the_setup_again_changes_nothing_and_removes_a_stray_binding(linked):
    head_office, associations = linked
    association = associations["pimms-lyon"]
    before = link_state(head_office, association)
    assert before["up"] == sorted(UPLINK) and before["down"] == sorted(DOWNLINK)
    assert set(before["shovels"]) == {"pimms-downlink", "pimms-uplink"}
    # someone binds the uplink to franchise's contracts by hand: they would loop back to head office
    stray = binding(topology.events_exchange, routing_key="franchise.contract_changed")
    with Connection(association.amqp_uri) as conn:
        Queue(UP_QUEUE, durable=True, bindings=[stray])(conn.channel()).declare()
    assert "franchise.contract_changed" in link_state(head_office, association)["up"]

    setup_shovels.setup(head_office, associations)
    setup_shovels.setup(head_office, associations)
    assert link_state(head_office, association) == before


def test_an_event_type_on_both_links_is_refused_before_anything_is_declared(brokers):
    head_office, associations = brokers
    with pytest.raises(ValueError, match="loop"):
        setup_shovels.setup(head_office, associations, up=UPLINK + DOWNLINK)
    assert Management(associations["pimms-lyon"]).shovel_definition("pimms-uplink") is None


@pytest.mark.parametrize("uri, vhost, shovel_uri, api", [
    ("pyamqp://guest:guest@localhost:5672/nameko_test_x", "nameko_test_x",
     "amqp://guest:guest@localhost:5672/nameko_test_x", "http://guest:guest@localhost:15672"),
    ("amqp://hq:s3cret@hq.example//", "/", "amqp://hq:s3cret@hq.example/%2F", "http://hq:s3cret@hq.example:15672"),
    ("amqps://lyon:pw@lyon.example:5671/%2F", "/", "amqps://lyon:pw@lyon.example:5671/%2F",
     "http://lyon:pw@lyon.example:15672"),
    ("amqp://lyon:pw@lyon.example/pimms", "pimms", "amqp://lyon:pw@lyon.example/pimms",
     "http://lyon:pw@lyon.example:15672"),
])
def test_a_brokers_uri_gives_the_shovels_uri_its_vhost_and_its_management_api(uri, vhost, shovel_uri, api):
    broker = Broker(uri)
    assert (broker.vhost, broker.shovel_uri, broker.api) == (vhost, shovel_uri, api)


def test_a_cluster_is_given_as_its_nodes_and_its_shovels_get_every_node_to_fail_over_along():
    broker = Broker("amqp://hq:s3cret@hq-0.example/pimms;amqp://hq:s3cret@hq-1.example/pimms;"
                    "amqp://hq:s3cret@hq-2.example/pimms", queue_type="quorum")
    assert broker.vhost == "pimms" and broker.api == "http://hq:s3cret@hq-0.example:15672"
    assert broker.shovel_uri == [f"amqp://hq:s3cret@hq-{n}.example/pimms" for n in range(3)]
    link = broker.as_user("association.pimms-lyon", "pw/1")
    assert link.nodes == [f"amqp://association.pimms-lyon:pw%2F1@hq-{n}.example/pimms" for n in range(3)]
    assert (link.user, link.password, link.queue_type) == ("association.pimms-lyon", "pw/1", "quorum")


def test_the_link_queues_take_their_brokers_queue_type_from_the_command_line(monkeypatch):
    declared = {}
    monkeypatch.setattr(setup_shovels, "setup", lambda head_office, associations: declared.update(
        head_office=head_office, **associations))
    setup_shovels.main(["--head-office", "amqp://hq:pw@hq.example/%2F", "--head-office-queue-type", "quorum",
                        "--association", "pimms-lyon=amqp://u:p@lyon.example/%2F"])
    assert declared["head_office"].queue_type == "quorum" and declared["pimms-lyon"].queue_type is None
    with pytest.raises(SystemExit):
        setup_shovels.main(["--head-office", "amqp://hq:pw@hq.example/%2F", "--head-office-queue-type", "mirrored",
                            "--association", "pimms-lyon=amqp://u:p@lyon.example/%2F"])


def test_the_command_line_names_each_association_and_its_broker():
    association_id, broker = setup_shovels.parse_association(
        "pimms-lyon=amqp://u:p@lyon.example/%2F,https://u:p@lyon.example:15671")
    assert association_id == "pimms-lyon" and broker.management_url == "https://u:p@lyon.example:15671"
    with pytest.raises(Exception, match="ID=AMQP_URI"):
        setup_shovels.parse_association("amqp://u:p@lyon.example/")


@pytest.mark.parametrize("consumers", [HEAD_OFFICE_CONSUMERS, ASSOCIATION_CONSUMERS])
def test_the_queues_declared_for_each_side_are_those_its_services_consume(consumers):
    from importlib import import_module

    for service, event_types in consumers.items():
        module = import_module(f"services.{service}.service")
        [service_cls] = [c for c in vars(module).values() if isinstance(c, type) and getattr(c, "name", "") == service]
        assert set(event_types) <= set(topology.consumed_event_types(service_cls)), service


# -- helpers ------------------------------------------------------------------------------------------------
def open_visit(accueil, partner):
    return accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1",
                               "motif": {"kind": "partenaire", "partner": partner}})


def attempt(call):
    """The call's result, or None while the contract has not arrived."""
    try:
        return call()
    except ContractViolation as exc:
        if exc.rule != "no_contract":
            raise
        return None


def link_state(head_office, association):
    def keys(broker, queue):
        return sorted(b["routing_key"] for b in Management(broker).bindings(queue) if b["source"] == topology.EVENTS)

    api = Management(association)
    return {
        "down": keys(head_office, down_queue("pimms-lyon")), "up": keys(association, UP_QUEUE),
        "shovels": {name: api.shovel_definition(name) for name in ("pimms-downlink", "pimms-uplink")},
    }


def test_on_a_cluster_the_link_queues_and_the_consumers_queues_are_quorum_queues(rabbit_config, rabbit_manager):
    from urllib.parse import unquote, urlparse

    broker = Broker(rabbit_config["AMQP_URI"], queue_type="quorum")
    setup_shovels.link_queue(broker, UP_QUEUE, UPLINK)
    setup_shovels.declare_consumers(broker, ASSOCIATION_CONSUMERS, DOWNLINK)
    vhost = unquote(urlparse(rabbit_config["AMQP_URI"]).path[1:])
    types = {q["name"]: q["type"] for q in rabbit_manager.get_queues(vhost)}
    assert types[UP_QUEUE] == types["accueil.franchise.contract_changed"] == types["accueil.dead_letters"] == \
        types[topology.UNROUTED] == "quorum"
