"""Médiation sortante's rules, called through the service class with a real SQLite database and no broker
(nameko's worker_factory): what a desk may record in a campaign, and the typed error it gets otherwise."""
import pytest

from services.mediation_sortante.models import Attempt, Campaign, Contact
from services.mediation_sortante.tests.support import (
    ago,
    attempt,
    campaign_with_contacts,
    edf_file,
    open_campaign,
    resolve,
)
from shared.errors import Conflict, InvalidRequest, NotFound
from shared.tables import outbox
from tests.kit import count, published

UNKNOWN = "7d3c1f4e-1111-4a4a-9b9b-000000000000"


# -- opening ------------------------------------------------------------------------------------------------
def test_opening_a_campaign_records_it_and_announces_it(service, storage):
    campaign = open_campaign(service, channels=["sms", "phone", "phone"], max_attempts=4)
    assert campaign["status"] == "open" and campaign["partner"] == "edf"
    assert campaign["channels"] == ["phone", "sms"]  # in the vocabulary's order, once each
    [event] = published(storage, "mediation_sortante.campaign_opened")
    assert event["payload"]["campaign_id"] == campaign["campaign_id"]
    assert event["payload"]["max_attempts"] == 4 and event["pimms_id"] == "lyon-8"


@pytest.mark.parametrize("changes, field", [
    ({"partner": "acme"}, "partner"),
    ({"partner": None}, "partner"),
    ({"pimms_id": "Lyon 8e"}, "pimms_id"),
    ({"channels": []}, "channels"),
    ({"channels": ["fax"]}, "channels"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"max_attempts": 11}, "max_attempts"),
    ({"max_attempts": "3"}, "max_attempts"),
    ({"label": "x" * 121}, "label"),
    ({"opened_at": "2099-01-01T09:00:00+00:00"}, "opened_at"),
    ({"opened_at": "2026-11-01T09:00:00"}, "opened_at"),  # a moment without its zone is ambiguous
    ({"budget": 1000}, "budget"),
])
def test_opening_with_bad_input_names_the_field_and_stores_nothing(service, storage, changes, field):
    with pytest.raises(InvalidRequest) as exc:
        open_campaign(service, **changes)
    assert field in exc.value.errors
    assert count(storage, Campaign) == 0 and count(storage, outbox) == 0


# -- agents -------------------------------------------------------------------------------------------------
def test_open_cases_nobody_holds_are_shared_out_in_turn_in_the_files_order(service):
    campaign, contacts = campaign_with_contacts(service, count=5)
    service.assign_contacts({"campaign_id": campaign["campaign_id"], "agent_id": "agent-driss",
                             "contact_ids": [contacts[0]["contact_id"]]})
    shared = service.share_out({"campaign_id": campaign["campaign_id"], "agent_ids": ["agent-amina", "agent-bruno"]})
    assert shared["assigned"] == {"agent-amina": 2, "agent-bruno": 2}
    holders = [c["agent_id"] for c in service.list_contacts({"campaign_id": campaign["campaign_id"]})]
    assert holders == ["agent-driss", "agent-amina", "agent-bruno", "agent-amina", "agent-bruno"]
    mine = service.list_contacts({"campaign_id": campaign["campaign_id"], "agent_id": "agent-bruno"})
    assert [c["line"] for c in mine] == [4, 6]


def test_assigning_names_an_unknown_case_and_refuses_a_resolved_one(service):
    campaign, contacts = campaign_with_contacts(service, count=2)
    with pytest.raises(NotFound):
        service.assign_contacts({"campaign_id": campaign["campaign_id"], "agent_id": "a",
                                 "contact_ids": [contacts[0]["contact_id"], UNKNOWN]})
    attempt(service, contacts[1], reached=True)
    resolve(service, contacts[1])
    with pytest.raises(Conflict):
        service.assign_contacts({"campaign_id": campaign["campaign_id"], "agent_id": "a",
                                 "contact_ids": [contacts[0]["contact_id"], contacts[1]["contact_id"]]})
    assert service.list_contacts({"campaign_id": campaign["campaign_id"]})[0]["agent_id"] is None


# -- attempts -----------------------------------------------------------------------------------------------
def test_an_attempt_is_recorded_with_its_event_and_its_agent_then_holds_the_case(service, storage):
    _, [contact] = campaign_with_contacts(service, count=1)
    case = attempt(service, contact, reached=False, channel="door_to_door", agent="agent-chloe")
    assert case["status"] == "open" and case["agent_id"] == "agent-chloe"
    assert [(a["number"], a["channel"], a["reached"]) for a in case["attempts"]] == [(1, "door_to_door", False)]
    [event] = published(storage, "mediation_sortante.contact_attempted")
    assert event["payload"]["contact_id"] == contact["contact_id"]
    assert event["payload"]["attempt_number"] == 1 and event["payload"]["reached"] is False


