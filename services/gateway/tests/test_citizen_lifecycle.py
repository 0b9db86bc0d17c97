"""The citizen's data lifecycle at the edge the desk touches (issue 16), the gateway, accueil and reporting
running for real: the person's export (JSON and the printable page), a consent withdrawn, the record erased
by the manager and then not found, and the figures the same before and after."""
import datetime as dt

from services.gateway.tests.test_api import audit
from services.gateway.tests.test_pages import logged_in


def desk_figures(session, stack):
    year = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y")
    answer = session.get(stack.url("/api/figures"), params={"scope": "desk", "id": "lyon-8", "period": year})
    assert answer.status_code == 200, answer.text
    return answer.json()["figures"]


def test_a_person_s_export_consent_and_erasure_through_the_api(stack):
    agent, manager = stack.login("agent.lyon8"), stack.login("manager.lyon")
    record = stack.url(f"/api/citizens/{stack.citizen_id}")

    export = agent.get(record + "/export")
    assert export.status_code == 200, export.text
    body = export.json()
    assert body["identity"]["last_name"] == "Exemple" and body["consent"]["purposes"] == ["follow_up", "contact"]
    assert body["visits"] and body["visits"][0]["pimms_id"] == "lyon-8"
    assert [t["action"] for t in body["trail"]][-1:] == ["export"] and body["trail"][-1]["account"] == "agent.lyon8"
    assert ("agent.lyon8", "citizen_export", f"citizen:{stack.citizen_id}") in audit(stack)
    assert stack.login("siege").get(record + "/export").status_code == 403

    bad = agent.post(record + "/consent", json={"action": "withdrawn", "purposes": ["marketing"], "channel": "oral"})
    assert bad.status_code == 400 and "purposes" in bad.json()["fields"], bad.text
    withdrawn = agent.post(record + "/consent", headers={"Idempotency-Key": "w-1"},
                           json={"action": "withdrawn", "purposes": ["contact"], "channel": "written"})
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["purposes"] == ["follow_up"] and withdrawn.json()["erased"] is False
    assert agent.get(record).json()["phone"] is None

    figures = desk_figures(manager, stack)
    assert agent.delete(record).status_code == 403  # an agent does not erase
    erased = manager.delete(record, headers={"Idempotency-Key": "erase-1"})
    assert erased.status_code == 200 and erased.json()["citizen_id"] == stack.citizen_id, erased.text
    assert manager.delete(record, headers={"Idempotency-Key": "erase-1"}).json() == erased.json()
    for path in (record, record + "/export"):
        gone = manager.get(path)
        assert gone.status_code == 404 and gone.json()["error"] == "NotFound", path
    assert manager.delete(record).status_code == 404
    assert desk_figures(manager, stack) == figures
    entries = audit(stack)
    assert ("manager.lyon", "citizen_erase", f"citizen:{stack.citizen_id}") in entries
    assert not any("Exemple" in str(entry) or "Mireille" in str(entry) for entry in entries)


def test_the_export_prints_from_the_citizen_s_page(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url(f"/citizens/{stack.citizen_id}"))
    assert f'href="/citizens/{stack.citizen_id}/export"' in page.text
    export = session.get(stack.url(f"/citizens/{stack.citizen_id}/export"))
    assert export.status_code == 200 and "Mireille Exemple" in export.text
    assert "Qui a consulté la fiche" in export.text and "export (droit d&#39;accès)" in export.text
    assert "data-print" in export.text and "onclick" not in export.text
