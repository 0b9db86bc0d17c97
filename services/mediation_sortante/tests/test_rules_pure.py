"""Médiation sortante's plain rules, without a database and without a broker (rules.py): which attempt and
which outcome a case admits, when a case becomes unreachable by itself, when a campaign may close, how cases
are dealt out and a re-imported file sorted. The same rules seen through the service, with nothing stored
when they refuse, are in test_rules.py."""
import datetime as dt
from types import SimpleNamespace

import pytest

from services.mediation_sortante import rules
from services.mediation_sortante.rules import AttemptFact, CampaignFacts, CaseFacts
from shared.errors import Conflict, InvalidRequest, NotFound

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
OPENED = NOW - dt.timedelta(days=3)


def campaign(**terms):
    values = dict(id="c-1", pimms_id="lyon-8", partner="edf", label=None, channels=("phone", "sms"),
                  max_attempts=3, status="open", opened_at=OPENED)
    return CampaignFacts(**{**values, **terms})


def case(*attempts, status="open", outcome=None):
    return CaseFacts(id="k-1", status=status, outcome=outcome, attempts=tuple(attempts))


def tried(hours_ago, reached=False):
    return AttemptFact(NOW - dt.timedelta(hours=hours_ago), reached)


# -- attempts -----------------------------------------------------------------------------------------------
def test_a_first_attempt_is_number_one_at_now_when_no_moment_is_given():
    assert rules.admit_attempt(campaign(), case(), "phone", None, NOW) == (1, NOW)


def test_an_attempt_given_in_another_zone_is_kept_in_utc():
    paris = dt.timezone(dt.timedelta(hours=1))
    number, at = rules.admit_attempt(campaign(), case(tried(5)), "sms", NOW.astimezone(paris), NOW)
    assert number == 2 and at == NOW and at.tzinfo == UTC


@pytest.mark.parametrize("given, field", [
    (dict(at=NOW + dt.timedelta(minutes=6)), "at"),  # beyond the clock skew a desk is allowed
    (dict(at=OPENED - dt.timedelta(seconds=1)), "at"),
    (dict(channel="door_to_door"), "channel"),  # not one of this campaign's channels
])
def test_an_attempt_in_the_future_before_the_campaign_or_on_another_channel_names_its_field(given, field):
    call = {"at": None, "channel": "phone", **given}
    with pytest.raises(InvalidRequest) as refused:
        rules.admit_attempt(campaign(), case(), call["channel"], call["at"], NOW)
    assert list(refused.value.errors) == [field]


def test_an_attempt_a_few_minutes_ahead_is_a_desk_clock_and_is_admitted():
    assert rules.admit_attempt(campaign(), case(), "phone", NOW + dt.timedelta(minutes=4), NOW)[0] == 1


@pytest.mark.parametrize("the_campaign, the_case, says", [
    (campaign(status="closed"), case(), "closed"),
    (campaign(), case(status="resolved", outcome="payment_plan"), "already has its outcome"),
    (campaign(max_attempts=2), case(tried(3), tried(2)), "has had the campaign's 2 attempts"),
])
def test_no_attempt_in_a_closed_campaign_on_a_resolved_case_or_beyond_the_campaign_s_maximum(
        the_campaign, the_case, says):
    with pytest.raises(Conflict, match=says):
        rules.admit_attempt(the_campaign, the_case, "phone", None, NOW)


@pytest.mark.parametrize("attempts, unreachable", [
    ((tried(3), tried(2), tried(1)), NOW - dt.timedelta(hours=1)),  # the last allowed, nobody ever answered
    ((tried(3), tried(2, reached=True), tried(1)), None),  # reached once: an agent decides
    ((tried(3), tried(2)), None),  # one attempt still allowed
])
def test_a_case_becomes_unreachable_by_itself_only_after_its_last_allowed_attempt_reached_nobody(
        attempts, unreachable):
    assert rules.unreachable_since(3, attempts) == unreachable


# -- outcomes -----------------------------------------------------------------------------------------------
def test_an_outcome_keeps_each_act_once_in_the_order_given():
    acts, at = rules.admit_outcome(3, case(tried(2, reached=True)), "payment_plan",
                                   ["explanation", "accompaniment", "explanation"], None, NOW)
    assert acts == ["explanation", "accompaniment"] and at == NOW


