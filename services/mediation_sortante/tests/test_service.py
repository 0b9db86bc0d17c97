"""Médiation sortante running for real, against the local RabbitMQ: its events and what they leave out, the
contract copy it keeps from the bus, its RPC, its metrics and the demo of `make run`."""
import base64
import datetime as dt
import json
import re
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy, ServiceRpcProxy

from scripts.demo import mediation_sortante as demo
from services.mediation_sortante.service import MediationSortanteService
from services.mediation_sortante.tests.support import ago, edf_file, edf_row
from shared import envelope
from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound
from tests.helpers import drain, probe, publish_raw, wait_for

EVENT_TYPES = ["mediation_sortante.campaign_opened", "mediation_sortante.contact_attempted",
               "mediation_sortante.case_resolved", "mediation_sortante.campaign_closed"]
PEOPLE = [("Mme Zénobie Quarantotto", "07 81 22 33 44", "7 rue Villon, 69008 Lyon"),
          ("M. Anatole Brézillon", "+33 6 98 76 54 32", "Bâtiment C, 12 avenue Paul Santy, 69008 Lyon")]


def start(container_factory, service_config, web_config, **overrides):
    container = container_factory(MediationSortanteService,
                                  service_config("mediation_sortante", **web_config, **overrides))
    container.start()
    return container


@pytest.fixture
def service(container_factory, service_config, web_config, rabbit_config):
    probe(rabbit_config["AMQP_URI"], *EVENT_TYPES)
    return start(container_factory, service_config, web_config)


def play_a_small_campaign(rpc):
    campaign = rpc.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "opened_at": ago(days=5), "max_attempts": 2})
    rows = [edf_row(n, name=name, phone=phone, address=address) for n, (name, phone, address) in enumerate(PEOPLE, 1)]
    rpc.import_contacts({"campaign_id": campaign["campaign_id"], "content": edf_file(*rows)})
    rpc.share_out({"campaign_id": campaign["campaign_id"], "agent_ids": ["agent-amina"]})
    first, second = rpc.list_contacts({"campaign_id": campaign["campaign_id"]})
    for contact, tries in ((first, [False, True]), (second, [False, False])):
        for days_ago, reached in zip((3, 2), tries):
            rpc.record_attempt({"contact_id": contact["contact_id"], "channel": "phone", "reached": reached,
                                "agent_id": "agent-amina", "at": ago(days=days_ago)})
    rpc.resolve_case({"contact_id": first["contact_id"], "outcome": "payment_plan", "agent_id": "agent-amina",
                      "acts": ["payment_plan_negotiation"], "resolved_at": ago(days=1)})
    rpc.close_campaign({"campaign_id": campaign["campaign_id"]})
    return campaign, [first, second]


