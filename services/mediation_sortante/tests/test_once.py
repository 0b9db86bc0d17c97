"""Médiation sortante's changes done once per idempotency key: an attempt sent again after a lost answer is
one attempt, one `contact_attempted`; a campaign opened twice is one campaign."""
from services.mediation_sortante.models import Attempt, Campaign
from services.mediation_sortante.tests.support import ago, campaign_with_contacts
from tests.kit import count, published


def test_an_attempt_sent_again_with_its_key_is_recorded_and_published_once(service, storage):
    _, contacts = campaign_with_contacts(service, count=1)
    request = {"contact_id": contacts[0]["contact_id"], "channel": "phone", "reached": False,
               "agent_id": "agent-amina", "at": ago(days=2), "idempotency_key": "desk:attempt-1"}
    first = service.record_attempt(request)
    again = service.record_attempt(request)
    assert again == first and len(first["attempts"]) == 1
    assert count(storage, Attempt) == 1
    assert len(published(storage, "mediation_sortante.contact_attempted")) == 1


def test_a_campaign_opened_twice_with_one_key_is_one_campaign(service, storage):
    request = {"pimms_id": "lyon-8", "partner": "edf", "label": "Impayés hiver", "opened_at": ago(days=10),
               "idempotency_key": "head:campaign-1"}
    first = service.open_campaign(request)
    again = service.open_campaign(dict(request))  # the same request, sent again
    assert again == first and count(storage, Campaign) == 1
    assert len(published(storage, "mediation_sortante.campaign_opened")) == 1
