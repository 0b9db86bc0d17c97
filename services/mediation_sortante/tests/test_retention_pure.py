"""The retention rules without a database and without a broker: when a statement may be marked sent, the limits
the settings give, the close of a campaign left open, and a statement without its partner references (rules.py,
statement.py). The same through the service, stored: test_statement_sent.py and test_expiry.py."""
import datetime as dt

import pytest

from services.mediation_sortante import rules, statement
from services.mediation_sortante.rules import CampaignFacts, RetentionLimits
from services.mediation_sortante.statement import CaseLine
from shared.errors import Conflict, InvalidRequest

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
CLOSED = NOW - dt.timedelta(days=2)


def campaign(**terms):
    values = dict(id="c-1", pimms_id="lyon-8", partner="edf", label="Impayés hiver", channels=("phone", "sms"),
                  max_attempts=2, status="closed", opened_at=NOW - dt.timedelta(days=40), closed_at=CLOSED)
    return CampaignFacts(**{**values, **terms})


# -- the statement sent -------------------------------------------------------------------------------------
def test_a_closed_campaign_s_statement_may_be_marked_sent_from_its_close_on():
    rules.may_mark_statement_sent(campaign(), None, CLOSED)
    rules.may_mark_statement_sent(campaign(), None, NOW)


def test_an_open_campaign_s_statement_is_not_final_and_cannot_be_marked_sent():
    with pytest.raises(Conflict) as refused:
        rules.may_mark_statement_sent(campaign(status="open", closed_at=None), None, NOW)
    assert "still open" in str(refused.value) and "c-1" in str(refused.value)


def test_a_statement_is_marked_sent_once_and_the_refusal_says_when_it_was():
    with pytest.raises(Conflict) as refused:
        rules.may_mark_statement_sent(campaign(), CLOSED + dt.timedelta(hours=1), NOW)
    assert "already marked sent at 2026-11-18T15:00:00+00:00" in str(refused.value)


def test_a_statement_is_not_sent_before_the_close_that_froze_it():
    with pytest.raises(InvalidRequest) as refused:
        rules.may_mark_statement_sent(campaign(), None, CLOSED - dt.timedelta(seconds=1))
    assert list(refused.value.errors) == ["sent_at"]


# -- the limits ---------------------------------------------------------------------------------------------
def test_each_limit_has_its_default_and_its_setting():
    assert rules.retention_limits({}) == RetentionLimits(contact_days=90, open_campaign_days=180,
                                                         statement_reference_days=30)
    # from the environment, a value arrives as text
    assert rules.retention_limits({"CONTACT_RETENTION_DAYS": "60", "OPEN_CAMPAIGN_LIMIT_DAYS": 365,
                                   "STATEMENT_REFERENCE_RETENTION_DAYS": 0}) == RetentionLimits(60, 365, 0)


@pytest.mark.parametrize("setting, value, says", [
    ("CONTACT_RETENTION_DAYS", "ninety", "whole number of days"),
    ("STATEMENT_REFERENCE_RETENTION_DAYS", -1, "at least 0 days"),
    ("OPEN_CAMPAIGN_LIMIT_DAYS", 0, "at least 1 days"),  # would close every campaign the day it opens
])
def test_a_limit_that_is_not_a_number_of_days_or_too_small_is_refused_by_its_setting_s_name(setting, value, says):
    with pytest.raises(ValueError) as refused:
        rules.retention_limits({setting: value})
    assert setting in str(refused.value) and says in str(refused.value)


def test_each_delay_counts_back_from_the_moment_of_the_run():
    assert rules.purge_cutoff(NOW, 180) == NOW - dt.timedelta(days=180)
    assert rules.purge_cutoff(NOW, 0) == NOW


# -- campaigns left open ------------------------------------------------------------------------------------
def test_a_campaign_left_open_closes_at_the_run_or_after_whatever_a_desk_s_fast_clock_recorded():
    assert rules.expiry_close(NOW, (None, None)) == NOW
    assert rules.expiry_close(NOW, (NOW - dt.timedelta(days=3), None)) == NOW
    ahead = NOW + dt.timedelta(minutes=4)
    assert rules.expiry_close(NOW, (NOW - dt.timedelta(days=3), ahead)) == ahead


# -- the statement without references -----------------------------------------------------------------------
def built(cases):
    return statement.build(campaign(), cases, {"phone": (5, 2), "sms": (1, 0)}, "pimms-lyon")


CASES = [CaseLine("1000000002", "payment_plan", ["explanation", "payment_plan_negotiation"], CLOSED, 2),
         CaseLine("1000000001", "unreachable", [], CLOSED - dt.timedelta(days=1), 2),
         CaseLine("1000000003", "expired", [], CLOSED, 1),
         CaseLine("1000000004", "expired", [], CLOSED, 1)]


def test_an_expired_case_is_counted_in_a_row_of_its_own_after_the_outcomes():
    doc = built(CASES)
    assert doc["outcomes"]["expired"] == 2 and doc["outcomes"]["unreachable"] == 1
    assert doc["totals"]["open_cases"] == 0 and doc["totals"]["contacts"] == 4
    rows = [line.split(";") for line in statement.render_csv(doc).split("\r\n")[1:] if line]
    keys = [row[3] for row in rows if row[2] == "outcome"]
    assert keys == ["contact_restored", "payment_plan", "referred", "unreachable", "refused", "expired"]


def test_removing_the_references_keeps_every_count_and_each_case_s_line():
    doc = built(CASES)
    kept = statement.without_references(doc, NOW)
    assert {key: value for key, value in kept.items() if key not in ("cases", "partner_references_purged_at")} \
        == {key: value for key, value in doc.items() if key != "cases"}
    assert [case["partner_reference"] for case in kept["cases"]] == [None] * 4
    assert [{**case, "partner_reference": None} for case in doc["cases"]] == kept["cases"]
    assert kept["partner_references_purged_at"] == NOW.isoformat()
    assert not any(ref in statement.render_csv(kept) + str(kept) for ref in ("1000000001", "1000000004"))
    assert doc["cases"][0]["partner_reference"] == "1000000001"  # the document given is left as it was


def test_a_statement_frozen_before_expired_existed_reads_as_none_expired():
    doc = built(CASES[:2])
    del doc["outcomes"]["expired"]
    assert ";outcome;expired;0;;\r\n" in statement.render_csv(doc)
