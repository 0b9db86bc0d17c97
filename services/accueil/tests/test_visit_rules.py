"""The rules of a visit, a workshop and a citizen's record as plain functions: no database, no broker (rules.py)."""
import datetime as dt

import pytest

from services.accueil import rules
from shared.errors import Conflict, Forbidden, InvalidRequest

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone.utc)
CLOSE = {"closed_at": None, "duration_min": None, "registres": ["inform", "presence", "inform"]}


def test_a_visit_opens_now_or_when_the_desk_says_but_not_in_the_future():
    assert rules.opened_at({"opened_at": None}, NOW) == NOW
    earlier = NOW - dt.timedelta(hours=1)
    assert rules.opened_at({"opened_at": earlier}, NOW) == earlier
    assert rules.opened_at({"opened_at": NOW + dt.timedelta(minutes=4)}, NOW)  # a desk clock a little ahead
    with pytest.raises(InvalidRequest) as exc:
        rules.opened_at({"opened_at": NOW + dt.timedelta(minutes=6)}, NOW)
    assert exc.value.errors == {"opened_at": ["must not be in the future"]}


def test_budget_advice_falls_under_its_own_mandate():
    assert rules.activity_of({"kind": "generaliste", "domain": "point_conseil_budget"}) == "point_conseil_budget"
    assert rules.activity_of({"kind": "partenaire", "domain": None}) == "accueil"


def test_a_visit_closes_with_an_act_and_its_duration_measured_unless_left_open_too_long():
    opened = NOW - dt.timedelta(minutes=25)
    assert rules.closing(CLOSE, NOW, opened, acts=1) == (NOW, 25)
    assert rules.closing({**CLOSE, "duration_min": 10}, NOW, opened, acts=2) == (NOW, 10)
    with pytest.raises(InvalidRequest, match="at least one act"):
        rules.closing(CLOSE, NOW, opened, acts=0)
    with pytest.raises(InvalidRequest, match="over 600 minutes"):
        rules.closing(CLOSE, NOW, NOW - dt.timedelta(hours=11), acts=1)
    with pytest.raises(InvalidRequest, match="before the visit opened"):
        rules.closing({**CLOSE, "closed_at": opened - dt.timedelta(minutes=1)}, NOW, opened, acts=1)
    with pytest.raises(InvalidRequest, match="future"):
        rules.closing({**CLOSE, "closed_at": NOW + dt.timedelta(hours=1)}, NOW, opened, acts=1)


def test_only_an_open_visit_takes_acts_or_a_close():
    rules.may_add_act("open", "v1")
    rules.may_close("open", "v1")
    with pytest.raises(Conflict):
        rules.may_add_act("closed", "v1")
    with pytest.raises(Conflict, match="already closed"):
        rules.may_close("closed", "v1")


def test_a_visit_recorded_as_it_ends_opened_as_long_ago_as_it_lasted():
    opening = rules.recorded_visit_opening({"closed_at": None, "duration_min": 20}, NOW)
    assert opening["opened_at"] == NOW - dt.timedelta(minutes=20)


def test_registres_are_kept_once_each_in_order():
    assert rules.registres_of(CLOSE) == ["inform", "presence"]


def test_a_visitor_reference_is_keyed_stable_and_meaningless_without_the_key():
    ref = rules.visitor_ref("key-a", rules.citizen_subject(7))
    assert ref == rules.visitor_ref("key-a", rules.citizen_subject(7)) and len(ref) == 32
    assert ref != rules.visitor_ref("key-b", rules.citizen_subject(7))
    assert rules.visitor_ref("key-a", rules.anonymous_subject("v1", 0)) != rules.visitor_ref(
        "key-a", rules.anonymous_subject("v1", 1))


def test_a_call_acting_for_staff_acts_and_sees_on_their_desks_only():
    agent = {"login": "agent.lyon8", "desks": ["lyon-8"]}
    rules.in_scope(agent, "lyon-8")
    rules.in_scope(None, "lyon-9")  # acting for nobody: the stack's own jobs
    with pytest.raises(Forbidden):
        rules.in_scope(agent, "lyon-9")
    assert rules.visible(agent, "lyon-8") and not rules.visible(agent, "lyon-9") and rules.visible(None, "x")


def test_naming_a_person_needs_a_staff_member_and_an_unknown_record_reads_as_any_other():
    rules.may_name({"login": "agent.lyon8"})
    with pytest.raises(Forbidden):
        rules.may_name(None)
    assert rules.unknown_citizen(2).errors == {"participants": {2: {"citizen": {"citizen_id": ["unknown citizen"]}}}}


def test_only_a_person_who_consented_to_be_followed_is_found_by_name_and_a_search_grants_an_hour():
    assert rules.findable(["contact", "follow_up"]) and not rules.findable(["contact"]) and not rules.findable(None)
    assert rules.search_granted_since(NOW) == NOW - dt.timedelta(hours=1)


def test_a_workshop_is_recorded_on_its_day_or_later_in_the_association_s_calendar():
    paris = dt.timezone(dt.timedelta(hours=1))
    late_evening = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc)  # already 1 December in Paris
    assert rules.workshop_day(dt.date(2026, 12, 1), late_evening, paris) == dt.date(2026, 12, 1)
    with pytest.raises(InvalidRequest, match="future"):
        rules.workshop_day(dt.date(2026, 12, 2), late_evening, paris)


def test_the_rules_module_touches_no_database():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith(("sqlalchemy", "nameko", "kombu", "services.accueil.store", "shared.db"))
                   for m in imported)


# -- the citizen's data lifecycle ------------------------------------------------------------------------------
def test_a_consent_given_or_withdrawn_changes_only_its_purposes_in_a_fixed_order():
    assert rules.consent_after(["contact"], "given", ["follow_up"]) == ["follow_up", "contact"]
    assert rules.consent_after(["follow_up", "contact"], "withdrawn", ["contact"]) == ["follow_up"]
    assert rules.consent_after(["follow_up"], "withdrawn", ["follow_up", "contact"]) == []
    assert rules.consent_after(None, "given", ["partner_transmission"]) == ["partner_transmission"]


def test_a_missing_purpose_is_named_in_the_error():
    rules.require_purpose(["follow_up"], "follow_up", 7, "outcome", "a follow-up")
    with pytest.raises(InvalidRequest) as refused:
        rules.require_purpose(["contact"], "follow_up", 7, "outcome", "a follow-up")
    assert refused.value.errors == {"outcome": [
        "a follow-up needs the consent of citizen 7 to the purpose follow_up (consented to: contact); record it "
        "first, or receive them anonymously"]}


def test_retention_counts_calendar_months_back_from_now():
    now = dt.datetime(2026, 3, 31, 8, 0, tzinfo=dt.timezone.utc)
    cutoffs = rules.retention_cutoffs(now, 24, 12)
    assert cutoffs == {"identities": dt.datetime(2024, 3, 31, 8, 0, tzinfo=dt.timezone.utc),
                       "trails": dt.datetime(2025, 3, 31, 8, 0, tzinfo=dt.timezone.utc)}
    assert rules.retention_cutoffs(now, 1, 1)["trails"] == dt.datetime(2026, 2, 28, 8, 0, tzinfo=dt.timezone.utc)
    assert rules.kept_until(dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc), 24) == dt.datetime(
        2026, 2, 28, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        rules.retention_cutoffs(now, 0, 12)


def test_only_a_manager_may_erase():
    rules.may_erase({"login": "m", "role": "manager"})
    with pytest.raises(Forbidden):
        rules.may_erase({"login": "a", "role": "agent"})
