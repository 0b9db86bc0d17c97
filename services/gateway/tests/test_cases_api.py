"""Follow-ups and referrals through the JSON API (issue 17), the gateway, accueil and reporting running for
real: a follow-up opened from a visit, in the desk's calls of the day, closed; a referral sent and answered;
every bad input a typed error naming what is wrong."""
import datetime as dt

from services.gateway.tests.test_api import CLOSE, VISIT

TODAY = dt.date.today().isoformat()


def test_a_follow_up_and_a_referral_through_the_api(stack):
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()
    closed = agent.post(stack.url(f"/api/visits/{visit['visit_id']}/close"),
                        json={**CLOSE, "outcome": "follow_up", "follow_up": {"next_action": "rappeler", "due_on": TODAY}})
    assert closed.status_code == 201, closed.text
    case = closed.json()["follow_up"]
    assert case["reference"].startswith("S-") and case["owner"] == "agent-lyon8"

    calls = agent.get(stack.url("/api/cases"), params={"due_by": TODAY})
    assert calls.status_code == 200 and [c["case_id"] for c in calls.json()] == [case["case_id"]], calls.text

    sent = agent.post(stack.url("/api/referrals"), headers={"Idempotency-Key": "ref-1"}, json={
        "visit_id": visit["visit_id"], "partner": "edf", "asked": "échéancier", "case_id": case["case_id"]})
    assert sent.status_code == 201, sent.text
    again = agent.post(stack.url("/api/referrals"), headers={"Idempotency-Key": "ref-1"}, json={
        "visit_id": visit["visit_id"], "partner": "edf", "asked": "échéancier", "case_id": case["case_id"]})
    assert again.json()["referral_id"] == sent.json()["referral_id"]  # a retried request, done once
    assert agent.get(stack.url(f"/api/cases/{case['case_id']}")).json()["status"] == "waiting_partner"

    answered = agent.patch(stack.url(f"/api/referrals/{sent.json()['referral_id']}"),
                           json={"status": "answered", "answer": "resolved"})
    assert answered.status_code == 200 and answered.json()["answer"] == "resolved", answered.text
    done = agent.patch(stack.url(f"/api/cases/{case['case_id']}"), json={"status": "closed", "outcome": "resolved"})
    assert done.status_code == 200 and done.json()["status"] == "closed", done.text
    again = agent.patch(stack.url(f"/api/cases/{case['case_id']}"), json={"status": "closed", "outcome": "resolved"})
    assert again.status_code == 409 and again.json()["error"] == "Conflict"


def test_bad_follow_ups_and_referrals_are_typed_errors(stack):
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()

    def error(answer, status, field=None):
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert field is None or field in body["fields"], body
        return body

    error(agent.post(stack.url("/api/cases"), json={"next_action": "x", "due_on": TODAY}), 400, "visit_id")
    error(agent.post(stack.url("/api/cases"), json={"visit_id": visit["visit_id"], "next_action": "x",
                                                     "due_on": "2000-01-01"}), 400, "due_on")
    error(agent.post(stack.url("/api/referrals"), json={"visit_id": visit["visit_id"], "partner": "nowhere",
                                                         "asked": "x"}), 400, "partner")
    error(agent.post(stack.url("/api/referrals"), json={"visit_id": visit["visit_id"], "partner": "edf",
                                                         "asked": "x", "with_identity": True}), 400, "with_identity")
    error(agent.get(stack.url("/api/cases/7d3c1f4e-1111-4a4a-9b9b-000000000000")), 404)
    error(agent.patch(stack.url("/api/referrals/7d3c1f4e-1111-4a4a-9b9b-000000000000"),
                      json={"status": "answered", "answer": "refused"}), 400, "reason")
    error(agent.get(stack.url("/api/cases"), params={"pimms_id": "lyon-9"}), 403)
    assert stack.login("siege").get(stack.url("/api/cases")).status_code == 403


def test_the_desk_lists_its_calls_and_a_follow_up_is_moved_then_closed_from_its_page(stack):
    from services.gateway.tests.test_pages import csrf, logged_in
    session, _ = logged_in(stack, "agent.lyon8")
    desk = session.get(stack.url("/desk"))
    assert "Aucun suivi à relancer aujourd'hui." in desk.text
    token = csrf(desk)
    half = session.post(stack.url("/desk/visits"), data={
        "_csrf": token, "motif": "generaliste:housing", "acts": "advice", "registres": "understanding",
        "outcome": "follow_up", "duration_min": "15", "action": "record", "suivi_action": "rappeler le bailleur"})
    assert half.status_code == 400 and "indiquez la prochaine action et sa date" in half.text
    done = session.post(stack.url("/desk/visits"), data={
        "_csrf": token, "motif": "generaliste:housing", "acts": "advice", "registres": "understanding",
        "outcome": "follow_up", "duration_min": "15", "action": "record", "suivi_action": "rappeler le bailleur",
        "suivi_due": TODAY})
    assert done.status_code == 200 and 'id="suivi-premier"' in done.text and "rappeler le bailleur" in done.text
    case_link = done.text.split('<a href="/cases/', 1)[1].split('"', 1)[0]

    page = session.get(stack.url(f"/cases/{case_link}"))
    assert page.status_code == 200 and "rappeler le bailleur" in page.text and "référence S-" in page.text
    late = session.post(stack.url(f"/cases/{case_link}"), data={"_csrf": csrf(page), "due_on": "2000-01-01"})
    assert late.status_code == 400 and "Pour le" in late.text
    moved = session.post(stack.url(f"/cases/{case_link}"), data={
        "_csrf": csrf(page), "next_action": "attendre le courrier", "due_on": "2999-01-01", "status": "waiting_person"})
    assert moved.status_code == 200 and "Suivi mis à jour." in moved.text and case_link not in moved.text
    closed = session.post(stack.url(f"/cases/{case_link}"), data={"_csrf": csrf(page), "outcome": "resolved"})
    assert closed.status_code == 200
    assert 'action="/cases/' not in session.get(stack.url(f"/cases/{case_link}")).text  # closed: no form


def test_a_partner_s_answers_file_is_imported_and_its_bad_rows_reported(stack):
    import base64
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()
    sent = agent.post(stack.url("/api/referrals"), json={"visit_id": visit["visit_id"], "partner": "edf",
                                                         "asked": "échéancier"}).json()
    rows = ["reference;reponse;motif;reoriente_vers;date", f"{sent['referral_id']};Refusé;incomplete;;{TODAY}",
            "7d3c1f4e-1111-4a4a-9b9b-000000000000;resolved;;;" + TODAY]
    body = {"partner": "edf", "file": base64.b64encode("\n".join(rows).encode()).decode()}
    report = agent.post(stack.url("/api/referrals/answers"), json=body)
    assert report.status_code == 200, report.text
    result = report.json()
    assert (result["rows"], result["applied"], result["rejected"]) == (2, 1, 1)
    assert result["errors"][0]["line"] == 3 and "unknown referral" in result["errors"][0]["message"]
    answered = agent.get(stack.url("/api/referrals"), params={"status": "answered"}).json()
    assert [(r["referral_id"], r["answer"], r["reason"]) for r in answered] == [
        (sent["referral_id"], "refused", "incomplete")]
    bad = agent.post(stack.url("/api/referrals/answers"), json={"partner": "edf", "file": "not base64!"})
    assert bad.status_code == 400 and "file" in bad.json()["fields"]
