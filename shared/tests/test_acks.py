"""A batch gets one multiple ack only when nothing else unsettled lies below its last delivery tag: on a fake
channel (which frames are sent), then on the real broker (what a multiple ack would have taken with it)."""
import json
import time

from kombu import Connection, Exchange, Queue

from shared import acks


class FakeChannel:
    connection = True

    def __init__(self):
        self.frames = []

    def basic_ack(self, tag, multiple=False):
        self.frames.append((tag, multiple))


class FakeMessage:
    def __init__(self, channel, tag):
        self.channel, self.delivery_tag, self._state = channel, tag, "RECEIVED"

    def ack(self):
        self.channel.basic_ack(self.delivery_tag)
        self._state = "ACK"


def delivered(channel, tags):
    messages = [FakeMessage(channel, tag) for tag in tags]
    for message in messages:
        acks.delivered(message)
    return messages


def test_a_batch_holding_the_lowest_unsettled_tags_is_acked_in_one_frame():
    channel = FakeChannel()
    messages = delivered(channel, range(1, 11))
    assert acks.ack(messages[:4]) == 1
    assert channel.frames == [(4, True)]
    assert acks.ack(messages[4:]) == 1
    assert channel.frames[-1] == (10, True)
    assert {m._state for m in messages} == {"ACK"}


def test_a_batch_above_an_unsettled_delivery_is_acked_message_by_message():
    channel = FakeChannel()
    messages = delivered(channel, range(1, 11))
    assert acks.ack(messages[5:]) == 5  # 1..5 belong to someone else, still at work
    assert channel.frames == [(tag, False) for tag in range(6, 11)]
    # once the others are done, they are the lowest again: one frame, which covers nothing acked twice
    assert acks.ack(messages[:5]) == 1
    assert channel.frames[-1] == (5, True)


def test_a_requeued_message_no_longer_holds_back_the_batches_above_it():
    channel = FakeChannel()
    messages = delivered(channel, range(1, 8))
    acks.settled(messages[0])  # requeued: the broker has it back
    assert acks.ack(messages[1:]) == 1
    assert channel.frames == [(7, True)]


def test_a_batch_interleaved_with_another_consumer_is_never_acked_over_it():
    channel = FakeChannel()
    messages = delivered(channel, range(1, 9))
    even = messages[1::2]  # the odd ones stay unsettled, held by another handler
    assert acks.ack(even) == 4  # 1, 3, 5, 7 unsettled in between
    assert all(not multiple for _, multiple in channel.frames)


def test_messages_of_a_closed_channel_are_left_to_the_broker():
    channel = FakeChannel()
    messages = delivered(channel, [1, 2])
    channel.connection = None
    assert acks.ack(messages) == 0
    assert channel.frames == []


def test_on_the_broker_a_batch_never_acks_a_delivery_still_at_work(rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    exchange = Exchange("acks-test", type="direct", durable=False)
    queue = Queue("acks-test", exchange=exchange, routing_key="acks-test", durable=True)
    with Connection(uri) as conn:
        producer = conn.Producer()
        for i in range(10):
            producer.publish({"i": i}, exchange=exchange, routing_key="acks-test", declare=[queue],
                             delivery_mode=2)

    with Connection(uri) as conn:
        channel = conn.channel()
        received = []

        def on_message(message):
            acks.delivered(message)
            received.append(message)

        with conn.Consumer(queue, channel=channel, on_message=on_message, prefetch_count=10):
            deadline = time.monotonic() + 10
            while len(received) < 10 and time.monotonic() < deadline:
                conn.drain_events(timeout=1)
        assert [m.payload["i"] for m in received] == list(range(10))
        assert acks.ack(received[5:]) == 5  # deliveries 0-4 are still at work: no multiple ack over them
        assert acks.ack(received[:3]) == 1  # 0-2 are now the lowest unsettled: one frame
        # the service dies with 3 and 4 unsettled

    with Connection(uri) as conn:
        channel = conn.channel()
        left = []
        while (message := channel.basic_get("acks-test", no_ack=True)) is not None:
            left.append(json.loads(message.body))
        assert left == [{"i": 3}, {"i": 4}]
