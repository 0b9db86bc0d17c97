"""The citizen's data from first visit to erasure (issue 16): a person can have all that is held about them,
withdraw a consent, be erased at their request or when their record's retention ends; nothing named is kept
for a purpose they did not consent to; and no figure changes when a record is erased."""
import datetime as dt

import pytest
from sqlalchemy import select, update

from services.accueil.models import Citizen, CitizenRead, CitizenSearch, Consent, Participant, Visit
from services.accueil.service import MIGRATIONS
from services.accueil.tests.conftest import AGENT, MANAGER, make_accueil
from services.accueil.tests.test_citizens import AGENT_9, MOTIF, named_visit, naming
from shared.db import utcnow
from shared.errors import Forbidden, InvalidRequest, NotFound
from tests.kit import count

CLOSE = {"registres": ["inform"], "outcome": "resolved", "acts": [{"kind": "information"}]}


def visited(accueil, purposes=("follow_up", "contact")):
    """A named person received at lyon-8, the visit closed."""
    visit, citizen_id = named_visit(accueil, purposes=purposes)
    accueil.close_visit({"visit_id": visit["visit_id"], **CLOSE})
    return visit, citizen_id


def consent(citizen_id, action, *purposes, **more):
    return {"citizen_id": citizen_id, "action": action, "purposes": list(purposes), "channel": "written", **more}


def trail(storage, citizen_id):
    with storage.sessionmaker() as s:
        return [tuple(r) for r in s.execute(select(CitizenRead.action, CitizenRead.reader_id).where(
            CitizenRead.citizen_id == citizen_id).order_by(CitizenRead.id))]


# -- right of access ------------------------------------------------------------------------------------------
def test_the_export_holds_identity_consents_visits_and_who_read_the_record(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = visited(agent)
    agent.get_citizen(citizen_id)
    agent.find_citizens({"last_name": "diallo"})
    export = make_accueil(storage, MANAGER).export_citizen(citizen_id)
    assert export["identity"] | {"recorded_at": None} == {"first_name": "Awa", "last_name": "Diallo",
                                                          "phone": "06 12 34 56 78", "email": None,
                                                          "recorded_at": None}
    assert export["consent"]["purposes"] == ["follow_up", "contact"]
    assert [(c["action"], c["purposes"], c["recorded_by"]) for c in export["consents"]] == [
        ("given", ["follow_up", "contact"], "agent.lyon8")]
    [seen] = export["visits"]
    assert (seen["visit_id"], seen["pimms_id"], seen["outcome"], seen["acts"]) == (
        visit["visit_id"], "lyon-8", "resolved", [{"kind": "information", "partner": None}])
    assert seen["motif"]["domain"] == "caf" and seen["as_noted"]["first_visit"] is True
    assert [(t["action"], t["account"], t["role"]) for t in export["trail"]] == [
        ("read", "agent.lyon8", "agent"), ("search", "agent.lyon8", "agent"), ("export", "manager.lyon", "manager")]
    kept = dt.datetime.fromisoformat(export["kept_until"])
    assert dt.timedelta(days=700) < kept - utcnow() < dt.timedelta(days=735)  # 24 months after the visit


def test_an_export_is_audited_and_refused_like_a_read_to_staff_whose_desks_never_received_the_person(storage):
    _, citizen_id = visited(make_accueil(storage, AGENT))
    with pytest.raises(NotFound):
        make_accueil(storage, AGENT_9).export_citizen(citizen_id)
    make_accueil(storage, AGENT).export_citizen(citizen_id)
    assert trail(storage, citizen_id) == [("export", "agent.lyon8")]


# -- consent ----------------------------------------------------------------------------------------------------
def test_a_phone_is_kept_only_with_consent_to_be_contacted(storage):
    with pytest.raises(InvalidRequest) as refused:
        named_visit(make_accueil(storage, AGENT), purposes=("follow_up",))
    assert "purpose contact" in str(refused.value.errors["participants"][0]["citizen"]["consent"]["purposes"])
    assert count(storage, Citizen) == 0


def test_withdrawing_contact_empties_the_phone_and_the_history_keeps_both_consents(storage):
    agent = make_accueil(storage, AGENT)
    _, citizen_id = visited(agent)
    answer = agent.record_consent(consent(citizen_id, "withdrawn", "contact"))
    assert (answer["purposes"], answer["erased"]) == (["follow_up"], False)
    assert [(c["action"], c["purposes"]) for c in answer["consents"]] == [
        ("given", ["follow_up", "contact"]), ("withdrawn", ["contact"])]
    record = agent.get_citizen(citizen_id)
    assert (record["phone"], record["consent"]["purposes"], record["consent"]["channel"]) == (
        None, ["follow_up"], "written")
    given = agent.record_consent(consent(citizen_id, "given", "partner_transmission"))
    assert given["purposes"] == ["follow_up", "partner_transmission"]


def test_withdrawing_every_purpose_erases_the_record_and_the_person_is_received_anonymously(storage):
    agent = make_accueil(storage, AGENT)
    _, citizen_id = visited(agent)
    answer = agent.record_consent(consent(citizen_id, "withdrawn", "follow_up", "contact"))
    assert answer == {"citizen_id": citizen_id, "purposes": [], "erased": True}
    with pytest.raises(NotFound):
        agent.get_citizen(citizen_id)
    with pytest.raises(InvalidRequest):
        agent.open_visit(naming(citizen_id, "lyon-8"))
    assert agent.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "motif": MOTIF})["status"] == "open"