@pytest.mark.parametrize("changes, field", [
    ({"channel": "letter"}, "channel"),  # not one of this campaign's channels
    ({"channel": "pigeon"}, "channel"),
    ({"reached": None}, "reached"),
    ({"reached": "maybe"}, "reached"),
    ({"agent_id": ""}, "agent_id"),
    ({"at": "2099-01-01T10:00:00+00:00"}, "at"),
    ({"at": ago(days=30)}, "at"),  # before the campaign opened
])
def test_an_attempt_with_bad_input_names_the_field_and_stores_nothing(service, storage, changes, field):
    _, [contact] = campaign_with_contacts(service, count=1, channels=["phone", "door_to_door"])
    sent = count(storage, outbox)
    request = {"contact_id": contact["contact_id"], "channel": "phone", "reached": False, "agent_id": "a",
               "at": ago(days=1), **changes}
    with pytest.raises(InvalidRequest) as exc:
        service.record_attempt(request)
    assert field in exc.value.errors
    assert count(storage, Attempt) == 0 and count(storage, outbox) == sent


def test_the_last_allowed_attempt_failing_makes_the_case_unreachable_at_once(service, storage):
    _, [contact] = campaign_with_contacts(service, count=1, max_attempts=3)
    assert attempt(service, contact, days_ago=3)["status"] == "open"
    assert attempt(service, contact, days_ago=2)["status"] == "open"
    case = attempt(service, contact, channel="door_to_door", agent="agent-bruno", days_ago=1)
    assert (case["status"], case["outcome"], case["automatic"]) == ("resolved", "unreachable", True)
    assert case["resolved_by"] == "agent-bruno" and case["resolved_at"] == case["attempts"][-1]["at"]
    [event] = published(storage, "mediation_sortante.case_resolved")
    assert event["payload"]["outcome"] == "unreachable" and event["payload"]["attempts"] == 3
    with pytest.raises(Conflict):
        attempt(service, contact)
    assert count(storage, Attempt) == 3


def test_a_case_reached_once_stays_open_after_its_attempts_and_may_then_be_unreachable(service, storage):
    _, [contact] = campaign_with_contacts(service, count=1, max_attempts=2)
    attempt(service, contact, reached=True, days_ago=3)  # "call me back tomorrow"
    case = attempt(service, contact, reached=False, days_ago=2)
    assert case["status"] == "open"
    with pytest.raises(Conflict):
        attempt(service, contact, days_ago=1)
    case = resolve(service, contact, outcome="unreachable", acts=())
    assert (case["outcome"], case["automatic"]) == ("unreachable", False)


# -- outcomes -----------------------------------------------------------------------------------------------
def test_a_case_has_one_outcome_and_a_second_is_a_conflict(service, storage):
    _, [contact] = campaign_with_contacts(service, count=1)
    attempt(service, contact, reached=True)
    case = resolve(service, contact, outcome="payment_plan", acts=["explanation", "payment_plan_negotiation"])
    assert case["status"] == "resolved" and case["acts"] == ["explanation", "payment_plan_negotiation"]
    with pytest.raises(Conflict):
        resolve(service, contact, outcome="refused", acts=())
    with pytest.raises(Conflict):
        attempt(service, contact)
    assert len(published(storage, "mediation_sortante.case_resolved")) == 1
    assert service.list_contacts({"campaign_id": contact["campaign_id"]})[0]["outcome"] == "payment_plan"


@pytest.mark.parametrize("tries, outcome, acts, error, field", [
    ([], "contact_restored", ["information"], Conflict, None),  # no attempt yet
    ([False], "contact_restored", ["information"], Conflict, None),  # never reached
    ([False], "refused", [], Conflict, None),  # refusing needs someone to refuse
    ([False], "unreachable", [], Conflict, None),  # 1 of 3 attempts: not yet unreachable
    ([True], "payment_plan", [], InvalidRequest, "acts"),  # mediation leaves acts
    ([True], "referred", [], InvalidRequest, "acts"),
    ([True, False, False], "unreachable", ["information"], InvalidRequest, "acts"),
    ([True], "settled", ["information"], InvalidRequest, "outcome"),
    ([True], "contact_restored", ["magic"], InvalidRequest, "acts"),
])
def test_an_outcome_must_fit_what_the_attempts_show(service, storage, tries, outcome, acts, error, field):
    _, [contact] = campaign_with_contacts(service, count=1)
    for days_ago, reached in zip((4, 3, 2), tries):
        attempt(service, contact, reached=reached, days_ago=days_ago)
    with pytest.raises(error) as exc:
        resolve(service, contact, outcome=outcome, acts=acts)
    if field:
        assert field in exc.value.errors
    assert service.list_contacts({"campaign_id": contact["campaign_id"]})[0]["status"] == "open"
    assert published(storage, "mediation_sortante.case_resolved") == []


