"""Follow-ups across visits and referrals to partners (issue 17), through accueil's RPC on a real database:
a follow-up opened from a visit or a record, for a named person who consented to be followed or anonymously
with a slip's reference; moved and closed by later visits; the desk's calls of the day; a referral to a
partner under a convention, with the identity only with consent, acknowledged and answered; the events carry
no person."""
import datetime as dt

import pytest

from services.accueil.tests.conftest import AGENT, make_accueil
from services.accueil.tests.test_citizens import AGENT_9, MOTIF, named_visit
from shared.contract_terms import ContractViolation
from shared.db import utcnow
from shared.errors import Conflict, InvalidRequest, NotFound
from tests import kit

CLOSE = {"registres": ["inform"], "outcome": "follow_up", "acts": [{"kind": "information"}]}
TODAY = dt.date.today()


def in_days(days):
    return (TODAY + dt.timedelta(days=days)).isoformat()


def anonymous_visit(accueil, pimms_id="lyon-8"):
    return accueil.open_visit({"pimms_id": pimms_id, "agent_id": "a1", "motif": MOTIF})


def case_from(accueil, visit, **more):
    return accueil.open_case({"visit_id": visit["visit_id"], "agent_id": "a1", "next_action": "rappeler CAF",
                              "due_on": in_days(3), **more})


# -- follow-ups --------------------------------------------------------------------------------------------------
def test_a_follow_up_opened_from_a_named_visit_follows_that_person_and_its_event_names_nobody(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent)
    case = case_from(agent, visit)
    assert (case["citizen_id"], case["reference"], case["status"], case["visits"]) == (
        citizen_id, None, "open", [visit["visit_id"]])
    assert case["motif"] == {"kind": "generaliste", "partner": None, "domain": "caf"}
    [event] = kit.published(storage, "accueil.case_opened")
    assert event["payload"]["named"] is True and "citizen" not in str(event) and "rappeler" not in str(event)


def test_an_anonymous_person_is_followed_under_the_reference_on_their_slip(storage):
    agent = make_accueil(storage, AGENT)
    first, second = case_from(agent, anonymous_visit(agent)), case_from(agent, anonymous_visit(agent))
    assert first["citizen_id"] is None and first["reference"].startswith("S-") and len(first["reference"]) == 11
    assert first["reference"] != second["reference"]


def test_following_a_named_person_needs_their_consent_to_be_followed(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent, purposes=("contact",))
    with pytest.raises(InvalidRequest) as refused:
        case_from(agent, visit)
    assert "purpose follow_up" in refused.value.errors["citizen_id"][0]
    with pytest.raises(InvalidRequest):
        agent.open_case({"citizen_id": citizen_id, "pimms_id": "lyon-8", "motif": MOTIF, "agent_id": "a1",
                         "next_action": "x", "due_on": in_days(1)})
    assert kit.published(storage, "accueil.case_opened") == []


def test_a_follow_up_opened_from_a_record_is_at_the_reader_s_desk(storage):
    agent = make_accueil(storage, AGENT)
    _, citizen_id = named_visit(agent)
    case = agent.open_case({"citizen_id": citizen_id, "pimms_id": "lyon-8", "motif": MOTIF, "agent_id": "a1",
                            "next_action": "relancer", "due_on": in_days(0)})
    assert case["citizen_id"] == citizen_id and case["visits"] == []
    with pytest.raises(NotFound):  # not a person their desk received
        make_accueil(storage, AGENT_9).open_case({"citizen_id": citizen_id, "pimms_id": "lyon-9", "motif": MOTIF,
                                                  "agent_id": "a9", "next_action": "x", "due_on": in_days(0)})


@pytest.mark.parametrize("bad, field", [
    ({"due_on": in_days(-1)}, "due_on"), ({"next_action": ""}, "next_action"), ({"next_action": "x" * 301},
                                                                                "next_action"),
])
def test_a_follow_up_that_is_not_one_is_refused_with_the_field_named(storage, bad, field):
    agent = make_accueil(storage, AGENT)
    with pytest.raises(InvalidRequest) as refused:
        case_from(agent, anonymous_visit(agent), **bad)
    assert field in refused.value.errors


