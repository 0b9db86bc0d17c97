"""Reading a citizen's identity (`get_citizen`): only the association's staff, only for citizens their desks
received, and every read written to the audit trail without the data read."""
import pytest
from sqlalchemy import func, inspect, select

from services.accueil.models import CitizenRead
from services.accueil.tests.test_rules import CONSENT, open_visit
from shared.errors import InvalidRequest, NotFound

AGENT = {"account_id": "agent.lyon8", "role": "agent", "pimms_ids": ["lyon-8"]}


def named_visit(accueil, pimms_id="lyon-8"):
    visit = open_visit(accueil, pimms_id=pimms_id, participants=[
        {"citizen": {"first_name": "Awa", "last_name": "Diallo", "phone": "06 12 34 56 78", "consent": CONSENT}}])
    return visit, visit["participants"][0]["citizen_id"]


def reads(storage):
    with storage.sessionmaker() as s:
        return list(s.execute(select(CitizenRead.citizen_id, CitizenRead.reader_id, CitizenRead.reader_role)))


def test_a_visit_shows_the_record_number_of_a_named_person_and_none_for_an_anonymous_one(accueil):
    visit, citizen_id = named_visit(accueil)
    anonymous = open_visit(accueil)
    assert isinstance(citizen_id, int) and visit["participants"][0]["named"] is True
    assert anonymous["participants"][0]["citizen_id"] is None


def test_an_agent_of_a_desk_the_citizen_visited_reads_the_identity_and_the_read_is_audited(accueil, storage):
    visit, citizen_id = named_visit(accueil)
    citizen = accueil.get_citizen(citizen_id, AGENT)
    assert (citizen["first_name"], citizen["last_name"], citizen["phone"]) == ("Awa", "Diallo", "06 12 34 56 78")
    assert citizen["consent"]["channel"] == "oral"
    assert [v["visit_id"] for v in citizen["visits"]] == [visit["visit_id"]]
    assert reads(storage) == [(citizen_id, "agent.lyon8", "agent")]


def test_the_audit_trail_holds_who_when_and_which_record_and_nothing_of_the_identity(storage):
    columns = {c["name"] for c in inspect(storage.engine).get_columns("citizen_reads")}
    assert columns == {"id", "citizen_id", "reader_id", "reader_role", "read_at"}


def test_a_reader_whose_desks_never_received_the_citizen_finds_nothing_and_nothing_is_audited(accueil, storage):
    _, citizen_id = named_visit(accueil, pimms_id="lyon-9")
    with pytest.raises(NotFound):
        accueil.get_citizen(citizen_id, AGENT)
    assert reads(storage) == []


def test_a_manager_of_both_desks_reads_it(accueil, storage):
    _, citizen_id = named_visit(accueil, pimms_id="lyon-9")
    manager = {"account_id": "manager.lyon", "role": "manager", "pimms_ids": ["lyon-8", "lyon-9"]}
    assert accueil.get_citizen(citizen_id, manager)["last_name"] == "Diallo"
    assert reads(storage) == [(citizen_id, "manager.lyon", "manager")]


@pytest.mark.parametrize("role", ["head_office", "operator"])
def test_head_office_and_operators_are_refused_whatever_the_caller_checked(accueil, storage, role):
    _, citizen_id = named_visit(accueil)
    with pytest.raises(InvalidRequest) as exc:
        accueil.get_citizen(citizen_id, {**AGENT, "role": role})
    assert "role" in exc.value.errors["reader"]
    assert reads(storage) == []


@pytest.mark.parametrize("citizen_id, reader, field", [
    ("1", AGENT, "citizen_id"),
    (0, AGENT, "citizen_id"),
    (1, {**AGENT, "pimms_ids": []}, "reader"),
    (1, {"role": "agent", "pimms_ids": ["lyon-8"]}, "reader"),
    (1, None, "reader"),
])
def test_a_bad_request_names_the_field(accueil, storage, citizen_id, reader, field):
    named_visit(accueil)
    with pytest.raises(InvalidRequest) as exc:
        accueil.get_citizen(citizen_id, reader)
    assert field in exc.value.errors
    with storage.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(CitizenRead)) == 0


def test_an_unknown_citizen_is_not_found(accueil):
    named_visit(accueil)
    with pytest.raises(NotFound):
        accueil.get_citizen(999, AGENT)