@pytest.mark.parametrize("the_case, outcome, acts, error, says", [
    (case(), "payment_plan", ["explanation"], Conflict, "no attempt yet"),
    (case(tried(2)), "payment_plan", ["explanation"], Conflict, "never reached"),
    (case(tried(2), tried(1)), "unreachable", [], Conflict, "only after all of them"),
    (case(tried(3), tried(2), tried(1)), "unreachable", ["explanation"], InvalidRequest, "acts"),
    (case(tried(1, reached=True)), "payment_plan", [], InvalidRequest, "acts"),
    (case(tried(1, reached=True), status="resolved", outcome="refused"), "refused", [], Conflict, "already"),
])
def test_an_outcome_that_the_case_s_attempts_do_not_allow_is_refused_with_its_reason(
        the_case, outcome, acts, error, says):
    with pytest.raises(error) as refused:
        rules.admit_outcome(3, the_case, outcome, acts, None, NOW)
    assert says in (list(refused.value.errors) if error is InvalidRequest else str(refused.value))


def test_an_outcome_dated_before_the_case_s_last_attempt_is_refused():
    with pytest.raises(InvalidRequest) as refused:
        rules.admit_outcome(3, case(tried(1, reached=True)), "refused", [], NOW - dt.timedelta(hours=2), NOW)
    assert list(refused.value.errors) == ["resolved_at"]


# -- closing ------------------------------------------------------------------------------------------------
def test_a_campaign_with_every_case_resolved_closes_after_its_last_outcome():
    rules.may_close(campaign(), 0, NOW - dt.timedelta(hours=1), NOW)


@pytest.mark.parametrize("the_campaign, open_cases, says", [
    (campaign(status="closed"), 0, "already closed"),
    (campaign(), 2, "2 open case"),
])
def test_a_closed_campaign_or_one_with_open_cases_does_not_close(the_campaign, open_cases, says):
    with pytest.raises(Conflict, match=says):
        rules.may_close(the_campaign, open_cases, None, NOW)


def test_a_campaign_does_not_close_before_its_last_outcome():
    with pytest.raises(InvalidRequest) as refused:
        rules.may_close(campaign(), 0, NOW, NOW - dt.timedelta(minutes=1))
    assert list(refused.value.errors) == ["closed_at"]


def test_nothing_is_imported_into_a_closed_campaign():
    rules.still_open("c-1", "open", "be imported into")
    with pytest.raises(Conflict, match="be imported into"):
        rules.still_open("c-1", "closed", "be imported into")


# -- the file and the agents --------------------------------------------------------------------------------
def test_a_re_imported_file_adds_only_the_references_not_yet_in_the_campaign():
    rows = [SimpleNamespace(line=2, partner_ref="A"), SimpleNamespace(line=3, partner_ref="B")]
    new, already = rules.sort_out(rows, known={"A"})
    assert [row.partner_ref for row in new] == ["B"] and already == [2]


def test_cases_are_dealt_in_turn_to_each_agent_once_named():
    holders, assigned = rules.deal(["amina", "bruno", "amina"], 5)
    assert holders == ["amina", "bruno", "amina", "bruno", "amina"] and assigned == {"amina": 3, "bruno": 2}


@pytest.mark.parametrize("statuses, error", [
    ({"k-1": "open"}, NotFound),  # k-2 is not in the campaign
    ({"k-1": "open", "k-2": "resolved"}, Conflict),
])
def test_only_open_cases_of_the_campaign_are_assigned(statuses, error):
    with pytest.raises(error):
        rules.may_assign("c-1", ["k-1", "k-2"], statuses)


def test_whoever_tries_first_holds_the_case():
    assert rules.holder_after_attempt(None, "amina") == "amina"
    assert rules.holder_after_attempt("bruno", "amina") == "bruno"


def test_identities_are_kept_for_the_retention_period_after_the_close():
    assert rules.purge_cutoff(NOW, 90) == NOW - dt.timedelta(days=90)
