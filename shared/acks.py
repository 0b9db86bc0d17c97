"""Acking a batch of messages with one `basic.ack(multiple=True)` when that is safe, instead of one per message.

A multiple ack settles every unacked delivery of the channel up to its tag, whoever is handling them: all
of a service's event queues share the queue consumer's channel, so a message of another queue (or of a
batch still filling, or of a handler still running) may sit below the batch's last tag. Acking it with the
batch would lose it if the service died before handling it. So each channel keeps the tags delivered and
not settled yet, in delivery order, and a batch gets the multiple ack only when the unsettled tags up to
its last one are exactly its own; otherwise each message is acked alone, as before. Every delivery must be
registered (`delivered`) before it is handled, and every settlement (ack, requeue) must come through here.
"""
from bisect import bisect_right


def _unsettled(channel):
    tags = getattr(channel, "_pimms_unsettled", None)
    if tags is None:
        tags = channel._pimms_unsettled = []
    return tags


def delivered(message):
    """Register a delivery; called in the consumer thread, so tags arrive in increasing order."""
    _unsettled(message.channel).append(message.delivery_tag)


def ack(messages):
    """Ack the messages: one frame per channel when nothing of another handler lies below their last tag.
    Returns the number of ack frames sent."""
    by_channel = {}
    for message in messages:  # after a reconnection, a batch may hold deliveries of two channels
        by_channel.setdefault(id(message.channel), []).append(message)
    frames = 0
    for group in by_channel.values():
        channel = group[0].channel
        if channel is None or not channel.connection:
            continue  # the broker already took them back with the closed channel: they will be redelivered
        tags = _unsettled(channel)
        mine = {m.delivery_tag for m in group}
        last = max(mine)
        below = bisect_right(tags, last)
        if below == len(mine) and mine.issuperset(tags[:below]):
            channel.basic_ack(last, multiple=True)
            del tags[:below]
            for message in group:
                message._state = "ACK"  # what kombu's Message.ack records
            frames += 1
            continue
        for message in group:
            message.ack()
            _forget(tags, message.delivery_tag)
            frames += 1
    return frames


def settled(message):
    """Forget a message settled some other way (requeued, rejected)."""
    if message.channel is not None:
        _forget(_unsettled(message.channel), message.delivery_tag)


def _forget(tags, tag):
    at = bisect_right(tags, tag) - 1
    if at >= 0 and tags[at] == tag:
        del tags[at]
