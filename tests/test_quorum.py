"""Events on quorum queues (PIMMS_QUEUE_TYPE=quorum) against the real broker, on one node (a quorum queue of
one member behaves as on a cluster, without the replicas): a failing handler's retries wait in a delay
queue while its only worker goes on with other events, then the event is dead-lettered with its reason; a
message whose consumer dies holding it is dead-lettered by the broker at the delivery limit, its reason
kept, and can be replayed."""
import datetime as dt
import time
import uuid
from urllib.parse import unquote, urlparse

import pytest
from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy

from shared import deadletters, envelope, redelivery, topology
from tests.helpers import publish_raw, queue_depth, wait_for
from tests.tally.service import TallyService

QUEUE = "tally.accueil.workshop_held"


@pytest.fixture(autouse=True)
def quorum(monkeypatch):
    monkeypatch.setenv("PIMMS_QUEUE_TYPE", "quorum")


def workshop(agent_id="agent-1"):
    return envelope.build("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": agent_id, "theme": "digital", "partner": None,
        "held_on": dt.date(2026, 11, 20), "attendees": 8, "duration_min": 120, "registres": ["collective"],
    }, association_id="pimms-test", pimms_id="lyon-8")


def counts(config):
    with ServiceRpcProxy("tally", config) as tally:
        return tally.counts()


def queue_info(rabbit_manager, config, name):
    vhost = unquote(urlparse(config["AMQP_URI"]).path[1:])
    return rabbit_manager.get_queue(vhost, name)


def test_a_failing_event_waits_its_retries_in_a_delay_queue_while_the_only_worker_handles_the_next(
        container_factory, service_config, rabbit_manager):
    config = service_config("tally", max_workers=1, EVENT_RETRY={"max_attempts": 3, "backoff": 1.5})
    container_factory(TallyService, config).start()
    uri = config["AMQP_URI"]
    poison, fine = workshop(agent_id="boom"), workshop()
    publish_raw(uri, "accueil.workshop_held", poison)
    publish_raw(uri, "accueil.workshop_held", fine)
    started = time.monotonic()
    # the poison's first pause is 1.5 s: a worker sleeping through it would hold the next event that long
    wait_for(lambda: counts(config) == {fine["event_id"]: 1}, timeout=10, message="the next event applied")
    assert time.monotonic() - started < 1.5
    assert wait_for(lambda: queue_depth(uri, "pimms.retry.1500ms"), timeout=1,
                    message="the failed event in the 1.5 s delay queue") == 1
    letters = wait_for(lambda: deadletters.list_letters(uri, "tally"), timeout=20, message="a dead letter")
    # two pauses (1.5 s then 3 s) spent in the broker before the third and last attempt
    assert time.monotonic() - started >= 4.5
    assert letters[0].event_id == poison["event_id"]
    assert letters[0].reason == ("failed", letters[0].headers["x-pimms-reason"])
    assert "failed 3 times" in letters[0].headers["x-pimms-reason"]
    assert "HandlerFailure" in letters[0].headers["x-pimms-reason"]
    for name in (QUEUE, "tally.dead_letters", "pimms.retry.1500ms", "pimms.retry.3000ms", topology.UNROUTED,
                 "rpc-tally"):
        assert queue_info(rabbit_manager, config, name)["type"] == "quorum", name
    assert counts(config) == {fine["event_id"]: 1}


def test_a_message_whose_consumer_keeps_dying_is_dead_lettered_at_the_delivery_limit_with_its_reason(
        container_factory, service_config):
    config = service_config("tally")
    uri = config["AMQP_URI"]
    with Connection(uri) as conn:  # the service's queues as it declares them, the service not running yet
        topology.declare_service(conn.channel(), "tally", ["accueil.workshop_held"])
    lethal = workshop()
    publish_raw(uri, "accueil.workshop_held", lethal)
    for _ in range(redelivery.DELIVERY_LIMIT + 1):
        # a consumer that takes the message and dies before settling it: the broker takes it back
        with Connection(uri) as conn:
            assert conn.channel().basic_get(QUEUE, no_ack=False) is not None
    [letter] = wait_for(lambda: deadletters.list_letters(uri, "tally"), message="the broker's dead letter")
    assert letter.event_id == lethal["event_id"]
    kind, reason = letter.reason
    assert kind == "delivery_limit" and QUEUE in reason
    assert letter.describe()["queue"] == QUEUE and letter.describe()["kind"] == "delivery_limit"
    with Connection(uri) as conn:
        assert conn.channel().basic_get(QUEUE, no_ack=True) is None  # it left its queue, once
    # once what killed its consumers is fixed, the replay sends it back to its queue, applied once
    container_factory(TallyService, config).start()
    assert deadletters.replay(uri, "tally") == 1
    wait_for(lambda: counts(config) == {lethal["event_id"]: 1}, message="the replayed event applied")
    assert deadletters.list_letters(uri, "tally") == []
