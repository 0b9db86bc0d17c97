"""The relay against the real broker: confirmed events are marked sent, in batches; nothing is lost when it
stops before publishing, and a crash after the confirm only duplicates what consumers skip."""
import datetime as dt
import json
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection

import shared.contracts.accueil  # noqa: F401
from shared import topology
from shared.db import Storage
from shared.outbox import Relay
from tests.helpers import drain

TALLY_MIGRATIONS = Path(__file__).parents[2] / "tests" / "tally" / "migrations" / "versions"


def workshop():
    return {"workshop_id": uuid.uuid4(), "agent_id": "a1", "theme": "budget", "partner": None,
            "held_on": dt.date(2026, 11, 2), "attendees": 5, "duration_min": 60, "registres": ["inform"]}


@pytest.fixture
def storage(db_url):
    store = Storage(db_url, TALLY_MIGRATIONS, "pimms-test")
    yield store
    store.dispose()


@pytest.fixture
def listening(rabbit_config):
    """A queue bound to workshop events, as a consumer's would be."""
    uri = rabbit_config["AMQP_URI"]
    with Connection(uri) as conn:
        topology.declare_service(conn.channel(), "probe", ["accueil.workshop_held"])
    return uri, "probe.accueil.workshop_held"


def commit_events(storage, n):
    ids = []
    with storage.unit_of_work() as uow:
        for _ in range(n):
            ids.append(uow.publish("accueil.workshop_held", workshop(), pimms_id="lyon-8")["event_id"])
    return ids


def test_the_relay_publishes_pending_events_in_order_and_marks_them(storage, listening):
    uri, queue = listening
    ids = commit_events(storage, 25)
    relay = Relay(storage.engine, uri, batch_size=10)
    assert [relay.publish_batch() for _ in range(4)] == [10, 10, 5, 0]
    assert relay.backlog()[0] == 0
    relay.stop()
    bodies = [body for body, _ in drain(uri, queue)]
    assert [b["event_id"] for b in bodies] == ids


def test_a_relay_that_died_before_publishing_publishes_everything_once_after_restart(storage, listening):
    uri, queue = listening
    ids = commit_events(storage, 30)
    # the first relay never got to publish (process killed right after the commit): a new one starts
    restarted = Relay(storage.engine, uri, batch_size=100)
    assert restarted.publish_batch() == 30
    assert restarted.publish_batch() == 0
    restarted.stop()
    received = [body["event_id"] for body, _ in drain(uri, queue)]
    assert sorted(received) == sorted(ids) and len(received) == len(set(received))


def test_a_relay_that_died_after_the_confirm_publishes_again_rather_than_lose(storage, listening):
    uri, queue = listening
    ids = commit_events(storage, 5)
    dying = Relay(storage.engine, uri)
    dying.publish(dying.pending(100))  # confirmed by the broker, then killed before marking
    dying.stop()
    assert Relay(storage.engine, uri).publish_batch() == 5
    received = [body["event_id"] for body, _ in drain(uri, queue)]
    assert sorted(received) == sorted(ids + ids)  # at least once: consumers' idempotency makes it once


def test_published_messages_are_persistent_json_envelopes(storage, listening):
    uri, queue = listening
    commit_events(storage, 1)
    Relay(storage.engine, uri).publish_batch()
    with Connection(uri) as conn:
        msg = conn.channel().basic_get(queue, no_ack=True)
    assert msg.properties["delivery_mode"] == 2
    assert msg.properties["content_type"] == "application/json"
    body = json.loads(msg.body)
    assert msg.properties["message_id"] == body["event_id"]


def test_an_event_nobody_listens_to_yet_is_kept_not_dropped(storage, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    ids = commit_events(storage, 3)
    assert Relay(storage.engine, uri).publish_batch() == 3
    kept = [body["event_id"] for body, _ in drain(uri, topology.UNROUTED)]
    assert kept == ids


def test_a_large_batch_is_confirmed_even_when_confirms_arrive_while_it_is_still_publishing(storage, listening):
    # py-amqp reads incoming frames inside basic_publish: confirms of the first messages of a batch arrive
    # before the last is sent, and must not be missed
    uri, queue = listening
    commit_events(storage, 3000)
    relay = Relay(storage.engine, uri, batch_size=3000, confirm_timeout=10)
    assert relay.publish_batch() == 3000
    assert relay.backlog()[0] == 0
    relay.stop()


def test_a_relay_woken_by_a_commit_lingers_so_that_the_next_commits_join_its_batch():
    # given a relay that lingers 0.3 s, and one that does not (no broker: only its wait is exercised)
    lingering, eager = Relay(None, "memory://", linger=0.3), Relay(None, "memory://", linger=0)
    for relay in (lingering, eager):
        relay.wake()  # a commit
    # when each waits for its next batch (at most 5 s)
    took = []
    for relay in (lingering, eager):
        started = time.monotonic()
        relay._sleep(5)
        took.append(time.monotonic() - started)
    # then the woken relay waits its linger, not its poll interval, and the other not at all
    assert 0.3 <= took[0] < 2 and took[1] < 0.2