def test_a_campaigns_events_match_their_schemas_and_carry_no_personal_data(service, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    with ServiceRpcProxy("mediation_sortante", rabbit_config) as rpc:
        campaign, contacts = play_a_small_campaign(rpc)
    # the relay publishes in commit order: once the close is out, every earlier event is too
    closed = wait_for(lambda: drain(uri, "probe.mediation_sortante.campaign_closed"), message="campaign_closed")
    published = {t: drain(uri, f"probe.{t}") for t in EVENT_TYPES[:-1]}
    published[EVENT_TYPES[-1]] = closed
    assert [len(published[t]) for t in EVENT_TYPES] == [1, 4, 2, 1]
    loaded = [envelope.load(body) for messages in published.values() for body, _ in messages]  # raises if invalid
    assert {e.payload["campaign_id"] for e in loaded} == {uuid.UUID(campaign["campaign_id"])}
    assert {e.pimms_id for e in loaded} == {"lyon-8"} and {e.association_id for e in loaded} == {"pimms-test"}
    resolved = {str(e.payload["contact_id"]): e.payload["outcome"] for e in loaded
                if e.type == "mediation_sortante.case_resolved"}
    assert resolved == {contacts[0]["contact_id"]: "payment_plan", contacts[1]["contact_id"]: "unreachable"}
    text = json.dumps([body for messages in published.values() for body, _ in messages], ensure_ascii=False)
    for contact in contacts:  # neither as given in the file nor as stored
        for value in (contact["name"], contact["phone"], contact["address"], contact["partner_reference"]):
            assert value not in text
    for name, phone, address in PEOPLE:
        for value in (name.split()[-1], phone, address.split(",")[0]):
            assert value not in text


def test_the_contract_copy_comes_from_the_bus(container_factory, service_config, web_config, rabbit_config):
    start(container_factory, service_config, web_config, CONTRACT_ENFORCEMENT=True)
    request = {"pimms_id": "lyon-8", "partner": "edf"}
    with ServiceRpcProxy("mediation_sortante", rabbit_config) as rpc:
        with pytest.raises(ContractViolation):
            rpc.open_campaign(request)
        publish_raw(rabbit_config["AMQP_URI"], "franchise.contract_changed", envelope.build(
            "franchise.contract_changed", {
                "contract_id": uuid.uuid4(), "revision": 1, "pimms_ids": ["lyon-8"], "mandates": ["mediation_sortante"],
                "conventions": [{"partner": "edf", "scope": ["mediation_sortante"], "valid_from": dt.date(2025, 1, 1),
                                 "valid_to": None}],
                "training_floor_pct": 9.0, "status": "active", "valid_from": dt.date(2025, 1, 1), "valid_to": None,
            }, association_id="pimms-test", pimms_id=None))

        def opens():
            try:
                return rpc.open_campaign(request)
            except ContractViolation:
                return None

        assert wait_for(opens, message="the contract applied")["status"] == "open"
        with pytest.raises(ContractViolation) as exc:
            rpc.open_campaign({**request, "partner": "veolia"})
        assert exc.value.rule == "no_convention"


def test_rpc_callers_get_typed_errors(service, rabbit_config):
    with ServiceRpcProxy("mediation_sortante", rabbit_config) as rpc:
        with pytest.raises(InvalidRequest) as exc:
            rpc.open_campaign({"pimms_id": "lyon-8", "partner": "acme"})
        assert "partner" in exc.value.errors
        campaign, _ = play_a_small_campaign(rpc)
        with pytest.raises(Conflict):
            rpc.close_campaign({"campaign_id": campaign["campaign_id"]})
        assert rpc.mark_statement_sent({"campaign_id": campaign["campaign_id"]})["statement_sent_at"] is not None
        with pytest.raises(Conflict):
            rpc.mark_statement_sent({"campaign_id": campaign["campaign_id"]})


def test_the_rpc_takes_the_partners_file_as_it_is_and_gives_the_statement_as_csv(service, rabbit_config):
    with ServiceRpcProxy("mediation_sortante", rabbit_config) as rpc:
        campaign_id = rpc.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "opened_at": ago(days=3),
                                         "channels": ["phone", "door_to_door"]})["campaign_id"]
        excel = edf_file(edf_row(1, name="Mme Hélène Lefèvre"), edf_row(2, phone="04 78")).encode("cp1252")
        report = rpc.import_contacts({"campaign_id": campaign_id, "content_base64": base64.b64encode(excel).decode()})
        assert (report["imported"], report["encoding"], report["rejected_rows"][0]["line"]) == (1, "cp1252", 3)
        again = rpc.import_contacts({"campaign_id": campaign_id, "content_base64": base64.b64encode(excel).decode()})
        assert again["already_imported"] == 1
        rpc.import_contacts({"campaign_id": campaign_id, "encoding": "cp1252",
                             "content_base64": base64.b64encode(edf_file(edf_row(3)).encode("cp1252")).decode()})

        [contact, other] = rpc.list_contacts({"campaign_id": campaign_id})
        assert contact["name"] == "Mme Hélène Lefèvre"
        tried = rpc.record_attempt({"contact_id": contact["contact_id"], "channel": "door_to_door", "reached": True,
                                    "agent_id": "agent-bruno"})
        assert tried["agent_id"] == "agent-bruno"
        resolved = rpc.resolve_case({"contact_id": contact["contact_id"], "outcome": "contact_restored",
                                     "acts": ["information"], "agent_id": "agent-bruno"})
        assert resolved["outcome"] == "contact_restored"

        statement = rpc.statement(campaign_id, "csv")
        assert statement.startswith("campaign_id;partner;section;key;count;outcome;resolved_on\r\n")
        assert f"{campaign_id};edf;case;1000000001;1;contact_restored;" in statement
        assert rpc.statement(campaign_id)["totals"]["open_cases"] == 1

        with pytest.raises(InvalidRequest) as bad:
            rpc.record_attempt({"contact_id": other["contact_id"], "channel": "sms", "reached": False, "agent_id": "a"})
        assert "channel" in bad.value.errors
        with pytest.raises(InvalidRequest):
            rpc.import_contacts({"campaign_id": campaign_id, "content": ""})
        with pytest.raises(Conflict):
            rpc.close_campaign({"campaign_id": campaign_id})
        with pytest.raises(InvalidRequest):
            rpc.statement(campaign_id, "pdf")
        with pytest.raises(NotFound):
            rpc.statement(str(uuid.uuid4()))
        assert rpc.get_campaign(campaign_id)["contacts"] == 2
        assert [c["campaign_id"] for c in rpc.list_campaigns({"pimms_id": "lyon-8"})] == [campaign_id]


def test_metrics_move_after_real_work(service, web_session, rabbit_config):
    with ServiceRpcProxy("mediation_sortante", rabbit_config) as rpc:
        play_a_small_campaign(rpc)
    text = web_session.get("/metrics").text
    assert 'pimms_outbound_contacts_imported_total{file_format="edf",partner="edf"} 2.0' in text
    assert 'pimms_outbound_attempts_total{channel="phone",reached="false"} 3.0' in text
    assert 'pimms_outbound_attempts_total{channel="phone",reached="true"} 1.0' in text
    assert 'pimms_outbound_outcomes_total{outcome="unreachable",partner="edf"} 1.0' in text
    assert 'pimms_outbound_outcomes_total{outcome="payment_plan",partner="edf"} 1.0' in text
    wait_for(lambda: 'pimms_events_published_total{event_type="mediation_sortante.campaign_closed"} 1.0'
             in web_session.get("/metrics").text, message="the events counted as published")
    # the daily retention job ran at start (its timer is eager) and counted what it did, nothing here
    counters = ("campaigns_expired", "cases_expired", "identities_purged", "statement_references_purged")
    wait_for(lambda: all(f"pimms_outbound_{counter}_total 0.0" in web_session.get("/metrics").text
                         for counter in counters), message="the retention job's counters")


def test_the_demo_of_make_run_plays_through_the_real_rpc(service, rabbit_config):
    with ClusterRpcProxy(rabbit_config, timeout=30) as rpc:
        played = demo.play(rpc, dt.date.today() - dt.timedelta(days=1))
        lines = demo.figures(rpc)
        statement = rpc.mediation_sortante.statement(played["campaign_id"])
    assert (played["import"]["imported"], played["import"]["rejected"]) == (20, 2)
    assert statement["final"] is True and statement["totals"]["contacts"] == 20
    assert sum(statement["outcomes"].values()) == 20
    assert any(line.split() == ["contacts", "20"] for line in lines)
    [outcomes] = [line for line in lines if line.split()[0] == "outcomes"]
    assert sum(int(n) for n in re.findall(r"[0-9]+", outcomes)) == 20
