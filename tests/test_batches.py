"""Batch consumers apply many events per transaction, with the same guarantees as single ones: each event
applied once, and a bad event isolated, retried and dead-lettered alone while its batch-mates are applied."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared import deadletters
from shared.metrics import metrics_for
from tests.helpers import publish_many, queue_depth, wait_for
from tests.tally.service import BatchTallyService
from tests.test_delivery import valid_event


@pytest.fixture
def batch_tally(container_factory, service_config):
    config = service_config("batch_tally", EVENT_PREFETCH=100)
    container = container_factory(BatchTallyService, config)
    container.start()
    return container, config


def counts(config):
    with ServiceRpcProxy("batch_tally", config) as rpc:
        return rpc.counts()


def calls(container):
    return metrics_for(container).calls.labels("on_workshops")._value.get()


def test_many_events_are_applied_once_each_in_few_transactions(batch_tally, rabbit_config):
    container, config = batch_tally
    events = [valid_event() for _ in range(300)]
    # 40 duplicates, some in the same batch as their original
    publish_many(rabbit_config["AMQP_URI"], "accueil.workshop_held", events + events[:40])
    duplicates = metrics_for(container).events_duplicate.labels("accueil.workshop_held")._value.get
    # counted as duplicates only once handled, and the worker's result is counted after its commit
    wait_for(lambda: duplicates() >= 40, message="40 duplicates skipped")
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], "batch_tally.accueil.workshop_held") == 0)
    tallied = wait_for(lambda: len(c := counts(config)) == 300 and c, message="300 tallied events")
    assert sorted(tallied.values()) == [1] * 300
    assert calls(container) < 60  # batches, not one worker per event
    assert duplicates() == 40


def test_a_poison_event_is_dead_lettered_alone_and_its_batch_mates_are_applied(batch_tally, rabbit_config):
    _, config = batch_tally
    uri = rabbit_config["AMQP_URI"]
    good = [valid_event() for _ in range(20)]
    poison = valid_event(agent_id="boom")
    publish_many(uri, "accueil.workshop_held", good[:10] + [poison] + good[10:])
    wait_for(lambda: len(counts(config)) == 20, message="the 20 good events")
    letters = wait_for(lambda: deadletters.list_letters(uri, "batch_tally"), message="the poison dead-lettered")
    assert [letter.event_id for letter in letters] == [poison["event_id"]]
    assert "HandlerFailure" in letters[0].headers["x-pimms-reason"]
    assert poison["event_id"] not in counts(config)
