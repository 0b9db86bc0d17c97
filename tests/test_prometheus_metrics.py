"""The gauges behind the operators' newer alerts, each computed from what it claims to measure: the last month
whose figures the broker took (the outbox), the oldest letter of a dead-letter queue (peeked, never taken),
and every service's process start time."""
import datetime as dt
import json

import amqp
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from services.reporting import periods
from shared import deadletters, topology
from shared.metrics import PlatformMetrics
from shared.tables import metadata, outbox

NOW = dt.datetime(2026, 12, 3, 10, tzinfo=dt.timezone.utc)


def period_closed(association_id, period, sent, number):
    body = {"event_id": f"e{number}", "type": periods.PERIOD_CLOSED, "version": 1, "association_id": association_id,
            "pimms_id": None, "occurred_at": NOW.isoformat(), "payload": {"period": period, "revision": 1}}
    return {"event_id": f"e{number}", "event_type": periods.PERIOD_CLOSED, "body": json.dumps(body),
            "created_at": NOW, "sent_at": NOW if sent else None}


def test_the_last_month_sent_is_the_latest_month_of_this_association_the_broker_confirmed():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [period_closed("pimms-lyon", "2026-09", True, 1), period_closed("pimms-lyon", "2026-10", True, 2),
            period_closed("pimms-lyon", "2026-11", False, 3),  # closed, still in the outbox: not sent
            period_closed("pimms-lyon", "2026", True, 4),  # the year to date is not a month
            period_closed("pimms-nord", "2026-11", True, 5)]  # another association's, held here
    with engine.begin() as conn:
        conn.execute(insert(outbox), rows)
        conn.execute(insert(outbox).values(event_id="v", event_type="accueil.visit_closed", body="{}",
                                           created_at=NOW, sent_at=NOW))
    with Session(engine) as session:
        assert periods.last_month_sent(session, "pimms-lyon") == "2026-10"
        assert periods.last_month_sent(session, "pimms-sud") is None


def test_months_are_numbered_as_promql_counts_them():
    assert periods.month_number("2026-11") == 2026 * 12 + 10
    assert periods.month_number("2027-01") - periods.month_number("2026-12") == 1


def letter(channel, service, dead_lettered_at):
    channel.basic_publish(
        amqp.Message(b"{}", delivery_mode=2, application_headers={"x-pimms-dead-lettered-at": dead_lettered_at}),
        exchange="", routing_key=topology.dead_letter_queue(service).name)


def test_the_oldest_dead_letter_is_read_from_the_head_of_the_queue_and_left_there(rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    assert deadletters.oldest_dead_lettered_at(uri, "reporting") is None  # no queue at all: none waiting
    with amqp.Connection("127.0.0.1:5672", userid="guest", password="guest",
                         virtual_host=rabbit_config["vhost"]) as conn:
        channel = conn.channel()
        channel.queue_declare(topology.dead_letter_queue("reporting").name, durable=True, auto_delete=False)
        assert deadletters.oldest_dead_lettered_at(uri, "reporting") is None  # an empty queue
        letter(channel, "reporting", "2026-12-01T08:00:00+00:00")
        letter(channel, "reporting", "2026-12-02T08:00:00+00:00")

    first = dt.datetime(2026, 12, 1, 8, tzinfo=dt.timezone.utc).timestamp()
    assert deadletters.oldest_dead_lettered_at(uri, "reporting") == first
    assert deadletters.oldest_dead_lettered_at(uri, "reporting") == first  # peeked, not taken
    assert [letter.headers["x-pimms-dead-lettered-at"] for letter in deadletters.list_letters(uri, "reporting")] \
        == ["2026-12-01T08:00:00+00:00", "2026-12-02T08:00:00+00:00"]  # both still there, in their order


def test_every_service_exposes_its_process_start_time_and_the_dead_letter_gauge():
    exposed = PlatformMetrics().expose().get_data(as_text=True)
    assert "\nprocess_start_time_seconds " in exposed
    assert "\npimms_dead_letters_oldest_timestamp_seconds 0.0" in exposed
