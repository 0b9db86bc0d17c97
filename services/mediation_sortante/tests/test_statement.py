"""The partner statement: what the partner is billed for, in a CSV whose columns never move and in JSON;
counts, and for each partner reference its outcome, nothing more about the person."""
import csv
import io

import pytest

from services.mediation_sortante.tests.support import attempt, campaign_with_contacts, resolve
from shared.errors import InvalidRequest

HEADER = "campaign_id;partner;section;key;count;outcome;resolved_on"
FIGURE_ROWS = [
    ("total", "contacts"), ("total", "open_cases"), ("total", "attempts"), ("total", "reached"), ("total", "acts"),
    ("outcome", "contact_restored"), ("outcome", "payment_plan"), ("outcome", "referred"),
    ("outcome", "unreachable"), ("outcome", "refused"), ("outcome", "expired"),
    ("attempts", "phone"), ("attempts", "door_to_door"), ("attempts", "letter"), ("attempts", "sms"),
    ("reached", "phone"), ("reached", "door_to_door"), ("reached", "letter"), ("reached", "sms"),
    ("act", "information"), ("act", "explanation"), ("act", "advice"), ("act", "payment_plan_negotiation"),
    ("act", "aid_application"), ("act", "referral"), ("act", "accompaniment"), ("act", "online_help"),
]


@pytest.fixture
def worked(service):
    """A campaign of 3 cases: one payment plan, one unreachable after 2 attempts, one still open."""
    campaign, contacts = campaign_with_contacts(service, count=3, max_attempts=2)
    first, second, third = contacts
    attempt(service, first, days_ago=3)
    attempt(service, first, reached=True, channel="door_to_door", days_ago=2)
    resolve(service, first, outcome="payment_plan", acts=["explanation", "payment_plan_negotiation"])
    attempt(service, second, channel="sms", days_ago=3)
    attempt(service, second, days_ago=2)
    attempt(service, third, days_ago=2)
    return campaign, contacts


def parse(text):
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_csv_columns_and_rows_come_in_a_fixed_order(service, worked):
    campaign, _ = worked
    text = service.statement(campaign["campaign_id"], "csv")
    assert text.split("\r\n", 1)[0] == HEADER
    rows = parse(text)[1:]
    assert [(r[2], r[3]) for r in rows[:len(FIGURE_ROWS)]] == FIGURE_ROWS
    assert {(r[0], r[1]) for r in rows} == {(campaign["campaign_id"], "edf")}
    cases = [r[3] for r in rows[len(FIGURE_ROWS):]]
    assert cases == sorted(cases) and len(cases) == 3


def test_the_statement_counts_outcomes_attempts_acts_and_gives_each_reference_its_outcome(service, worked):
    campaign, _ = worked
    rows = {(r[2], r[3]): r[4:] for r in parse(service.statement(campaign["campaign_id"], "csv"))[1:]}
    assert rows[("total", "contacts")][0] == "3" and rows[("total", "open_cases")][0] == "1"
    assert rows[("total", "attempts")][0] == "5" and rows[("total", "reached")][0] == "1"
    assert rows[("outcome", "payment_plan")][0] == "1" and rows[("outcome", "unreachable")][0] == "1"
    assert rows[("attempts", "phone")][0] == "3" and rows[("attempts", "sms")][0] == "1"
    assert rows[("reached", "door_to_door")][0] == "1" and rows[("act", "payment_plan_negotiation")][0] == "1"
    assert rows[("total", "acts")][0] == "2"
    assert rows[("case", "1000000001")][:2] == ["2", "payment_plan"]
    assert rows[("case", "1000000002")][:2] == ["2", "unreachable"]
    assert rows[("case", "1000000003")] == ["1", "", ""]  # still open: no outcome yet


def test_json_and_csv_tell_the_same_statement(service, worked):
    campaign, _ = worked
    doc = service.statement(campaign["campaign_id"])
    rows = {(r[2], r[3]): r[4] for r in parse(service.statement(campaign["campaign_id"], "csv"))[1:]}
    assert doc["final"] is False and doc["partner"] == "edf" and doc["association_id"] == "pimms-lyon"
    for section, key in FIGURE_ROWS:
        part = {"total": "totals", "outcome": "outcomes", "act": "acts"}.get(section, section)
        assert str(doc[part][key]) == rows[(section, key)]
    assert [(c["partner_reference"], c["outcome"]) for c in doc["cases"]] == [
        ("1000000001", "payment_plan"), ("1000000002", "unreachable"), ("1000000003", None)]


def test_the_statement_says_nothing_about_the_person(service, worked):
    campaign, contacts = worked
    statements = [service.statement(campaign["campaign_id"], "csv"), str(service.statement(campaign["campaign_id"]))]
    for contact in contacts:
        for value in (contact["name"], contact["phone"], contact["address"], contact["contact_id"]):
            assert all(value not in text for text in statements)
    assert set(service.statement(campaign["campaign_id"])["cases"][0]) == {
        "partner_reference", "outcome", "attempts", "resolved_on"}


def test_the_statement_is_frozen_at_the_close(service, worked):
    campaign, (_, _, third) = worked
    attempt(service, third, reached=True, days_ago=1)
    resolve(service, third, outcome="refused", acts=(), days_ago=0)
    service.close_campaign({"campaign_id": campaign["campaign_id"]})
    doc = service.statement(campaign["campaign_id"])
    assert doc["final"] is True and doc["closed_at"] is not None and doc["totals"]["open_cases"] == 0
    assert doc["outcomes"]["refused"] == 1
    assert service.statement(campaign["campaign_id"]) == doc


def test_an_unknown_format_is_refused(service, worked):
    campaign, _ = worked
    with pytest.raises(InvalidRequest) as exc:
        service.statement(campaign["campaign_id"], "xlsx")
    assert "format" in exc.value.errors
