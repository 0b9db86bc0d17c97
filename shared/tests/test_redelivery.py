"""The queue kinds, their arguments, and the retry rules, without a broker."""
import datetime as dt

import pytest

from shared import redelivery, topology


def test_the_queue_type_is_classic_unless_the_stack_says_quorum():
    assert redelivery.queue_type({}) == "classic"
    assert redelivery.queue_type({"PIMMS_QUEUE_TYPE": ""}) == "classic"
    assert redelivery.queue_type({"PIMMS_QUEUE_TYPE": " Quorum "}) == "quorum"


def test_an_unknown_queue_type_is_refused_naming_the_variable_and_the_choices():
    with pytest.raises(ValueError, match=r"PIMMS_QUEUE_TYPE must be one of classic, quorum, not 'mirrored'"):
        redelivery.queue_type({"PIMMS_QUEUE_TYPE": "mirrored"})
    with pytest.raises(ValueError, match="queue type"):
        redelivery.consumer_arguments("lazy", "pimms.dead_letters", "reporting")


def test_classic_queues_keep_exactly_the_arguments_they_always_had_so_an_existing_stack_redeclares_them():
    assert redelivery.consumer_arguments("classic", "pimms.dead_letters", "reporting") == {}
    assert redelivery.plain_arguments("classic") == {}
    assert topology.consumer_queue("reporting", "accueil.visit_closed", "classic").queue_arguments == {}


def test_a_quorum_consumer_queue_bounds_redeliveries_and_dead_letters_at_least_once_to_its_service():
    arguments = topology.consumer_queue("reporting", "accueil.visit_closed", "quorum").queue_arguments
    assert arguments == {
        "x-queue-type": "quorum", "x-delivery-limit": redelivery.DELIVERY_LIMIT,
        "x-dead-letter-exchange": "pimms.dead_letters", "x-dead-letter-routing-key": "reporting",
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
    }
    # where the broker dead-letters to is where the consumer dead-letters to: the service's queue
    dead_letters = topology.dead_letter_queue("reporting", "quorum")
    assert (dead_letters.exchange.name, dead_letters.routing_key) == ("pimms.dead_letters", "reporting")
    assert dead_letters.queue_arguments == {"x-queue-type": "quorum"}
    assert topology.unrouted_queue("quorum").queue_arguments == {"x-queue-type": "quorum"}


def test_the_process_environment_chooses_the_type_when_none_is_given(monkeypatch):
    monkeypatch.setenv("PIMMS_QUEUE_TYPE", "quorum")
    assert topology.consumer_queue("accueil", "franchise.contract_changed").queue_arguments["x-queue-type"] == \
        "quorum"
    monkeypatch.delenv("PIMMS_QUEUE_TYPE")
    assert topology.consumer_queue("accueil", "franchise.contract_changed").queue_arguments == {}


def test_a_delay_queue_expires_its_messages_back_through_the_default_exchange():
    classic = topology.retry_queue(400, "classic")
    assert classic.name == "pimms.retry.400ms" and classic.exchange.type == "fanout"
    assert classic.queue_arguments == {"x-message-ttl": 400, "x-dead-letter-exchange": ""}
    quorum = topology.retry_queue(400, "quorum").queue_arguments
    assert quorum["x-queue-type"] == "quorum" and quorum["x-dead-letter-strategy"] == "at-least-once"
    assert quorum["x-overflow"] == "reject-publish"  # what at-least-once dead-lettering requires


def test_the_pause_doubles_at_each_failed_attempt_in_whole_milliseconds_and_is_capped():
    assert [redelivery.retry_delay_ms(n, 0.2) for n in (1, 2, 3, 4)] == [200, 400, 800, 1600]
    assert redelivery.retry_delay_ms(1, 0.0001) == 1
    assert redelivery.retry_delay_ms(40, 5) == redelivery.MAX_DELAY_MS
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        redelivery.retry_delay_ms(0, 0.2)
    with pytest.raises(ValueError, match="backoff must not be negative"):
        redelivery.retry_delay_ms(1, -1)


def test_a_failure_is_retried_until_the_last_attempt_which_dead_letters():
    assert redelivery.after_failure(0, 3, 0.2) == ("retry", 1, 200)
    assert redelivery.after_failure(1, 3, 0.2) == ("retry", 2, 400)
    assert redelivery.after_failure(2, 3, 0.2) == ("dead_letter", 3, 0)
    assert redelivery.after_failure(0, 1, 0.2) == ("dead_letter", 1, 0)


def test_the_reason_of_a_message_the_broker_dead_lettered_is_its_latest_death():
    headers = {"x-death": [
        {"reason": "delivery_limit", "queue": "reporting.accueil.visit_closed", "count": 1,
         "time": dt.datetime(2026, 12, 3)},
        {"reason": "expired", "queue": "pimms.retry.200ms", "count": 2},
    ], "x-first-death-reason": "expired"}
    kind, reason = redelivery.death_reason(headers)
    assert kind == "delivery_limit"
    assert "reporting.accueil.visit_closed" in reason and str(redelivery.DELIVERY_LIMIT) in reason
    assert redelivery.death_reason({}) == (None, None)
    assert redelivery.death_reason({"x-death": [{"reason": b"rejected", "queue": b"q"}]})[0] == "rejected"
