"""A citizen's identity is read, named and found only where the norm's confidentiality allows: by the staff
of the desks that received the person (a manager's desks are all the association's), as their signed
identity says, never by naming a number; a record that is not yours reads as one that does not exist; a
returning person is found at another desk by name, among those who consented to be followed, and the
search is audited. Every read is written to the audit trail without the data read."""
import datetime as dt

import pytest
from sqlalchemy import inspect, select

from services.accueil.models import Citizen, CitizenRead, CitizenSearch
from services.accueil.tests.conftest import AGENT, MANAGER, make_accueil
from services.accueil.tests.test_rules import CONSENT
from shared.errors import Forbidden, InvalidRequest, NotFound
from tests.kit import count

AGENT_9 = {**AGENT, "login": "agent.lyon9", "desks": ["lyon-9"], "agent_id": "agent-lyon9"}
MOTIF = {"kind": "generaliste", "domain": "caf"}


def named_visit(accueil, pimms_id="lyon-8", purposes=("follow_up", "contact"), last_name="Diallo"):
    visit = accueil.open_visit({"pimms_id": pimms_id, "agent_id": "a1", "motif": MOTIF, "participants": [
        {"citizen": {"first_name": "Awa", "last_name": last_name, "phone": "06 12 34 56 78",
                     "consent": {**CONSENT, "purposes": list(purposes)}}}]})
    return visit, visit["participants"][0]["citizen_id"]


def naming(citizen_id, pimms_id):
    return {"pimms_id": pimms_id, "agent_id": "a1", "motif": MOTIF, "participants": [{"citizen": {"citizen_id":
                                                                                              citizen_id}}]}


def reads(storage):
    with storage.sessionmaker() as s:
        return list(s.execute(select(CitizenRead.citizen_id, CitizenRead.reader_id, CitizenRead.reader_role)))


def test_a_visit_shows_the_record_number_of_a_named_person_and_none_for_an_anonymous_one(accueil):
    visit, citizen_id = named_visit(accueil)
    anonymous = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "motif": MOTIF})
    assert isinstance(citizen_id, int) and visit["participants"][0]["named"] is True
    assert anonymous["participants"][0]["citizen_id"] is None


def test_an_agent_of_a_desk_the_citizen_visited_reads_the_identity_and_the_read_is_audited(storage):
    visit, citizen_id = named_visit(make_accueil(storage, AGENT))
    citizen = make_accueil(storage, AGENT).get_citizen(citizen_id)
    assert (citizen["first_name"], citizen["last_name"], citizen["phone"]) == ("Awa", "Diallo", "06 12 34 56 78")
    assert citizen["consent"]["channel"] == "oral"
    assert [v["visit_id"] for v in citizen["visits"]] == [visit["visit_id"]]
    assert reads(storage) == [(citizen_id, "agent.lyon8", "agent")]


def test_the_audit_trails_hold_who_when_and_which_record_and_nothing_of_the_identity(storage):
    columns = {c["name"] for c in inspect(storage.engine).get_columns("citizen_reads")}
    assert columns == {"id", "citizen_id", "reader_id", "reader_role", "action", "read_at"}
    columns = {c["name"] for c in inspect(storage.engine).get_columns("citizen_searches")}
    assert columns == {"id", "reader_id", "reader_role", "found", "searched_at"}


def test_an_agent_whose_desk_never_received_the_citizen_finds_nothing_and_nothing_is_audited(storage):
    _, citizen_id = named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9")
    with pytest.raises(NotFound) as theirs:
        make_accueil(storage, AGENT).get_citizen(citizen_id)
    with pytest.raises(NotFound) as none:
        make_accueil(storage, AGENT).get_citizen(citizen_id + 1000)
    assert str(theirs.value).replace(str(citizen_id), "N") == str(none.value).replace(str(citizen_id + 1000), "N")
    assert reads(storage) == []


def test_naming_a_record_that_is_not_yours_reads_as_naming_one_that_does_not_exist(storage):
    """The attack: an agent of desk A opens a visit at A naming citizen N, seen only at desk B, to read N."""
    _, citizen_id = named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9")
    agent = make_accueil(storage, AGENT)
    errors = []
    for number in (citizen_id, citizen_id + 1000):
        with pytest.raises(InvalidRequest) as refused:
            agent.open_visit(naming(number, "lyon-8"))
        errors.append(refused.value.errors)
    assert errors[0] == errors[1] == {"participants": {0: {"citizen": {"citizen_id": ["unknown citizen"]}}}}
    with pytest.raises(NotFound):
        agent.get_citizen(citizen_id)