def test_a_refusal_may_have_no_act_and_an_outcome_not_precede_the_last_attempt(service):
    _, [contact] = campaign_with_contacts(service, count=1)
    attempt(service, contact, reached=True, days_ago=2)
    with pytest.raises(InvalidRequest) as exc:
        resolve(service, contact, outcome="refused", acts=(), days_ago=3)
    assert "resolved_at" in exc.value.errors
    assert resolve(service, contact, outcome="refused", acts=())["outcome"] == "refused"


# -- closing ------------------------------------------------------------------------------------------------
def test_a_campaign_closes_only_when_every_case_has_its_outcome(service, storage):
    campaign, [first, second] = campaign_with_contacts(service, count=2, max_attempts=1)
    attempt(service, first, reached=True)
    resolve(service, first)
    with pytest.raises(Conflict) as exc:
        service.close_campaign({"campaign_id": campaign["campaign_id"]})
    assert "1 open case" in str(exc.value)
    attempt(service, second)  # its only allowed attempt fails: unreachable
    closed = service.close_campaign({"campaign_id": campaign["campaign_id"]})
    assert closed["status"] == "closed" and closed["open_cases"] == 0
    [event] = published(storage, "mediation_sortante.campaign_closed")
    payload = event["payload"]
    assert payload["contacts"] == 2
    assert payload["channels"][0] == {"channel": "phone", "attempts": 2, "reached": 1}
    assert [(o["outcome"], o["cases"]) for o in payload["outcomes"]] == [
        ("contact_restored", 1), ("payment_plan", 0), ("referred", 0), ("unreachable", 1), ("refused", 0)]
    assert {"act": "explanation", "count": 1} in payload["acts"]


def test_a_close_cannot_precede_the_last_outcome_nor_lie_in_the_future(service):
    campaign, [contact] = campaign_with_contacts(service, count=1)
    attempt(service, contact, reached=True, days_ago=2)
    resolve(service, contact, days_ago=1)
    for closed_at in (ago(days=2), "2099-01-01T18:00:00+00:00"):
        with pytest.raises(InvalidRequest) as exc:
            service.close_campaign({"campaign_id": campaign["campaign_id"], "closed_at": closed_at})
        assert "closed_at" in exc.value.errors
    assert service.get_campaign(campaign["campaign_id"])["status"] == "open"


def test_nothing_is_recorded_in_a_closed_campaign(service, storage):
    campaign, [contact] = campaign_with_contacts(service, count=1, max_attempts=1)
    attempt(service, contact)
    service.close_campaign({"campaign_id": campaign["campaign_id"]})
    sent = count(storage, outbox)
    campaign_id = campaign["campaign_id"]
    for refused in (
        lambda: service.close_campaign({"campaign_id": campaign_id}),
        lambda: service.import_contacts({"campaign_id": campaign_id, "content": edf_file(count=4)}),
        lambda: service.share_out({"campaign_id": campaign_id, "agent_ids": ["a"]}),
        lambda: service.assign_contacts({"campaign_id": campaign_id, "agent_id": "a",
                                         "contact_ids": [contact["contact_id"]]}),
        lambda: attempt(service, contact),
        lambda: resolve(service, contact),
    ):
        with pytest.raises(Conflict):
            refused()
    assert count(storage, Contact) == 1 and count(storage, outbox) == sent


def test_unknown_campaigns_and_cases_are_not_found(service):
    for call in (
        lambda: service.get_campaign(UNKNOWN),
        lambda: service.statement(UNKNOWN),
        lambda: service.import_contacts({"campaign_id": UNKNOWN, "content": edf_file()}),
        lambda: service.list_contacts({"campaign_id": UNKNOWN}),
        lambda: service.record_attempt({"contact_id": UNKNOWN, "channel": "phone", "reached": True, "agent_id": "a"}),
        lambda: service.close_campaign({"campaign_id": UNKNOWN}),
    ):
        with pytest.raises(NotFound):
            call()


def test_the_desk_figures_add_up_every_campaign(service):
    campaign, [first, second] = campaign_with_contacts(service, count=2, max_attempts=2)
    attempt(service, first, days_ago=3)
    attempt(service, first, reached=True, days_ago=2)
    resolve(service, first, outcome="referred", acts=["referral"])
    attempt(service, second, days_ago=2)
    attempt(service, second, days_ago=1)
    service.close_campaign({"campaign_id": campaign["campaign_id"]})
    open_campaign(service, partner="engie")
    figures = service.desk_figures("lyon-8")
    assert (figures["campaigns_open"], figures["campaigns_closed"]) == (1, 1)
    assert (figures["contacts"], figures["attempts"], figures["reached"]) == (2, 4, 1)
    assert figures["outcomes"]["referred"] == 1 and figures["outcomes"]["unreachable"] == 1
    assert [c["partner"] for c in service.list_campaigns({"pimms_id": "lyon-8", "status": "open"})] == ["engie"]
