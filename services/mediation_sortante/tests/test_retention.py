"""Retention: the identities of a campaign's contacts go once CONTACT_RETENTION_DAYS have passed since its
close; the events, the outcomes and the partner statement stay exactly as they were."""
import datetime as dt

import pytest
from sqlalchemy import select

from services.mediation_sortante.models import Contact
from services.mediation_sortante.tests.conftest import make_service
from services.mediation_sortante.tests.support import IDENTITY, ago, closed_long_ago, edf_file, edf_row, on_disk
from shared.errors import InvalidRequest
from tests.kit import published


def test_identities_are_purged_after_the_retention_delay_and_nothing_else_changes(service, storage, tmp_path):
    campaign = closed_long_ago(service, closed_days_ago=100)
    campaign_id = campaign["campaign_id"]
    before = {"json": service.statement(campaign_id), "csv": service.statement(campaign_id, "csv"),
              "events": published(storage), "figures": service.desk_figures("lyon-8")}
    cases_before = service.list_contacts({"campaign_id": campaign_id})
    assert on_disk(tmp_path, "Quarantotto")

    # 89 days after the close: still within the 90 days
    early = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=11)).isoformat()
    assert service.purge_identities(early) == {"campaigns": 0, "contacts": 0}
    assert service.list_contacts({"campaign_id": campaign_id})[0]["name"] == IDENTITY["name"]

    assert service.purge_identities() == {"campaigns": 1, "contacts": 2}

    cases = service.list_contacts({"campaign_id": campaign_id})
    for case in cases:
        assert case["identity_purged"] is True
        assert (case["name"], case["phone"], case["address"], case["partner_reference"]) == (None,) * 4
    keep = ("contact_id", "status", "outcome", "acts", "attempts", "resolved_at", "agent_id")
    assert [{k: c[k] for k in keep} for c in cases] == [{k: c[k] for k in keep} for c in cases_before]
    with storage.sessionmaker() as session:
        assert session.execute(select(Contact.name, Contact.phone, Contact.address, Contact.partner_ref)
                               .where(Contact.name.is_not(None) | Contact.phone.is_not(None)
                                      | Contact.address.is_not(None) | Contact.partner_ref.is_not(None))).all() == []
    for value in ("Quarantotto", "0781223344", "7 rue Villon"):
        assert not on_disk(tmp_path, value), value
    # the reference stays only in the frozen statement, no longer tied to a contact id
    assert service.statement(campaign_id) == before["json"]
    assert service.statement(campaign_id, "csv") == before["csv"]
    assert published(storage) == before["events"]  # and the purge itself published nothing
    assert service.desk_figures("lyon-8") == before["figures"]
    assert service.get_campaign(campaign_id)["identities_purged_at"] is not None
    assert service.purge_identities() == {"campaigns": 0, "contacts": 0}


def test_open_campaigns_and_recent_closes_keep_their_identities(service):
    recent = closed_long_ago(service, closed_days_ago=30)
    running = service.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "opened_at": ago(days=400)})
    service.import_contacts({"campaign_id": running["campaign_id"], "content": edf_file(edf_row(1))})
    assert service.purge_identities() == {"campaigns": 0, "contacts": 0}
    for campaign in (recent, running):
        assert service.list_contacts({"campaign_id": campaign["campaign_id"]})[0]["name"]


def test_the_retention_delay_comes_from_the_configuration(storage):
    service = make_service(storage, CONTACT_RETENTION_DAYS=0)
    closed_long_ago(service, closed_days_ago=1)
    assert service.purge_identities() == {"campaigns": 1, "contacts": 2}


def test_a_purge_cannot_be_run_as_of_a_future_day(service):
    closed_long_ago(service, closed_days_ago=30)
    with pytest.raises(InvalidRequest) as exc:
        service.purge_identities((dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=90)).isoformat())
    assert "now" in exc.value.errors
    assert service.purge_identities() == {"campaigns": 0, "contacts": 0}
