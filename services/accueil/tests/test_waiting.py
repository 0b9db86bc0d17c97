"""The waiting room through accueil's RPC on a real database (issue 20): tickets numbered per desk and day,
« Suivant » serving them in order and opening their visit with the wait the server measured, exactly once
(two agents, a retried request); appointments booked in agents' slots, received or missed; the end of the
day; events that name nobody; a named person's appointments in their export, unlinked by erasure."""
import datetime as dt

import eventlet
import pytest
from sqlalchemy import update

from services.accueil.models import Appointment, Ticket
from services.accueil.service import MIGRATIONS
from services.accueil.tests.conftest import AGENT, MANAGER, make_accueil
from services.accueil.tests.test_citizens import named_visit
from shared import localtime
from shared.errors import Conflict, InvalidRequest, NotFound
from tests import kit

CAF = {"kind": "generaliste", "domain": "caf"}
EDF = {"kind": "partenaire", "partner": "edf"}
UTC = dt.timezone.utc


def soon(minutes=60):
    at = dt.datetime.now(UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return at.isoformat()


def arrived_minutes_ago(storage, ticket_id, minutes):
    """The ticket arrived earlier than now (the server stamps arrivals: a test moves the stamp back)."""
    with storage.sessionmaker() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(
            arrived_at=dt.datetime.now(UTC) - dt.timedelta(minutes=minutes)))


def test_tickets_are_numbered_per_desk_and_day_and_served_in_order_with_the_wait_measured(storage):
    accueil = make_accueil(storage, MANAGER)
    first = accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF})
    second = accueil.take_ticket({"pimms_id": "lyon-8", "motif": EDF})
    other_desk = accueil.take_ticket({"pimms_id": "lyon-9", "motif": CAF})
    assert (first["label"], second["label"], other_desk["label"]) == ("A-001", "A-002", "A-001")
    arrived_minutes_ago(storage, first["ticket_id"], 17)
    served = accueil.call_next({"pimms_id": "lyon-8", "agent_id": "a1", "counter": 3})
    assert served["ticket"]["ticket_id"] == first["ticket_id"] and served["ticket"]["counter"] == 3
    assert served["visit"]["motif"] == {"kind": "generaliste", "partner": None, "domain": "caf"}
    assert served["visit"]["waiting_min"] == 17 and served["visit"]["status"] == "open"
    [event] = kit.published(storage, "accueil.ticket_served")
    assert event["payload"]["waiting_min"] == 17 and "number" not in event["payload"]
    assert accueil.call_next({"pimms_id": "lyon-8", "agent_id": "a1"})["ticket"]["label"] == "A-002"
    with pytest.raises(Conflict):
        accueil.call_next({"pimms_id": "lyon-8", "agent_id": "a1"})
    assert [t["status"] for t in accueil.list_tickets({"pimms_id": "lyon-8"})] == ["served", "served"]


def test_suivant_retried_with_its_key_answers_the_same_ticket_and_serves_nothing_more(storage):
    accueil = make_accueil(storage, MANAGER)
    for _ in range(2):
        accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF})
    request = {"pimms_id": "lyon-8", "agent_id": "a1", "idempotency_key": "suivant-1"}
    once, again = accueil.call_next(request), accueil.call_next(request)
    assert once == again
    assert [t["status"] for t in accueil.list_tickets({"pimms_id": "lyon-8"})] == ["served", "waiting"]
    assert len(kit.published(storage, "accueil.ticket_served")) == 1
    sample = accueil.metrics.registry.get_sample_value
    assert [sample("pimms_tickets_total", {"event": e}) for e in ("taken", "served")] == [2.0, 1.0]


@pytest.fixture
def any_storage(migrated_storage, db_url):
    """On SQLite and on PostgreSQL, where concurrent transactions really interleave."""
    return migrated_storage(MIGRATIONS, url=db_url)


def test_arrivals_at_the_same_moment_get_distinct_numbers(any_storage):
    pool = eventlet.GreenPool()
    taken = list(pool.imap(lambda _: make_accueil(any_storage, MANAGER).take_ticket(
        {"pimms_id": "lyon-8", "motif": CAF}), range(8)))
    assert sorted(t["number"] for t in taken) == list(range(1, 9))