def test_a_follow_up_of_a_named_person_needs_their_consent_to_be_followed(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent, purposes=("contact",))
    with pytest.raises(InvalidRequest) as refused:
        agent.close_visit({"visit_id": visit["visit_id"], **CLOSE, "outcome": "follow_up"})
    message = refused.value.errors["outcome"][0]
    assert f"citizen {citizen_id}" in message and "purpose follow_up" in message and "contact" in message
    anonymous = agent.open_visit({"pimms_id": "lyon-8", "agent_id": "a1", "motif": MOTIF})
    assert agent.close_visit({"visit_id": anonymous["visit_id"], **CLOSE, "outcome": "follow_up"})["status"] == "closed"


@pytest.mark.parametrize("bad, field", [
    ({"action": "forgotten"}, "action"), ({"purposes": []}, "purposes"), ({"purposes": ["marketing"]}, "purposes"),
    ({"channel": "telepathy"}, "channel"), ({"given_at": "2999-01-01T00:00:00+00:00"}, "given_at"),
])
def test_a_consent_that_is_not_one_is_refused_with_the_field_named(storage, bad, field):
    agent = make_accueil(storage, AGENT)
    _, citizen_id = visited(agent)
    with pytest.raises(InvalidRequest) as refused:
        agent.record_consent({**consent(citizen_id, "given", "contact"), **bad})
    assert field in refused.value.errors


# -- erasure ---------------------------------------------------------------------------------------------------
def test_only_a_manager_erases_a_record(storage):
    _, citizen_id = visited(make_accueil(storage, AGENT))
    with pytest.raises(Forbidden):
        make_accueil(storage, AGENT).erase_citizen({"citizen_id": citizen_id})
    assert make_accueil(storage, AGENT).get_citizen(citizen_id)["last_name"] == "Diallo"


