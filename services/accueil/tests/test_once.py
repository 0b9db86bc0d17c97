"""Each visit is recorded once, whatever a desk repeats: a request sent again with its idempotency key answers
the first answer and changes nothing, and two closes of one visit at the same moment publish one
`visit_closed`, on SQLite as on the local PostgreSQL."""
import eventlet
import pytest

from services.accueil import store
from services.accueil.models import Act, Visit
from services.accueil.service import MIGRATIONS
from services.accueil.tests.conftest import make_accueil
from shared.errors import Conflict, InvalidRequest
from shared.tables import outbox
from tests import kit

OPEN = {"pimms_id": "lyon-8", "agent_id": "a1", "motif": {"kind": "partenaire", "partner": "edf"},
        "acts": [{"kind": "information"}, {"kind": "letter"}]}
CLOSE = {"registres": ["understanding"], "outcome": "resolved", "duration_min": 12}


@pytest.fixture
def storage(db_url, migrated_storage):
    return migrated_storage(MIGRATIONS, url=db_url)


def new_worker(storage):
    """A worker of the service on `storage`, its calls acting for nobody."""
    return make_accueil(storage, None)


def counts(storage):
    """(visits, acts, events in the outbox)"""
    return kit.counts(storage, Visit, Act, outbox)


def test_opening_a_visit_with_its_first_acts_is_one_call_and_one_transaction(storage):
    visit = new_worker(storage).open_visit(OPEN)
    assert [a["kind"] for a in visit["acts"]] == ["information", "letter"]
    assert counts(storage) == (1, 2, 0)


def test_a_repeated_open_with_the_same_key_answers_the_first_visit_and_records_nothing_more(storage):
    accueil = new_worker(storage)
    first = accueil.open_visit({**OPEN, "idempotency_key": "desk-1:k1"})
    again = accueil.open_visit({**OPEN, "idempotency_key": "desk-1:k1"})
    assert again == first
    assert counts(storage) == (1, 2, 0)
    # a new key is a new visit
    other = accueil.open_visit({**OPEN, "idempotency_key": "desk-1:k2"})
    assert other["visit_id"] != first["visit_id"] and counts(storage) == (2, 4, 0)


def test_a_key_reused_for_another_request_is_refused_naming_the_key(storage):
    accueil = new_worker(storage)
    accueil.open_visit({**OPEN, "idempotency_key": "k1"})
    with pytest.raises(InvalidRequest) as refused:
        accueil.open_visit({**OPEN, "waiting_min": 3, "idempotency_key": "k1"})
    assert "idempotency_key" in refused.value.errors
    assert counts(storage) == (1, 2, 0)


@pytest.mark.parametrize("key", [7, "", "x" * 201, "tab\there"])
def test_a_malformed_key_is_refused(storage, key):
    with pytest.raises(InvalidRequest) as refused:
        new_worker(storage).open_visit({**OPEN, "idempotency_key": key})
    assert "idempotency_key" in refused.value.errors and counts(storage) == (0, 0, 0)


def test_a_refused_request_records_no_key_so_the_same_key_may_succeed_later(storage):
    accueil = new_worker(storage)
    visit = accueil.open_visit({**OPEN, "acts": []})
    with pytest.raises(InvalidRequest):  # no act yet: refused, nothing recorded
        accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"], "idempotency_key": "c1"})
    closed = accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"], "idempotency_key": "c1",
                                  "acts": [{"kind": "advice"}]})
    assert closed["status"] == "closed"


def test_a_repeated_close_answers_the_first_close_and_publishes_one_event(storage):
    accueil = new_worker(storage)
    visit = accueil.open_visit(OPEN)
    first = accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"], "idempotency_key": "c1"})
    again = accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"], "idempotency_key": "c1"})
    assert again == first and counts(storage) == (1, 2, 1)
    # without the key the repeat is what it is: a second close of a closed visit
    with pytest.raises(Conflict):
        accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"]})


def test_closing_with_acts_adds_them_and_closes_in_one_transaction(storage):
    accueil = new_worker(storage)
    visit = accueil.open_visit({**OPEN, "acts": []})
    closed = accueil.close_visit({**CLOSE, "visit_id": visit["visit_id"], "acts": [{"kind": "advice"}]})
    assert [a["kind"] for a in closed["acts"]] == ["advice"] and counts(storage) == (1, 1, 1)


@pytest.fixture
def slow_close(monkeypatch):
    """Widen the window between reading a visit's status and committing its close, as a loaded server
    would: without a row lock, both closes would read `open` inside it."""
    real = store.visit_closed_payload

    def slow(visit):
        eventlet.sleep(0.3)
        return real(visit)

    monkeypatch.setattr(store, "visit_closed_payload", slow)


@pytest.mark.parametrize("same_key", [False, True], ids=["two-clients", "one-retry"])
def test_two_closes_of_one_visit_at_the_same_moment_publish_one_visit_closed(storage, slow_close, same_key):
    visit = new_worker(storage).open_visit(OPEN)

    def close(n):
        key = "retry" if same_key else f"client-{n}"
        try:
            return new_worker(storage).close_visit({**CLOSE, "visit_id": visit["visit_id"], "idempotency_key": key})
        except Conflict as exc:
            return exc

    pool = eventlet.GreenPool()
    answers = list(pool.imap(close, range(2)))
    closed = [a for a in answers if isinstance(a, dict)]
    if same_key:  # a retry racing its first try: both get the first answer
        assert len(closed) == 2 and closed[0] == closed[1]
    else:  # two clients: one closes, the other is told it is closed already
        assert len(closed) == 1 and isinstance([a for a in answers if a not in closed][0], Conflict)
    assert counts(storage)[2] == 1
