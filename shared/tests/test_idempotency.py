"""Requests done once per idempotency key, at the storage level, on SQLite and PostgreSQL: the key, its
fingerprint and the answer commit with the change; a refused request records nothing; old keys are
forgotten."""
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from shared import idempotency
from shared.db import Storage
from shared.errors import InvalidRequest
from shared.tables import idempotent_requests
from tests.tally.service import tallied

TALLY_MIGRATIONS = Path(__file__).parents[2] / "tests" / "tally" / "migrations" / "versions"
NOW = dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone.utc)


@pytest.fixture
def storage(db_url):
    store = Storage(db_url, TALLY_MIGRATIONS, "pimms-test")
    yield store
    store.dispose()


def rows(storage, table):
    with storage.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def tally(uow, request):
    uow.session.execute(insert(tallied).values(event_id=request["id"], event_type="t"))
    return {"tallied": request["id"]}


def test_the_first_answer_is_recorded_with_the_change_and_a_repeat_gets_it_without_doing_anything(storage):
    request = {"id": "e1", "idempotency_key": "k1"}
    assert idempotency.once(storage, "tally", request, None, tally, lambda: NOW) == ({"tallied": "e1"}, False)
    assert idempotency.once(storage, "tally", request, None, tally, lambda: NOW) == ({"tallied": "e1"}, True)
    assert rows(storage, tallied) == 1 and rows(storage, idempotent_requests) == 1


def test_a_request_without_a_key_is_simply_done(storage):
    assert idempotency.once(storage, "tally", {"id": "e1"}, None, tally, lambda: NOW) == ({"tallied": "e1"}, False)
    assert rows(storage, idempotent_requests) == 0


def test_a_failed_request_leaves_neither_change_nor_key(storage):
    def failing(uow, request):
        tally(uow, request)
        raise InvalidRequest({"id": ["refused"]})

    with pytest.raises(InvalidRequest):
        idempotency.once(storage, "tally", {"id": "e1", "idempotency_key": "k1"}, None, failing, lambda: NOW)
    assert rows(storage, tallied) == 0 and rows(storage, idempotent_requests) == 0


def test_a_key_for_another_operation_or_body_is_refused(storage):
    idempotency.once(storage, "tally", {"id": "e1", "idempotency_key": "k1"}, None, tally, lambda: NOW)
    for operation, request in (("tally", {"id": "e2"}), ("other", {"id": "e1"})):
        with pytest.raises(InvalidRequest, match="already used for another request"):
            idempotency.once(storage, operation, {**request, "idempotency_key": "k1"}, None, tally, lambda: NOW)


def test_keys_older_than_the_retention_are_forgotten_and_younger_ones_kept(storage):
    for key, age in (("old", 25), ("young", 23)):
        idempotency.once(storage, "tally", {"id": key, "idempotency_key": key}, None, tally,
                         lambda age=age: NOW - dt.timedelta(hours=age))
    assert idempotency.forget(storage, NOW, keep_hours=24) == 1
    with storage.engine.connect() as conn:
        assert conn.execute(select(idempotent_requests.c.key)).scalars().all() == ["young"]