def test_two_agents_pressing_suivant_at_once_serve_two_tickets_never_one_twice(any_storage):
    storage = any_storage
    accueil = make_accueil(storage, MANAGER)
    for _ in range(3):
        accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF})
    pool = eventlet.GreenPool()
    answers = list(pool.imap(lambda n: _press(storage, n), range(5)))
    served = [a["ticket"]["ticket_id"] for a in answers if a is not None]
    assert len(served) == 3 == len(set(served)) and answers.count(None) == 2
    assert len(kit.published(storage, "accueil.ticket_served")) == 3
    assert len({a["visit"]["visit_id"] for a in answers if a}) == 3


def test_overlapping_slots_of_one_agent_booked_at_once_are_booked_once(any_storage):
    starts = [soon(60), soon(70), soon(80), soon(65)]  # 30 minutes each: every one overlaps every other

    def book(at):
        try:
            return make_accueil(any_storage, MANAGER).book_appointment(
                {"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": at, "motif": CAF})
        except Conflict:
            return None
    answers = list(eventlet.GreenPool().imap(book, starts))
    assert len([a for a in answers if a]) == 1, answers
    assert len(kit.published(any_storage, "accueil.appointment_booked")) == 1


def _press(storage, agent):
    try:
        return make_accueil(storage, MANAGER).call_next({"pimms_id": "lyon-8", "agent_id": f"a{agent}"})
    except Conflict:
        return None


def test_a_ticket_of_another_desk_is_not_the_agents_and_bad_tickets_are_typed_errors(storage):
    agent = make_accueil(storage, AGENT)
    with pytest.raises(Exception) as foreign:
        agent.take_ticket({"pimms_id": "lyon-9", "motif": CAF})
    assert type(foreign.value).__name__ == "Forbidden"
    with pytest.raises(InvalidRequest) as bad:
        agent.take_ticket({"pimms_id": "lyon-8", "motif": {"kind": "partenaire"}})
    assert "motif" in bad.value.errors
    with pytest.raises(InvalidRequest) as counter:
        agent.call_next({"pimms_id": "lyon-8", "agent_id": "a1", "counter": 0})
    assert "counter" in counter.value.errors
    other = make_accueil(storage, MANAGER).take_ticket({"pimms_id": "lyon-9", "motif": CAF})
    with pytest.raises(NotFound):
        agent.ticket_left({"ticket_id": other["ticket_id"]})


def test_the_board_shows_numbers_and_counters_only_and_a_person_who_left_is_counted(storage):
    accueil = make_accueil(storage, MANAGER)
    tickets = [accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF}) for _ in range(3)]
    accueil.call_next({"pimms_id": "lyon-8", "agent_id": "a1", "counter": 2})
    left = accueil.ticket_left({"ticket_id": tickets[1]["ticket_id"]})
    assert left["status"] == "left"
    with pytest.raises(Conflict):
        accueil.ticket_left({"ticket_id": tickets[1]["ticket_id"]})
    board = make_accueil(storage, None).waiting_board({"pimms_id": "lyon-8"})
    assert board["waiting"] == 1 and board["called"] == [{"label": "A-001", "counter": 2}]
    [event] = kit.published(storage, "accueil.ticket_left")
    assert event["payload"]["at_day_end"] is False


def test_the_end_of_the_day_closes_the_tickets_left_and_the_appointments_missed(storage):
    accueil = make_accueil(storage, MANAGER)
    ticket = accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF})
    with pytest.raises(InvalidRequest):
        accueil.close_waiting_day({"day": (dt.date.today() + dt.timedelta(days=2)).isoformat()})
    assert accueil.close_waiting_day({})["tickets_left"] == 0  # the timer leaves today alone
    closed = accueil.close_waiting_day({"pimms_id": "lyon-8", "day": dt.date.today().isoformat()})
    assert closed["tickets_left"] == 1
    [event] = kit.published(storage, "accueil.ticket_left")
    assert event["payload"]["at_day_end"] is True and event["payload"]["ticket_id"] == ticket["ticket_id"]
    assert accueil.close_waiting_day({"pimms_id": "lyon-8", "day": dt.date.today().isoformat()})["tickets_left"] == 0


