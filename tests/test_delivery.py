"""Delivery guarantees across services, against the real broker: every closed visit reaches its consumer
once, duplicates are applied once, bad messages go to the dead-letter queue with a reason and can be
replayed, and the consumer keeps serving throughout."""
import datetime as dt
import json
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.accueil.service import AccueilService
from shared import deadletters, envelope
from tests.helpers import publish_raw, queue_depth, wait_for
from tests.tally.service import TallyService


def close_visits(accueil, n, agent_id="agent-1"):
    ids = []
    for _ in range(n):
        visit = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": agent_id,
                                    "motif": {"kind": "generaliste", "domain": "caf"}})
        accueil.add_act({"visit_id": visit["visit_id"], "kind": "information"})
        accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved"})
        ids.append(visit["visit_id"])
    return ids


def tally_counts(config):
    with ServiceRpcProxy("tally", config) as tally:
        return tally.counts()


def valid_event(agent_id="agent-1"):
    return envelope.build("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": agent_id, "theme": "digital", "partner": None,
        "held_on": dt.date(2026, 11, 20), "attendees": 8, "duration_min": 120, "registres": ["collective"],
    }, association_id="pimms-test", pimms_id="lyon-8")


@pytest.fixture
def stack(container_factory, service_config):
    tally_config = service_config("tally")
    tally = container_factory(TallyService, tally_config)
    tally.start()

    def start_accueil(**overrides):
        container = container_factory(AccueilService, service_config("accueil", **overrides))
        container.start()
        return container

    return start_accueil, tally_config


def test_every_closed_visit_reaches_the_consumer_exactly_once_despite_a_dead_relay(stack, rabbit_config):
    start_accueil, tally_config = stack
    # given accueil commits visits while its relay is dead (killed between commit and publish)
    silent = start_accueil(OUTBOX={"relay": False})
    with ServiceRpcProxy("accueil", rabbit_config) as accueil:
        closed = close_visits(accueil, 12)
    silent.kill()
    assert tally_counts(tally_config) == {}
    # when accueil restarts with its relay
    start_accueil()
    # then every event is published and applied exactly once
    counts = wait_for(lambda: len(tally_counts(tally_config)) == 12 and tally_counts(tally_config),
                      message="12 tallied visits")
    assert sorted(counts.values()) == [1] * 12
    assert len(closed) == 12


def test_a_duplicated_delivery_is_applied_once(stack, rabbit_config):
    _, tally_config = stack
    event = valid_event()
    for _ in range(3):
        publish_raw(rabbit_config["AMQP_URI"], "accueil.workshop_held", event)
    wait_for(lambda: tally_counts(tally_config), message="the event tallied")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], "tally.accueil.workshop_held") == 0)
    assert tally_counts(tally_config) == {event["event_id"]: 1}


@pytest.mark.parametrize("body, content_type, reason", [
    (b"{not json", "application/json", "cannot be decoded"),
    (b"\x00\x01 binary", "application/x-unknown", "cannot be decoded"),
    (json.dumps({"hello": "world"}), "application/json", "event_id"),
])
def test_a_malformed_message_is_dead_lettered_with_its_reason_and_service_keeps_serving(
        stack, rabbit_config, body, content_type, reason):
    _, tally_config = stack
    uri = rabbit_config["AMQP_URI"]
    publish_raw(uri, "accueil.workshop_held", body, content_type=content_type)
    letters = wait_for(lambda: deadletters.list_letters(uri, "tally"), message="a dead letter")
    assert len(letters) == 1
    assert reason in letters[0].headers["x-pimms-reason"]
    assert letters[0].headers["x-pimms-queue"] == "tally.accueil.workshop_held"
    assert letters[0].body == (body if isinstance(body, bytes) else body.encode())
    # and the consumer still applies the next good event
    good = valid_event()
    publish_raw(uri, "accueil.workshop_held", good)
    wait_for(lambda: tally_counts(tally_config) == {good["event_id"]: 1}, message="the good event tallied")


def test_a_handler_that_keeps_failing_is_dead_lettered_after_its_retries(stack, rabbit_config):
    _, tally_config = stack
    uri = rabbit_config["AMQP_URI"]
    poison = valid_event(agent_id="boom")  # tally's handler raises on agent "boom"
    publish_raw(uri, "accueil.workshop_held", poison)
    letters = wait_for(lambda: deadletters.list_letters(uri, "tally"), message="a dead letter")
    assert "failed 3 times" in letters[0].headers["x-pimms-reason"]
    assert "HandlerFailure" in letters[0].headers["x-pimms-reason"]
    assert letters[0].event_id == poison["event_id"]
    assert tally_counts(tally_config) == {}
    # listing does not take the letters away
    assert len(deadletters.list_letters(uri, "tally")) == 1


def test_replaying_a_dead_letter_after_a_fix_applies_it(stack, rabbit_config, monkeypatch):
    _, tally_config = stack
    uri = rabbit_config["AMQP_URI"]
    poison = valid_event(agent_id="boom")
    publish_raw(uri, "accueil.workshop_held", poison)
    wait_for(lambda: deadletters.list_letters(uri, "tally"), message="a dead letter")
    # the fix: the handler no longer fails on this agent
    import tests.tally.service as tally_module

    original = tally_module.tally
    monkeypatch.setattr(tally_module, "tally", lambda uow, event: original(
        uow, envelope.Event(**{**event.__dict__, "payload": {**event.payload, "agent_id": "fixed"}})))
    assert deadletters.replay(uri, "tally") == 1
    wait_for(lambda: tally_counts(tally_config) == {poison["event_id"]: 1}, message="the replayed event tallied")
    assert deadletters.list_letters(uri, "tally") == []


def test_events_published_before_their_consumer_existed_are_replayed_from_unrouted(
        container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    accueil = container_factory(AccueilService, service_config("accueil"))
    accueil.start()
    with ServiceRpcProxy("accueil", rabbit_config) as rpc:
        close_visits(rpc, 3)
    wait_for(lambda: len(deadletters.list_letters(uri, unrouted=True)) == 3, message="3 unrouted events")
    tally_config = service_config("tally")
    container_factory(TallyService, tally_config).start()
    assert deadletters.replay(uri, unrouted=True) == 3
    wait_for(lambda: len(tally_counts(tally_config)) == 3, message="3 tallied visits")


def test_random_malformed_messages_on_the_bus_are_all_dead_lettered_and_the_consumer_keeps_going(
        stack, rabbit_config):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.fuzz import broken, json_values

    _, tally_config = stack
    uri = rabbit_config["AMQP_URI"]
    sent = []

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.one_of(json_values, broken(valid_event()), st.binary(max_size=40)))
    def publish_garbage(body):
        try:
            envelope.load(body)
            return  # hypothesis made a valid event: not garbage
        except Exception:
            pass
        if not isinstance(body, bytes):
            body = json.dumps(body)
        publish_raw(uri, "accueil.workshop_held", body)
        sent.append(body)

    publish_garbage()
    assert sent
    letters = wait_for(lambda: (found := deadletters.list_letters(uri, "tally")) and len(found) == len(sent)
                       and found, timeout=30, message=f"{len(sent)} dead letters")
    assert all(letter.headers["x-pimms-reason"] for letter in letters)
    good = valid_event()
    publish_raw(uri, "accueil.workshop_held", good)
    wait_for(lambda: tally_counts(tally_config) == {good["event_id"]: 1}, message="the good event tallied")
