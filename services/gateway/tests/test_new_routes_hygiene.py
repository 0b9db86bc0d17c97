"""Every route added for the citizen's record, follow-ups, referrals and budget dossiers answers a missing
credential with 401, a malformed body with 400, and a record of another desk exactly as one that does not
exist (404), revealing nothing of it."""
import requests

from services.gateway.tests.test_api import VISIT

NOWHERE = "7d3c1f4e-1111-4a4a-9b9b-000000000000"


def other_desk_agent(stack):
    with stack.rpc() as rpc:
        rpc.gateway.create_account({"login": "agent.lyon9", "role": "agent", "association_id": "pimms-lyon",
                                    "pimms_id": "lyon-9", "agent_id": "agent-lyon9",
                                    "password": "accueil-lyon9-demo-password"})
    answer = requests.post(stack.url("/api/login"), json={"login": "agent.lyon9",
                                                          "password": "accueil-lyon9-demo-password"})
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + answer.json()["token"]
    return session


def test_new_routes_refuse_no_credential_bad_bodies_and_other_desks_alike(stack):
    agent = stack.login("agent.lyon8")
    consent = {"channel": "oral", "purposes": ["follow_up", "partner_transmission"]}
    visit = agent.post(stack.url("/api/visits"), json={**VISIT, "participants": [
        {"citizen": {"first_name": "Lina", "last_name": "Privée", "consent": consent}}]}).json()
    citizen = visit["participants"][0]["citizen_id"]
    case = agent.post(stack.url("/api/cases"), json={"visit_id": visit["visit_id"], "next_action": "rappeler",
                                                      "due_on": "2999-01-01"}).json()
    referral = agent.post(stack.url("/api/referrals"), json={"visit_id": visit["visit_id"], "partner": "edf",
                                                             "asked": "échéancier"}).json()
    dossier = agent.post(stack.url("/api/budget-dossiers"), json={"visit_id": visit["visit_id"], "origin": "bank",
                                                                  "household": "single"}).json()
    mine = {"citizen": citizen, "case": case["case_id"], "referral": referral["referral_id"],
            "dossier": dossier["dossier_id"]}
    routes = [  # (method, path with {id}, which id, a malformed body or None)
        ("GET", "/api/citizens/{id}/export", "citizen", None),
        ("POST", "/api/citizens/{id}/consent", "citizen", {"action": "maybe", "purposes": [], "channel": "x"}),
        ("DELETE", "/api/citizens/{id}", "citizen", None),
        ("GET", "/api/cases/{id}", "case", None),
        ("PATCH", "/api/cases/{id}", "case", {"status": "closed"}),
        ("PATCH", "/api/referrals/{id}", "referral", {"status": "answered"}),
        ("GET", "/api/budget-dossiers/{id}", "dossier", None),
        ("POST", "/api/budget-dossiers/{id}/diagnosis", "dossier", {"resources": "lots", "charges": []}),
        ("POST", "/api/budget-dossiers/{id}/overindebtedness", "dossier", {"stage": "built"}),
    ]
    other = other_desk_agent(stack)
    manager = stack.login("manager.lyon")
    for method, path, kind, bad in routes:
        url = stack.url(path.format(id=mine[kind]))
        assert requests.request(method, url, json=bad or {}).status_code == 401, (method, path)
        if bad is not None:
            answer = agent.request(method, url, json=bad)
            assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest", (method, path)
        # another desk's agent asks for ours, and for one that does not exist; a manager's desks are all the
        # association's, so erasure (theirs alone) is asked of an id that is no one's
        caller = manager if method == "DELETE" else other
        no_one = mine[kind] + 1000 if kind == "citizen" else NOWHERE
        asked = no_one if method == "DELETE" else mine[kind]
        theirs = caller.request(method, stack.url(path.format(id=asked)), json=GOOD.get((method, path)))
        nowhere = caller.request(method, stack.url(path.format(id=no_one)), json=GOOD.get((method, path)))
        assert theirs.status_code == nowhere.status_code == 404, (method, path, theirs.text)
        assert theirs.json()["message"].replace(str(asked), "N") == nowhere.json()["message"].replace(
            str(no_one), "N"), (method, path)
        assert "Privée" not in theirs.text and "Lina" not in theirs.text and "rappeler" not in theirs.text


# well-formed bodies, so that the answer is about the record, not the body
GOOD = {
    ("POST", "/api/citizens/{id}/consent"): {"action": "withdrawn", "purposes": ["contact"], "channel": "oral"},
    ("PATCH", "/api/cases/{id}"): {"next_action": "x"},
    ("PATCH", "/api/referrals/{id}"): {"status": "acknowledged"},
    ("POST", "/api/budget-dossiers/{id}/diagnosis"): {"resources": [], "charges": []},
    ("POST", "/api/budget-dossiers/{id}/overindebtedness"): {"stage": "built", "on": "2026-01-05"},
}