def test_later_visits_move_a_follow_up_then_close_it_once(storage):
    agent = make_accueil(storage, AGENT)
    case = case_from(agent, anonymous_visit(agent))
    later = anonymous_visit(agent)
    moved = agent.close_visit({"visit_id": later["visit_id"], **CLOSE, "follow_up": {
        "case_id": case["case_id"], "status": "waiting_person", "next_action": "attendre l'avis", "due_on": in_days(7)}})
    assert moved["follow_up"]["status"] == "waiting_person" and len(moved["follow_up"]["visits"]) == 2
    last = anonymous_visit(agent)
    closed = agent.close_visit({"visit_id": last["visit_id"], **CLOSE, "outcome": "resolved", "follow_up": {
        "case_id": case["case_id"], "status": "closed", "outcome": "resolved"}, "idempotency_key": "c-1"})
    assert closed["follow_up"]["status"] == "closed" and closed["follow_up"]["outcome"] == "resolved"
    [event] = kit.published(storage, "accueil.case_closed")
    assert (event["payload"]["outcome"], event["payload"]["days_open"], event["payload"]["visits"]) == (
        "resolved", 0, 3)
    with pytest.raises(Conflict):
        agent.update_case({"case_id": case["case_id"], "next_action": "encore"})
    assert len(kit.published(storage, "accueil.case_closed")) == 1