def test_a_manager_reads_the_citizens_of_every_desk_of_the_association(storage):
    _, citizen_id = named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9")
    assert make_accueil(storage, MANAGER).get_citizen(citizen_id)["last_name"] == "Diallo"
    assert reads(storage) == [(citizen_id, "manager.lyon", "manager")]


@pytest.mark.parametrize("principal", [
    None,
    {**AGENT, "role": "head_office", "association_id": None},
    {**AGENT, "role": "operator"},
    {**AGENT, "association_id": "pimms-paris"},
    {**AGENT, "desks": []},
], ids=["unsigned", "head-office", "operator", "other-association", "no-desk"])
def test_reading_or_naming_a_citizen_needs_the_signed_identity_of_this_association_s_staff(storage, principal):
    _, citizen_id = named_visit(make_accueil(storage, AGENT))
    someone = make_accueil(storage, principal)
    with pytest.raises(Forbidden):
        someone.get_citizen(citizen_id)
    with pytest.raises(Forbidden):
        someone.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "motif": MOTIF, "participants": [
            {"citizen": {"first_name": "Awa", "last_name": "Diallo", "consent": CONSENT}}]})
    assert reads(storage) == []


def test_a_forged_or_stale_signature_is_refused(storage):
    from shared.principal import Acting, sign

    _, citizen_id = named_visit(make_accueil(storage, AGENT))
    accueil = make_accueil(storage, AGENT)
    accueil.caller = Acting(sign(AGENT, "another-key-not-accueils"), "test-principal-key-of-accueil", "pimms-lyon")
    with pytest.raises(Forbidden, match="not signed"):
        accueil.get_citizen(citizen_id)


def test_a_call_acting_for_an_agent_acts_on_their_desk_only(storage):
    agent = make_accueil(storage, AGENT)
    with pytest.raises(Forbidden):
        agent.open_visit({"pimms_id": "lyon-9", "agent_id": "a1", "motif": MOTIF})
    with pytest.raises(Forbidden):
        agent.list_visits({"pimms_id": "lyon-9"})
    visit = make_accueil(storage, AGENT_9).open_visit({"pimms_id": "lyon-9", "agent_id": "a9", "motif": MOTIF})
    with pytest.raises(NotFound):
        agent.get_visit(visit["visit_id"])


def test_a_returning_person_is_found_by_name_at_another_desk_if_they_consented_and_the_search_is_audited(storage):
    _, followed = named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9")
    named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9", purposes=("contact",))  # not to be followed
    agent = make_accueil(storage, AGENT)
    found = agent.find_citizens({"last_name": "diallo", "first_name": "AWA"})
    assert found == [{"citizen_id": followed, "first_name": "Awa", "last_name": "Diallo", "received_at": ["lyon-9"]}]
    # then the agent may name them at their desk, and from then on their desk received them
    visit = agent.open_visit(naming(followed, "lyon-8"))
    assert visit["participants"][0]["citizen_id"] == followed and visit["participants"][0]["first_visit"] is False
    assert agent.get_citizen(followed)["last_name"] == "Diallo"
    with storage.sessionmaker() as s:
        [search] = s.scalars(select(CitizenSearch)).all()
    assert (search.reader_id, search.reader_role, search.found) == ("agent.lyon8", "agent", [followed])


def test_a_search_grants_naming_for_an_hour_only(storage, monkeypatch):
    from services.accueil import service as service_module

    _, followed = named_visit(make_accueil(storage, AGENT_9), pimms_id="lyon-9")
    agent = make_accueil(storage, AGENT)
    agent.find_citizens({"last_name": "Diallo"})
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(service_module, "utcnow", lambda: later)
    with pytest.raises(InvalidRequest):
        agent.open_visit({**naming(followed, "lyon-8"), "opened_at": later.isoformat()})


def test_an_unsigned_call_cannot_search(storage):
    with pytest.raises(Forbidden):
        make_accueil(storage, None).find_citizens({"last_name": "Diallo"})
    assert count(storage, CitizenSearch) == 0


@pytest.mark.parametrize("citizen_id", ["1", 0, 10 ** 20])
def test_a_bad_record_number_names_the_field(storage, citizen_id):
    named_visit(make_accueil(storage, AGENT))
    with pytest.raises(InvalidRequest) as exc:
        make_accueil(storage, AGENT).get_citizen(citizen_id)
    assert "citizen_id" in exc.value.errors
    assert reads(storage) == []


def test_identities_stay_in_the_citizens_table(storage):
    named_visit(make_accueil(storage, AGENT))
    assert count(storage, Citizen) == 1