def test_an_appointment_is_booked_in_a_free_slot_to_come_and_arrival_opens_its_visit(storage):
    accueil = make_accueil(storage, MANAGER)
    booked = accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(60),
                                       "duration_min": 30, "motif": EDF})
    assert booked["status"] == "booked" and booked["reference"].startswith("S-") and booked["citizen_id"] is None
    with pytest.raises(Conflict):  # the same agent, overlapping
        accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(75), "motif": CAF})
    accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a2", "starts_at": soon(75), "motif": CAF})
    with pytest.raises(InvalidRequest) as past:
        accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a3", "starts_at": soon(-10), "motif": CAF})
    assert "starts_at" in past.value.errors
    with pytest.raises(Conflict):  # its time has not come
        accueil.appointment_missed({"appointment_id": booked["appointment_id"]})
    received = accueil.appointment_arrived({"appointment_id": booked["appointment_id"], "agent_id": "a1"})
    assert received["appointment"]["status"] == "seen" and received["visit"]["waiting_min"] == 0
    assert received["visit"]["motif"]["partner"] == "edf"
    [kept] = kit.published(storage, "accueil.appointment_kept")
    assert set(kept["payload"]) == {"appointment_id", "visit_id", "agent_id", "motif", "waiting_min", "starts_at",
                                    "seen_at"}
    with pytest.raises(Conflict):
        accueil.cancel_appointment({"appointment_id": booked["appointment_id"]})


def test_a_cancelled_slot_is_free_again(storage):
    accueil = make_accueil(storage, MANAGER)
    booked = accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(90), "motif": CAF})
    assert accueil.cancel_appointment({"appointment_id": booked["appointment_id"]})["status"] == "cancelled"
    again = accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(90), "motif": CAF})
    assert again["status"] == "booked"
    listed = accueil.list_appointments({"pimms_id": "lyon-8", "days": 2})
    assert [a["status"] for a in listed].count("booked") == 1


def test_a_named_appointment_needs_consent_shows_in_the_export_and_is_unlinked_by_erasure(storage):
    accueil = make_accueil(storage, MANAGER)
    _, refused_id = named_visit(accueil, purposes=("contact",), last_name="Martin")
    with pytest.raises(InvalidRequest) as refused:
        accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(), "motif": CAF,
                                  "citizen_id": refused_id})
    assert "follow_up" in refused.value.errors["citizen_id"][0]
    _, citizen_id = named_visit(accueil)
    booked = accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(), "motif": CAF,
                                       "citizen_id": citizen_id})
    assert booked["reference"] is None
    [event] = kit.published(storage, "accueil.appointment_booked")
    assert event["payload"]["named"] is True and "citizen_id" not in event["payload"]
    export = accueil.export_citizen(citizen_id)
    assert [a["appointment_id"] for a in export["appointments"]] == [booked["appointment_id"]]
    received = accueil.appointment_arrived({"appointment_id": booked["appointment_id"], "agent_id": "a1"})
    assert received["visit"]["participants"][0]["citizen_id"] == citizen_id
    accueil.erase_citizen({"citizen_id": citizen_id})
    assert accueil.get_appointment(booked["appointment_id"])["citizen_id"] is None


def test_the_timer_closes_yesterday_s_tickets_and_appointments_at_yesterday_s_end(storage):
    accueil = make_accueil(storage, MANAGER)
    ticket = accueil.take_ticket({"pimms_id": "lyon-8", "motif": CAF})
    booked = accueil.book_appointment({"pimms_id": "lyon-8", "agent_id": "a1", "starts_at": soon(60), "motif": CAF})
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with storage.sessionmaker() as session, session.begin():  # both were of yesterday
        session.execute(update(Ticket).where(Ticket.id == ticket["ticket_id"]).values(
            day=yesterday, arrived_at=dt.datetime.combine(yesterday, dt.time(9), tzinfo=UTC)))
        session.execute(update(Appointment).where(Appointment.id == booked["appointment_id"]).values(
            starts_at=dt.datetime.combine(yesterday, dt.time(10), tzinfo=UTC), slot_key=None))
    make_accueil(storage, None).close_waiting_days()  # the timer's entrypoint acts for nobody
    [left] = kit.published(storage, "accueil.ticket_left")
    [missed] = kit.published(storage, "accueil.appointment_missed")
    assert left["payload"]["at_day_end"] is True and missed["payload"]["by"] == "end_of_day"
    assert dt.datetime.fromisoformat(left["payload"]["left_at"]) <= dt.datetime.combine(
        dt.date.today(), dt.time(0), tzinfo=localtime.zone_of({}))
    make_accueil(storage, None).close_waiting_days()  # a second run finds nothing left
    assert len(kit.published(storage, "accueil.ticket_left")) == 1
