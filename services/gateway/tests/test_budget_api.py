"""Point Conseil Budget through the JSON API (issue 18), the gateway, accueil and reporting running for real:
a dossier opened from a named visit, diagnosed, planned, closed; its over-indebtedness file through
admissibility; each bad input a typed error naming what is wrong."""
import datetime as dt

from services.gateway.tests.test_api import VISIT

TODAY = dt.date.today()
CONSENT = {"channel": "oral", "purposes": ["follow_up"]}


def named_visit(agent, stack):
    body = {**VISIT, "participants": [{"citizen": {"first_name": "Jeanne", "last_name": "Budget", "consent": CONSENT}}]}
    answer = agent.post(stack.url("/api/visits"), json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def day(offset=0):
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def test_a_budget_dossier_through_the_api(stack):
    agent = stack.login("agent.lyon8")
    visit = named_visit(agent, stack)
    opened = agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": visit["visit_id"], "origin": "cresus",
                                                                 "household": "couple_children"})
    assert opened.status_code == 201, opened.text
    dossier = stack.url(f"/api/budget-dossiers/{opened.json()['dossier_id']}")
    diagnosed = agent.post(dossier + "/diagnosis", json={
        "resources": [{"kind": "wages", "monthly": "2100"}], "charges": [{"kind": "housing", "monthly": "900"}],
        "debts": [{"kind": "rent_arrears", "creditor": "Bailleur", "owed": "3200", "monthly": "150"}]})
    assert diagnosed.status_code == 200 and diagnosed.json()["remaining"] == "1050.00", diagnosed.text
    assert agent.post(dossier + "/steps", json={"label": "plan d'apurement", "due_on": day(10)}).status_code == 200
    for stage, offset, more in (("built", -20, {}), ("filed", -15, {}), ("admissibility", -2, {"admissible": True})):
        moved = agent.post(dossier + "/overindebtedness", json={"stage": stage, "on": day(offset), **more})
        assert moved.status_code == 200, moved.text
    assert moved.json()["overindebtedness"]["admissible"] is True
    closed = agent.post(dossier + "/close", json={"outcome": "overindebtedness"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listed = agent.get(stack.url("/api/budget-dossiers"), params={"status": "closed"}).json()
    assert [d["dossier_id"] for d in listed] == [opened.json()["dossier_id"]]
    assert stack.login("siege").get(dossier).status_code == 403


def test_bad_budget_requests_are_typed_errors(stack):
    agent = stack.login("agent.lyon8")
    anonymous = agent.post(stack.url("/api/visits"), json=VISIT).json()

    def error(answer, status, field=None):
        assert answer.status_code == status, answer.text
        assert field is None or field in answer.json()["fields"], answer.json()
        return answer.json()

    error(agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": anonymous["visit_id"], "origin": "bank",
                                                               "household": "single"}), 400, "citizen_id")
    error(agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": anonymous["visit_id"], "origin": "casino",
                                                               "household": "single"}), 400, "origin")
    visit = named_visit(agent, stack)
    opened = agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": visit["visit_id"], "origin": "bank",
                                                                 "household": "single"}).json()
    dossier = stack.url(f"/api/budget-dossiers/{opened['dossier_id']}")
    error(agent.post(dossier + "/diagnosis", json={"resources": [{"kind": "wages", "monthly": "-1"}], "charges": []}),
          400, "resources")
    error(agent.post(dossier + "/overindebtedness", json={"stage": "filed", "on": day()}), 400, "stage")
    error(agent.post(dossier + "/overindebtedness", json={"stage": "built", "on": day(3)}), 400, "on")
    error(agent.get(stack.url("/api/budget-dossiers/7d3c1f4e-1111-4a4a-9b9b-000000000000")), 404)
    agent.post(dossier + "/close", json={"outcome": "abandoned"})
    assert error(agent.post(dossier + "/close", json={"outcome": "abandoned"}), 409)["error"] == "Conflict"


def test_the_desk_lists_its_dossiers_and_a_dossier_s_page_keeps_its_plan(stack):
    from services.gateway.tests.test_pages import csrf, logged_in
    agent = stack.login("agent.lyon8")
    visit = named_visit(agent, stack)
    opened = agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": visit["visit_id"], "origin": "bank",
                                                                 "household": "single"}).json()
    agent.post(stack.url(f"/api/budget-dossiers/{opened['dossier_id']}/diagnosis"), json={
        "resources": [{"kind": "pension", "monthly": "1040"}], "charges": [{"kind": "housing", "monthly": "510"}]})
    session, _ = logged_in(stack, "agent.lyon8")
    desk = session.get(stack.url("/desk"))
    assert "Dossiers budget en cours" in desk.text and f"/budget-dossiers/{opened['dossier_id']}" in desk.text
    page = session.get(stack.url(f"/budget-dossiers/{opened['dossier_id']}"))
    assert page.status_code == 200 and "530,00 €" in page.text and "Banque (Aide-Budget)" in page.text
    steps = stack.url(f"/budget-dossiers/{opened['dossier_id']}/steps")
    added = session.post(steps, data={"_csrf": csrf(page), "label": "dossier FSL", "due_on": day(5)})
    assert added.status_code == 200 and "dossier FSL · pour le" in added.text
    step_id = agent.get(stack.url(f"/api/budget-dossiers/{opened['dossier_id']}")).json()["steps"][0]["step_id"]
    undated = session.post(steps, data={"_csrf": csrf(page), "step_id": str(step_id)})
    assert undated.status_code == 400 and "indiquez le jour" in undated.text
    done = session.post(steps, data={"_csrf": csrf(page), "step_id": str(step_id), "done_on": day()})
    assert done.status_code == 200 and f"fait le {day()}" in done.text


def test_a_dossier_is_opened_from_the_person_s_page_and_diagnosed_from_its_own(stack):
    from services.gateway.tests.test_pages import csrf, logged_in
    agent = stack.login("agent.lyon8")
    visit = named_visit(agent, stack)
    citizen_id = visit["participants"][0]["citizen_id"]
    session, _ = logged_in(stack, "agent.lyon8")
    record = session.get(stack.url(f"/citizens/{citizen_id}"))
    assert "Ouvrir un dossier budget" in record.text and visit["visit_id"] in record.text
    opened = session.post(stack.url("/budget-dossiers"), data={
        "_csrf": csrf(record), "visit_id": visit["visit_id"], "citizen_id": str(citizen_id), "origin": "social_worker",
        "household": "single"})
    assert opened.status_code == 200 and "Faire le diagnostic" in opened.text, opened.text
    dossier_path = opened.url.split(stack.url(""), 1)[1]
    refused = session.post(stack.url(dossier_path + "/diagnosis"), data={"_csrf": csrf(opened), "res_wages": "-3"})
    assert refused.status_code == 400 and "un montant entre 0 et 10 000 000 €" in refused.text
    done = session.post(stack.url(dossier_path + "/diagnosis"), data={
        "_csrf": csrf(opened), "res_wages": "1 450,50", "chg_housing": "600", "debt_kind_0": "tax",
        "debt_creditor_0": "DGFiP", "debt_owed_0": "900", "debt_monthly_0": "50", "recommendations": "échéancier"})
    assert done.status_code == 200 and "800,50 €" in done.text and "DGFiP" in done.text