def test_a_visit_closed_as_needing_a_follow_up_opens_one(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    closed = agent.close_visit({"visit_id": visit["visit_id"], **CLOSE,
                                "follow_up": {"next_action": "pièce manquante", "due_on": in_days(2)}})
    assert closed["follow_up"]["visits"] == [visit["visit_id"]] and closed["follow_up"]["status"] == "open"


def test_the_desk_s_calls_of_the_day_are_its_open_follow_ups_due_today_or_late(storage):
    agent = make_accueil(storage, AGENT)
    due_today = case_from(agent, anonymous_visit(agent), due_on=in_days(0))
    case_from(agent, anonymous_visit(agent), due_on=in_days(5))
    done = case_from(agent, anonymous_visit(agent), due_on=in_days(0))
    agent.update_case({"case_id": done["case_id"], "status": "closed", "outcome": "abandoned"})
    calls = agent.list_cases({"pimms_id": "lyon-8", "due_by": in_days(0)})
    assert [c["case_id"] for c in calls] == [due_today["case_id"]]
    with pytest.raises(Exception):  # another desk's list is not the agent's
        agent.list_cases({"pimms_id": "lyon-9", "due_by": in_days(0)})
    with pytest.raises(NotFound):
        make_accueil(storage, AGENT_9).get_case(due_today["case_id"])


# -- referrals ---------------------------------------------------------------------------------------------------
def referral(accueil, visit, **more):
    return accueil.send_referral({"visit_id": visit["visit_id"], "partner": "caf", "agent_id": "a1",
                                  "asked": "révision des droits APL", **more})


def test_a_referral_is_sent_acknowledged_and_answered_and_its_follow_up_comes_back_due_today(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    case = case_from(agent, visit, due_on=in_days(10))
    sent = referral(agent, visit, case_id=case["case_id"])
    assert (sent["status"], sent["named"]) == ("sent", False)
    assert agent.get_case(case["case_id"])["status"] == "waiting_partner"
    agent.progress_referral({"referral_id": sent["referral_id"], "status": "acknowledged"})
    answered = agent.progress_referral({"referral_id": sent["referral_id"], "status": "answered",
                                        "answer": "refused", "reason": "incomplete"})
    assert (answered["status"], answered["answer"], answered["reason"]) == ("answered", "refused", "incomplete")
    back = agent.get_case(case["case_id"])
    assert (back["status"], back["due_on"]) == ("open", in_days(0)) and back["referrals"][0]["answer"] == "refused"
    [event] = kit.published(storage, "accueil.referral_answered")
    assert (event["payload"]["partner"], event["payload"]["days_to_answer"]) == ("caf", 0)
    assert "APL" not in str(kit.published(storage))
    with pytest.raises(Conflict):
        agent.progress_referral({"referral_id": sent["referral_id"], "status": "acknowledged"})


def test_a_referral_carries_the_identity_only_with_consent_to_partner_transmission(storage):
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent)
    with pytest.raises(InvalidRequest) as refused:
        referral(agent, visit, with_identity=True)
    assert "purpose partner_transmission" in refused.value.errors["with_identity"][0]
    assert referral(agent, visit)["named"] is False  # the question alone may go
    agent.record_consent({"citizen_id": citizen_id, "action": "given", "purposes": ["partner_transmission"],
                          "channel": "oral"})
    sent = referral(agent, visit, with_identity=True)
    assert (sent["named"], sent["citizen_id"]) == (True, citizen_id)
    with pytest.raises(InvalidRequest):
        referral(agent, anonymous_visit(agent), with_identity=True)


@pytest.mark.parametrize("bad, field", [
    ({"status": "answered"}, "answer"), ({"status": "answered", "answer": "refused"}, "reason"),
    ({"status": "answered", "answer": "redirected"}, "redirected_to"),
    ({"status": "answered", "answer": "redirected", "redirected_to": "caf"}, "redirected_to"),
    ({"status": "acknowledged", "at": "2999-01-01T00:00:00+00:00"}, "at"),
    ({"status": "acknowledged", "at": "2020-01-01T00:00:00+00:00"}, "at"),
])
def test_an_answer_that_is_not_one_is_refused_with_the_field_named(storage, bad, field):
    agent = make_accueil(storage, AGENT)
    sent = referral(agent, anonymous_visit(agent))
    with pytest.raises(InvalidRequest) as refused:
        agent.progress_referral({"referral_id": sent["referral_id"], **bad})
    assert field in refused.value.errors


def test_a_referral_to_a_partner_without_a_convention_is_refused(storage):
    kit.apply_contract(storage, "accueil", kit.contract_changed(conventions=[
        {"partner": "cpam", "scope": ["accueil"], "valid_from": dt.date(2025, 1, 1), "valid_to": None}]))
    agent = make_accueil(storage, AGENT, enforcement=True)
    visit = anonymous_visit(agent)
    with pytest.raises(ContractViolation):
        referral(agent, visit)
    assert referral(agent, visit, partner="cpam")["partner"] == "cpam"


def test_the_unanswered_referrals_of_a_desk_are_listed_by_partner(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    waiting = referral(agent, visit)
    done = referral(agent, visit, partner="cpam")
    agent.progress_referral({"referral_id": done["referral_id"], "status": "answered", "answer": "resolved"})
    late = agent.list_referrals({"pimms_id": "lyon-8", "unanswered_since": in_days(0)})
    assert [r["referral_id"] for r in late] == [waiting["referral_id"]]
    assert [r["partner"] for r in agent.list_referrals({"pimms_id": "lyon-8", "partner": "cpam"})] == ["cpam"]


def test_an_erased_person_s_follow_ups_and_referrals_stay_without_them(storage):
    from services.accueil.tests.conftest import MANAGER
    agent = make_accueil(storage, AGENT)
    visit, citizen_id = named_visit(agent, purposes=("follow_up", "contact", "partner_transmission"))
    case = case_from(agent, visit)
    sent = referral(agent, visit, with_identity=True, case_id=case["case_id"])
    export = agent.export_citizen(citizen_id)
    assert [c["case_id"] for c in export["follow_ups"]] == [case["case_id"]]
    assert [r["referral_id"] for r in export["referrals"]] == [sent["referral_id"]]
    make_accueil(storage, MANAGER).erase_citizen({"citizen_id": citizen_id})
    kept = agent.get_case(case["case_id"])
    assert (kept["citizen_id"], kept["next_action"], kept["status"]) == (None, None, "waiting_partner")
    assert (kept["referrals"][0]["citizen_id"], kept["referrals"][0]["asked"]) == (None, None)
    assert len(kit.published(storage, "accueil.case_opened")) == 1


def test_work_recorded_after_the_fact_keeps_its_days_and_shows_late(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    week_ago = (utcnow() - dt.timedelta(days=7)).isoformat()
    late = case_from(agent, visit, opened_at=week_ago, due_on=in_days(-5))
    sent = referral(agent, visit, sent_at=week_ago)
    answered = agent.progress_referral({"referral_id": sent["referral_id"], "status": "answered", "answer": "resolved"})
    assert answered["answered_at"] > answered["sent_at"]
    [event] = kit.published(storage, "accueil.referral_answered")
    assert event["payload"]["days_to_answer"] in (6, 7, 8)  # a week, counted in the association's days
    calls = agent.list_cases({"pimms_id": "lyon-8", "due_by": in_days(0)})
    assert [c["case_id"] for c in calls] == [late["case_id"]]
    with pytest.raises(InvalidRequest) as refused:
        referral(agent, visit, sent_at="2999-01-01T00:00:00+00:00")
    assert "sent_at" in refused.value.errors