def test_an_erased_record_reads_as_not_found_and_the_figures_are_the_same(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = visited(agent)
    agent.open_visit(naming(citizen_id, "lyon-8"))  # seen twice
    figures = agent.desk_figures("lyon-8")
    before = agent.get_visit(visit["visit_id"])
    erased = make_accueil(storage, MANAGER).erase_citizen({"citizen_id": citizen_id, "idempotency_key": "e-1"})
    assert erased["citizen_id"] == citizen_id
    assert agent.desk_figures("lyon-8") == figures
    after = agent.get_visit(visit["visit_id"])
    kept = ("visitor_ref", "gender", "age_band", "commune", "first_visit")
    assert [{k: p[k] for k in kept} for p in after["participants"]] == [
        {k: p[k] for k in kept} for p in before["participants"]]
    assert after["participants"][0]["named"] is False
    for read in (agent.get_citizen, make_accueil(storage, MANAGER).export_citizen):
        with pytest.raises(NotFound):
            read(citizen_id)
    assert agent.find_citizens({"last_name": "Diallo"}) == []
    assert count(storage, Consent) == 0
    with storage.sessionmaker() as s:
        assert s.scalar(select(Citizen.last_name).where(Citizen.id == citizen_id)) is None
        assert s.scalar(select(Participant.citizen_id).where(Participant.visit_id == visit["visit_id"])) is None
    assert trail(storage, citizen_id)[-1] == ("erase", "manager.lyon")


def test_an_erasure_repeated_answers_the_first_and_a_new_one_finds_nothing(storage):
    manager = make_accueil(storage, MANAGER)
    _, citizen_id = visited(manager)
    first = manager.erase_citizen({"citizen_id": citizen_id, "idempotency_key": "e-1"})
    assert manager.erase_citizen({"citizen_id": citizen_id, "idempotency_key": "e-1"}) == first
    with pytest.raises(NotFound):
        manager.erase_citizen({"citizen_id": citizen_id, "idempotency_key": "e-2"})


def test_no_readable_copy_of_an_erased_identity_stays_in_the_sqlite_file(storage):
    manager = make_accueil(storage, MANAGER)
    _, citizen_id = visited(manager)
    manager.record_consent(consent(citizen_id, "given", "partner_transmission"))  # one more copy, in history
    path = storage.engine.url.database
    storage.engine.dispose()  # what the file holds, as a thief would read it
    assert b"Diallo" in _file_bytes(path)
    manager.erase_citizen({"citizen_id": citizen_id})
    storage.engine.dispose()
    assert b"Diallo" not in _file_bytes(path) and b"06 12 34 56 78" not in _file_bytes(path)


def _file_bytes(path):
    data = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(path + suffix, "rb") as f:
                data += f.read()
        except FileNotFoundError:
            pass
    return data


def test_a_new_person_never_gets_the_number_of_an_erased_one(storage):
    """visitor_ref is derived from the record's number: a reused number would count two people as one."""
    manager = make_accueil(storage, MANAGER)
    _, erased_id = visited(manager)
    manager.erase_citizen({"citizen_id": erased_id})
    _, new_id = named_visit(manager, last_name="Martin", purposes=("follow_up", "contact"))
    assert new_id != erased_id


# -- retention ---------------------------------------------------------------------------------------------------
def _age(storage, citizen_id, days):
    """The record as it stood `days` ago: created then, and its visits opened then."""
    then = utcnow() - dt.timedelta(days=days)
    with storage.sessionmaker.begin() as s:
        s.execute(update(Citizen).where(Citizen.id == citizen_id).values(created_at=then))
        visits = select(Participant.visit_id).where(Participant.citizen_id == citizen_id)
        s.execute(update(Visit).where(Visit.id.in_(visits)).values(opened_at=then, closed_at=then))


def test_the_daily_retention_erases_people_unseen_for_24_months_and_old_audit_entries(storage):
    agent = make_accueil(storage, AGENT)
    _, gone = visited(agent)
    _, back = visited(agent)
    agent.get_citizen(gone)
    agent.find_citizens({"last_name": "Diallo"})
    _age(storage, gone, 740)
    _age(storage, back, 740)
    agent.open_visit(naming(back, "lyon-8"))  # came back this week
    with storage.sessionmaker.begin() as s:
        s.execute(update(CitizenRead).values(read_at=utcnow() - dt.timedelta(days=400)))
        s.execute(update(CitizenSearch).values(searched_at=utcnow() - dt.timedelta(days=400)))
    figures = agent.desk_figures("lyon-8")
    purged = agent.purge_expired()
    assert purged == {"identities": 1, "notes": 0, "reads": 1, "searches": 1}
    with pytest.raises(NotFound):
        agent.get_citizen(gone)
    assert agent.get_citizen(back)["last_name"] == "Diallo"
    assert agent.desk_figures("lyon-8") == figures
    assert trail(storage, gone) == [("erase", "retention")]
    assert agent.purge_expired() == {"identities": 0, "notes": 0, "reads": 0, "searches": 0}


def test_the_retention_follows_its_settings_and_never_runs_ahead_of_time(storage):
    agent = make_accueil(storage, AGENT, CITIZEN_RETENTION_MONTHS=36)
    _, citizen_id = visited(agent)
    _age(storage, citizen_id, 740)
    assert agent.purge_expired()["identities"] == 0
    with pytest.raises(InvalidRequest) as refused:
        agent.purge_expired("2999-01-01T00:00:00+00:00")
    assert "now" in refused.value.errors
    assert make_accueil(storage, AGENT).purge_expired()["identities"] == 1


def test_erasure_and_retention_hold_on_sqlite_and_postgresql(db_url, migrated_storage):
    storage = migrated_storage(MIGRATIONS, url=db_url)
    manager = make_accueil(storage, MANAGER)
    _, erased = visited(manager)
    _, aged = visited(manager)
    _age(storage, aged, 800)
    figures = manager.desk_figures("lyon-8")
    manager.erase_citizen({"citizen_id": erased})
    assert manager.purge_expired()["identities"] == 1
    assert manager.desk_figures("lyon-8") == figures
    with storage.sessionmaker() as s:
        assert s.scalars(select(Citizen.last_name)).all() == [None, None]
