"""The rules of follow-ups and referrals as plain functions: no database, no broker (case_rules.py)."""
import datetime as dt

import pytest

from services.accueil import case_rules
from shared.errors import Conflict, InvalidRequest

UTC = dt.timezone.utc
PARIS = dt.timezone(dt.timedelta(hours=1))
SENT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_a_slip_reference_is_short_unambiguous_and_follows_its_bytes():
    ref = case_rules.reference(bytes(range(8)))
    assert ref == "S-ABCD-EFGH" and case_rules.reference(b"\xff" * 8) != ref
    assert not set(ref) & set("01IOLU")


def test_the_person_followed_is_the_visit_s_one_named_person_with_consent():
    assert case_rules.who_is_followed([], None) is None
    assert case_rules.who_is_followed([(7, ["follow_up"])], None) == 7
    with pytest.raises(InvalidRequest, match="follow_up"):
        case_rules.who_is_followed([(7, ["contact"])], None)
    with pytest.raises(InvalidRequest):
        case_rules.who_is_followed([(7, ["follow_up"]), (8, ["follow_up"])], None)
    assert case_rules.who_is_followed([(7, ["follow_up"]), (8, ["follow_up"])], 8) == 8
    with pytest.raises(InvalidRequest):
        case_rules.who_is_followed([(7, ["follow_up"])], 9)


def test_days_open_count_local_days():
    late_evening = dt.datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already the 3rd in Paris
    assert case_rules.days_between(SENT, late_evening, UTC) == 0
    assert case_rules.days_between(SENT, late_evening, PARIS) == 1
    assert case_rules.days_between(SENT, NOW, PARIS) == 18


def test_an_identity_goes_to_a_partner_only_with_consent_to_partner_transmission():
    assert case_rules.identity_sent(False, [(7, [])]) is None
    assert case_rules.identity_sent(True, [(7, ["partner_transmission"])]) == 7
    with pytest.raises(InvalidRequest, match="partner_transmission"):
        case_rules.identity_sent(True, [(7, ["follow_up"])])
    with pytest.raises(InvalidRequest):
        case_rules.identity_sent(True, [])


def progress(current, **req):
    return case_rules.progress(current, "r1", "caf", {"status": "answered", "answer": "resolved", "reason": None,
                                                      "redirected_to": None, "at": None, **req}, SENT, NOW)


def test_a_referral_moves_forward_only_and_within_its_time():
    assert progress("sent") == NOW
    assert progress("acknowledged", at=NOW - dt.timedelta(days=1)) == NOW - dt.timedelta(days=1)
    with pytest.raises(Conflict):
        progress("answered")
    with pytest.raises(Conflict):
        progress("acknowledged", status="acknowledged", answer=None)
    with pytest.raises(InvalidRequest):
        progress("sent", at=SENT - dt.timedelta(minutes=1))
    with pytest.raises(InvalidRequest):
        progress("sent", answer="redirected", redirected_to="caf")


def test_a_follow_up_is_due_when_open_and_its_day_has_come():
    today = dt.date(2026, 11, 20)
    assert case_rules.is_due("open", today, today) and case_rules.is_due("waiting_person", dt.date(2026, 11, 1), today)
    assert not case_rules.is_due("open", dt.date(2026, 11, 21), today)
    assert not case_rules.is_due("closed", today, today)
    with pytest.raises(Conflict):
        case_rules.may_change("closed", "c1")
    with pytest.raises(InvalidRequest):
        case_rules.due_date(dt.date(2026, 11, 19), today)
