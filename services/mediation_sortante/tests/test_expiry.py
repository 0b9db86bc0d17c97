"""Campaigns left open: OPEN_CAMPAIGN_LIMIT_DAYS after its opening, the daily job closes a campaign still open as
a desk's close does (statement frozen, `campaign_closed` through the outbox), its open cases `expired`; then
the identities go after CONTACT_RETENTION_DAYS like any closed campaign's. And every run is logged and counted."""
import logging

import pytest

from services.mediation_sortante.tests.conftest import make_service
from services.mediation_sortante.tests.support import (
    ago,
    attempt,
    campaign_with_contacts,
    closed_long_ago,
    open_campaign,
    resolve,
)
from shared.errors import Conflict
from tests.kit import published, published_events


def left_open(service, days=200):
    """A campaign opened `days` ago, 3 cases: one payment plan, one tried without reaching anyone, one never
    tried."""
    campaign, (first, second, third) = campaign_with_contacts(service, count=3, opened_at=ago(days=days))
    attempt(service, first, reached=True, days_ago=days - 5)
    resolve(service, first, outcome="payment_plan", acts=["payment_plan_negotiation"], days_ago=days - 6)
    attempt(service, second, days_ago=days - 5)
    return campaign, (first, second, third)


def test_a_campaign_left_open_past_the_limit_closes_with_its_open_cases_expired(service, storage):
    campaign, (first, second, third) = left_open(service)
    campaign_id = campaign["campaign_id"]

    done = service.apply_retention()

    assert (done["campaigns_expired"], done["cases_expired"]) == (1, 2)
    view = service.get_campaign(campaign_id)
    assert (view["status"], view["open_cases"]) == ("closed", 0) and view["closed_at"] == done["as_of"]
    cases = {c["contact_id"]: c for c in service.list_contacts({"campaign_id": campaign_id})}
    assert cases[first["contact_id"]]["outcome"] == "payment_plan"  # what was decided stays
    for case in (cases[second["contact_id"]], cases[third["contact_id"]]):
        assert (case["status"], case["outcome"], case["acts"], case["automatic"], case["resolved_by"]) == (
            "resolved", "expired", [], True, None)
        assert case["resolved_at"] == done["as_of"]
        assert case["name"] is not None  # the identities go later, CONTACT_RETENTION_DAYS after this close
    doc = service.statement(campaign_id)
    assert doc["final"] is True and doc["closed_at"] == done["as_of"]
    assert (doc["outcomes"]["expired"], doc["outcomes"]["payment_plan"], doc["totals"]["open_cases"]) == (2, 1, 0)
    assert service.statement(campaign_id) == doc  # frozen
    with pytest.raises(Conflict):
        attempt(service, third, days_ago=0)


def test_an_expired_campaign_s_close_is_published_like_a_desk_s_and_its_expired_cases_publish_nothing(
        service, storage):
    campaign, _ = left_open(service)
    service.apply_retention()
    [closed] = published_events(storage, "mediation_sortante.campaign_closed")  # loaded by its schema
    assert str(closed.payload["campaign_id"]) == campaign["campaign_id"] and closed.pimms_id == "lyon-8"
    assert closed.payload["contacts"] == 3
    assert {o["outcome"]: o["cases"] for o in closed.payload["outcomes"] if o["cases"]} == {"payment_plan": 1}
    assert [e.payload["outcome"] for e in published_events(storage, "mediation_sortante.case_resolved")] == [
        "payment_plan"]
    figures = service.desk_figures("lyon-8")
    assert sum(figures["outcomes"].values()) == 1 and figures["cases_expired"] == 2


def test_campaigns_open_less_than_the_limit_and_closed_ones_are_left_as_they_are(service, storage):
    young, _ = left_open(service, days=170)
    old, _ = left_open(service, days=185)
    closed = closed_long_ago(service, closed_days_ago=250)
    closed_at = service.get_campaign(closed["campaign_id"])["closed_at"]
    # as of ten days ago the 185-day-old campaign was 175 days old: not yet
    assert service.apply_retention(ago(days=10))["campaigns_expired"] == 0
    assert service.get_campaign(old["campaign_id"])["status"] == "open"
    events = published(storage)

    assert service.apply_retention()["campaigns_expired"] == 1

    assert service.get_campaign(old["campaign_id"])["status"] == "closed"
    assert service.get_campaign(young["campaign_id"])["status"] == "open"
    assert service.get_campaign(closed["campaign_id"])["closed_at"] == closed_at
    assert [e["type"] for e in published(storage)[len(events):]] == ["mediation_sortante.campaign_closed"]
    assert service.apply_retention()["campaigns_expired"] == 0  # each closes once


def test_the_open_campaign_limit_comes_from_the_configuration(storage):
    service = make_service(storage, OPEN_CAMPAIGN_LIMIT_DAYS=5)
    campaign = open_campaign(service)  # opened 10 days ago
    assert service.apply_retention()["campaigns_expired"] == 1
    assert service.get_campaign(campaign["campaign_id"])["status"] == "closed"


def test_then_the_normal_retention_applies_to_an_expired_campaign(storage):
    service = make_service(storage, CONTACT_RETENTION_DAYS=0)
    campaign, _ = left_open(service)
    done = service.apply_retention()
    assert (done["campaigns_expired"], done["identities_campaigns"], done["identities_contacts"]) == (1, 1, 3)
    assert [c["name"] for c in service.list_contacts({"campaign_id": campaign["campaign_id"]})] == [None] * 3


def test_every_run_is_logged_in_one_line_with_its_counts_and_counted_in_metrics(storage, caplog):
    service = make_service(storage, CONTACT_RETENTION_DAYS=0)
    left_open(service)
    metric = service.metrics.registry.get_sample_value
    with caplog.at_level(logging.INFO, logger="services.mediation_sortante.service"):
        service.apply_retention()
        service.apply_retention()  # nothing left to do: still one line
    lines = [r.getMessage() for r in caplog.records if r.name == "services.mediation_sortante.service"]
    assert len(lines) == 2
    assert "1 campaign(s) left open closed (2 case(s) expired)" in lines[0]
    assert "identities of 3 contact(s) in 1 campaign(s) blanked" in lines[0]
    assert "partner references removed from 0 statement(s)" in lines[0]
    assert "0 campaign(s) left open closed (0 case(s) expired)" in lines[1]
    assert metric("pimms_outbound_campaigns_expired_total") == 1
    assert metric("pimms_outbound_cases_expired_total") == 2
    assert metric("pimms_outbound_identities_purged_total") == 3
    assert metric("pimms_outbound_statement_references_purged_total") == 0


def test_the_daily_timer_runs_the_whole_retention_job(service):
    campaign, _ = left_open(service)
    service.purge_daily()
    assert service.get_campaign(campaign["campaign_id"])["status"] == "closed"
