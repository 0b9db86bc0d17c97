"""The statement sent to the partner: marked once, only for a closed campaign; its partner references leave the
stored statement STATEMENT_REFERENCE_RETENTION_DAYS after, every count staying as the partner received it."""
import uuid

import pytest
from sqlalchemy import text

from services.mediation_sortante.tests.conftest import make_service
from services.mediation_sortante.tests.support import ago, closed_long_ago, on_disk, open_campaign
from shared.errors import Conflict, InvalidRequest, NotFound
from tests.kit import published

REFERENCES = ("1000000001", "1000000002")


def sent(service, campaign, days_ago, **request):
    return service.mark_statement_sent({"campaign_id": campaign["campaign_id"], "sent_at": ago(days=days_ago),
                                        **request})


def stored_row(storage, campaign_id):
    """The campaign's row as the database holds it, every column as text."""
    with storage.sessionmaker() as session:
        row = session.execute(text("SELECT * FROM campaigns WHERE id = :id"), {"id": campaign_id}).one()
    return " ".join(str(value) for value in row)


def counts_of(doc):
    return {key: value for key, value in doc.items() if key not in ("cases", "partner_references_purged_at")}


# -- marking it sent ----------------------------------------------------------------------------------------
def test_marking_the_statement_sent_records_when_and_the_campaign_shows_it(service, storage):
    campaign = closed_long_ago(service, closed_days_ago=10)
    events = published(storage)
    request = {"campaign_id": campaign["campaign_id"], "sent_at": ago(days=9), "idempotency_key": "desk:sent-1"}
    view = service.mark_statement_sent(request)
    assert view["statement_sent_at"] == service.get_campaign(campaign["campaign_id"])["statement_sent_at"]
    assert view["statement_sent_at"][:10] == ago(days=9)[:10] and view["statement_references_purged_at"] is None
    assert [c["statement_sent_at"] for c in service.list_campaigns({"pimms_id": "lyon-8"})] == [
        view["statement_sent_at"]]
    # sent again after a lost answer: the first answer, nothing done twice
    assert service.mark_statement_sent(dict(request)) == view
    assert published(storage) == events  # the partner's billing is no event


def test_an_open_campaign_s_statement_cannot_be_marked_sent(service):
    campaign = open_campaign(service)
    with pytest.raises(Conflict) as refused:
        sent(service, campaign, days_ago=1)
    assert "still open" in str(refused.value) and "only once the campaign is closed" in str(refused.value)
    assert service.get_campaign(campaign["campaign_id"])["statement_sent_at"] is None


def test_a_statement_marked_sent_a_second_time_is_a_conflict_that_keeps_the_first_moment(service):
    campaign = closed_long_ago(service, closed_days_ago=10)
    first = sent(service, campaign, days_ago=5, idempotency_key="desk:sent-1")
    with pytest.raises(Conflict) as refused:
        sent(service, campaign, days_ago=1, idempotency_key="desk:sent-2")
    assert "already marked sent" in str(refused.value)
    assert service.get_campaign(campaign["campaign_id"])["statement_sent_at"] == first["statement_sent_at"]


@pytest.mark.parametrize("request_, field", [
    ({"sent_at": ago(days=11)}, "sent_at"),  # before the close
    ({"sent_at": ago(days=-1)}, "sent_at"),  # in the future
    ({"campaign_id": "not-a-uuid"}, "campaign_id"),
    ({"sent": "yesterday"}, "sent"),
])
def test_a_bad_request_names_its_field_and_marks_nothing(service, request_, field):
    campaign = closed_long_ago(service, closed_days_ago=10)
    with pytest.raises(InvalidRequest) as refused:
        service.mark_statement_sent({"campaign_id": campaign["campaign_id"], **request_})
    assert field in refused.value.errors
    assert service.get_campaign(campaign["campaign_id"])["statement_sent_at"] is None


def test_an_unknown_campaign_s_statement_is_not_found(service):
    with pytest.raises(NotFound):
        service.mark_statement_sent({"campaign_id": str(uuid.uuid4())})


# -- its references removed ---------------------------------------------------------------------------------
def test_the_partner_references_leave_the_statement_after_the_delay_and_every_count_stays(service, storage):
    campaign = closed_long_ago(service, closed_days_ago=40)
    campaign_id = campaign["campaign_id"]
    sent(service, campaign, days_ago=31)
    before = {"json": service.statement(campaign_id), "csv": service.statement(campaign_id, "csv")}
    assert all(ref in stored_row(storage, campaign_id) for ref in REFERENCES)

    # two days ago the statement had been sent 29 days before: within the 30 days
    assert service.apply_retention(ago(days=2))["statements_references_purged"] == 0
    assert service.statement(campaign_id) == before["json"]

    assert service.apply_retention()["statements_references_purged"] == 1

    after = service.statement(campaign_id)
    assert counts_of(after) == counts_of(before["json"])
    assert [{**case, "partner_reference": None} for case in before["json"]["cases"]] == after["cases"]
    assert after["partner_references_purged_at"] is not None
    assert not any(ref in stored_row(storage, campaign_id) for ref in REFERENCES)
    csv_before, csv_after = before["csv"].split("\r\n"), service.statement(campaign_id, "csv").split("\r\n")
    assert len(csv_after) == len(csv_before)
    assert [line for line in csv_after if ";case;" not in line] == [line for line in csv_before if ";case;" not in line]
    view = service.get_campaign(campaign_id)
    assert view["statement_references_purged_at"] is not None and view["identities_purged_at"] is None
    # a category of its own: the contacts keep their references until CONTACT_RETENTION_DAYS after the close
    assert [c["partner_reference"] for c in service.list_contacts({"campaign_id": campaign_id})] == list(REFERENCES)
    assert service.apply_retention()["statements_references_purged"] == 0


def test_a_statement_never_marked_sent_keeps_its_references(service):
    campaign = closed_long_ago(service, closed_days_ago=200)
    assert service.apply_retention()["statements_references_purged"] == 0
    assert [c["partner_reference"] for c in service.statement(campaign["campaign_id"])["cases"]] == list(REFERENCES)


def test_with_both_delays_at_zero_no_reference_is_left_anywhere_in_the_database_file(storage, tmp_path):
    service = make_service(storage, CONTACT_RETENTION_DAYS=0, STATEMENT_REFERENCE_RETENTION_DAYS=0)
    campaign = closed_long_ago(service, closed_days_ago=3)
    sent(service, campaign, days_ago=1)
    assert on_disk(tmp_path, REFERENCES[0])
    done = service.apply_retention()
    assert (done["identities_contacts"], done["statements_references_purged"]) == (2, 1)
    for ref in REFERENCES:
        assert not on_disk(tmp_path, ref), ref
