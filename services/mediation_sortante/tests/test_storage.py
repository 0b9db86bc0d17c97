"""A whole campaign on SQLite and on PostgreSQL: the same rules, the same statement, the same purge
(row locks, JSON columns and zone-aware moments behave alike on both)."""
import pytest

from services.mediation_sortante.service import MIGRATIONS
from services.mediation_sortante.tests.conftest import make_service
from services.mediation_sortante.tests.support import attempt, campaign_with_contacts, resolve
from shared.errors import Conflict
from tests.kit import published


@pytest.fixture
def any_storage(db_url, migrated_storage):
    return migrated_storage(MIGRATIONS, url=db_url)


def test_a_campaign_from_import_to_purge(any_storage):
    service = make_service(any_storage, CONTACT_RETENTION_DAYS=0)
    campaign, (first, second) = campaign_with_contacts(service, count=2, max_attempts=2)
    service.share_out({"campaign_id": campaign["campaign_id"], "agent_ids": ["agent-amina"]})
    attempt(service, first, reached=True, days_ago=3)
    resolve(service, first, outcome="referred", acts=["explanation", "referral"], days_ago=2)
    with pytest.raises(Conflict):
        resolve(service, first, outcome="refused", acts=())
    attempt(service, second, channel="sms", days_ago=3)
    assert attempt(service, second, days_ago=2)["outcome"] == "unreachable"
    service.close_campaign({"campaign_id": campaign["campaign_id"]})
    statement = service.statement(campaign["campaign_id"], "csv")
    assert ";case;1000000001;1;referred;" in statement

    assert service.purge_identities() == {"campaigns": 1, "contacts": 2}
    assert [c["name"] for c in service.list_contacts({"campaign_id": campaign["campaign_id"]})] == [None, None]
    assert service.statement(campaign["campaign_id"], "csv") == statement
    assert [e["type"].split(".")[1] for e in published(any_storage)] == [
        "campaign_opened", "contact_attempted", "case_resolved", "contact_attempted", "contact_attempted",
        "case_resolved", "campaign_closed"]


def test_a_campaign_left_open_from_its_expiry_to_its_statement_without_references(any_storage):
    service = make_service(any_storage, OPEN_CAMPAIGN_LIMIT_DAYS=5, STATEMENT_REFERENCE_RETENTION_DAYS=0)
    campaign, (first, second) = campaign_with_contacts(service, count=2, max_attempts=2)  # opened 10 days ago
    attempt(service, first, reached=True, days_ago=3)
    resolve(service, first, outcome="refused", acts=(), days_ago=2)

    done = service.apply_retention()
    assert (done["campaigns_expired"], done["cases_expired"], done["statements_references_purged"]) == (1, 1, 0)
    assert [c["outcome"] for c in service.list_contacts({"campaign_id": campaign["campaign_id"]})] == [
        "refused", "expired"]
    before = service.statement(campaign["campaign_id"])
    assert (before["outcomes"]["expired"], before["outcomes"]["refused"]) == (1, 1)

    service.mark_statement_sent({"campaign_id": campaign["campaign_id"]})
    assert service.apply_retention()["statements_references_purged"] == 1
    after = service.statement(campaign["campaign_id"])
    assert {k: v for k, v in after.items() if k not in ("cases", "partner_references_purged_at")} == {
        k: v for k, v in before.items() if k != "cases"}
    assert [c["partner_reference"] for c in after["cases"]] == [None, None]
    assert [e["type"].split(".")[1] for e in published(any_storage)][-1] == "campaign_closed"
