"""Instants are stored as the instants they are: whatever offset a desk sends, a visit reads back in UTC at
the same moment, on SQLite as on PostgreSQL."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.accueil.service import MIGRATIONS
from services.accueil.tests.conftest import make_accueil
from shared import localtime
from shared.errors import InvalidRequest


@pytest.fixture
def storage(db_url, migrated_storage):
    return migrated_storage(MIGRATIONS, url=db_url)


@pytest.fixture
def accueil(storage):
    return make_accueil(storage, None)


def test_an_instant_sent_with_an_offset_reads_back_as_the_same_instant_in_utc(accueil):
    # given a desk in Paris (UTC+1 in winter) that sends local times with their offset
    visit = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "opened_at": "2026-11-30T10:00:00+01:00",
                                "motif": {"kind": "generaliste", "domain": "caf"}})
    accueil.add_act({"visit_id": visit["visit_id"], "kind": "information"})
    closed = accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["inform"], "outcome": "resolved",
                                  "closed_at": "2026-11-30T10:20:00+01:00"})
    # then what is read back, in a new session, is 09:00 and 09:20 UTC, not 10:00 and 10:20
    again = accueil.get_visit(visit["visit_id"])
    assert visit["opened_at"] == again["opened_at"] == "2026-11-30T09:00:00+00:00"
    assert closed["closed_at"] == again["closed_at"] == "2026-11-30T09:20:00+00:00"
    assert again["duration_min"] == 20


def test_a_naive_instant_in_the_database_layer_is_taken_as_utc(storage):
    from sqlalchemy import select

    from services.accueil.models import Visit

    with storage.unit_of_work() as uow:
        uow.session.add(Visit(id="v1", pimms_id="lyon-8", agent_id="a1", status="open", motif_kind="generaliste",
                              domain="caf", opened_at=dt.datetime(2026, 11, 30, 9, 0)))
    with storage.unit_of_work() as uow:
        opened = uow.session.scalar(select(Visit.opened_at))
        # a query bound with another offset finds the same instant
        found = uow.session.scalar(select(Visit.id).where(
            Visit.opened_at == dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))))
    assert opened == dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
    assert found == "v1"


def paris(*args):
    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


def test_a_desk_s_day_is_the_association_s_not_utc_s(accueil):
    # given a visit at 00:30 in Paris on 1 December, which is still 30 November in UTC
    late = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "opened_at": paris(2026, 12, 1, 0, 30).isoformat(),
                               "motif": {"kind": "generaliste", "domain": "caf"}, "acts": [{"kind": "advice"}]})
    accueil.close_visit({"visit_id": late["visit_id"], "registres": ["inform"], "outcome": "resolved",
                         "closed_at": paris(2026, 12, 1, 0, 50).isoformat()})
    # then it is a visit of 1 December at the desk, and of no other day
    assert [v["visit_id"] for v in accueil.list_visits({"pimms_id": "lyon-8", "day": "2026-12-01"})] == \
        [late["visit_id"]]
    assert accueil.list_visits({"pimms_id": "lyon-8", "day": "2026-11-30"}) == []


def test_an_overseas_association_lives_on_its_own_calendar(db_url, migrated_storage):
    store = migrated_storage(MIGRATIONS, "pimms-cayenne", url=db_url)
    cayenne = make_accueil(store, None, TIME_ZONE="America/Cayenne")  # its association: the storage's
    # 22:00 in Cayenne on 30 November is 1 December in UTC and in Paris
    visit = cayenne.open_visit({"pimms_id": "cayenne-1", "agent_id": "a1", "motif": {
        "kind": "generaliste", "domain": "caf"}, "opened_at": "2026-11-30T22:00:00-03:00"})
    assert [v["visit_id"] for v in cayenne.list_visits({"pimms_id": "cayenne-1", "day": "2026-11-30"})] == \
        [visit["visit_id"]]


def test_a_visit_left_open_on_an_earlier_day_stays_listed_until_it_is_closed(accueil):
    old = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "opened_at": paris(2026, 11, 27, 17, 0).isoformat(),
                              "motif": {"kind": "partenaire", "partner": "edf"}})
    done = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "opened_at": paris(2026, 11, 27, 16, 0).isoformat(),
                               "motif": {"kind": "partenaire", "partner": "edf"}, "acts": [{"kind": "advice"}]})
    accueil.close_visit({"visit_id": done["visit_id"], "registres": ["inform"], "outcome": "resolved",
                         "duration_min": 20, "closed_at": paris(2026, 11, 27, 16, 20).isoformat()})
    day = {"pimms_id": "lyon-8", "day": "2026-11-30", "still_open": True}
    assert [v["visit_id"] for v in accueil.list_visits(day)] == [old["visit_id"]]
    accueil.close_visit({"visit_id": old["visit_id"], "registres": ["inform"], "outcome": "resolved",
                         "duration_min": 30, "acts": [{"kind": "letter"}]})
    # closed today: now listed as one of the day's visits, closed
    assert [(v["visit_id"], v["status"]) for v in accueil.list_visits(
        {"pimms_id": "lyon-8", "day": localtime.today(localtime.zone_of({})).isoformat()})] == \
        [(old["visit_id"], "closed")]


def test_a_workshop_held_today_in_the_association_s_calendar_is_accepted_whatever_utc_says(accueil):
    today = localtime.today(localtime.zone_of({}))
    workshop = accueil.record_workshop({"pimms_id": "lyon-8", "agent_id": "a1", "theme": "digital",
                                        "held_on": today.isoformat(), "attendees": 6, "duration_min": 60,
                                        "registres": ["collective"]})
    assert workshop["held_on"] == today.isoformat()
    with pytest.raises(InvalidRequest):
        accueil.record_workshop({"pimms_id": "lyon-8", "agent_id": "a1", "theme": "digital", "attendees": 6,
                                 "held_on": (today + dt.timedelta(days=1)).isoformat(), "duration_min": 60,
                                 "registres": ["collective"]})


def test_a_time_zone_that_is_no_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="TIME_ZONE 'Europe/Lyon' is not a time zone"):
        localtime.zone_of({"TIME_ZONE": "Europe/Lyon"})
