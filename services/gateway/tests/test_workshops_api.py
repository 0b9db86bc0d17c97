"""Workshop sessions through the JSON API (issue 20), the gateway, accueil and reporting running for real: a
session planned, people registered until it is full (409 naming its capacity), attendance marked, the close
counted once by reporting, whose people received include the attendees; every bad input a typed error."""
import datetime as dt

from nameko.standalone.rpc import ClusterRpcProxy

from shared.errors import NotFound
from tests.helpers import wait_for


def moment(**delta):
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(**delta)).isoformat()


def plan(agent, stack, **more):
    body = {"theme": "digital", "starts_at": moment(minutes=-10), "duration_min": 90, "capacity": 2,
            "place": "Salle 1", **more}
    return agent.post(stack.url("/api/workshops"), json=body)


def test_a_session_planned_filled_marked_and_closed_through_the_api_is_counted_once(stack):
    agent = stack.login("agent.lyon8")
    planned = plan(agent, stack)
    assert planned.status_code == 201, planned.text
    workshop = planned.json()
    assert (workshop["status"], workshop["places_left"], workshop["agent_id"]) == ("planned", 2, "agent-lyon8")
    url = stack.url(f"/api/workshops/{workshop['workshop_id']}")
    listed = agent.get(stack.url("/api/workshops"), params={"status": "planned"}).json()
    assert workshop["workshop_id"] in [w["workshop_id"] for w in listed]

    named = agent.post(url + "/registrations", json={"citizen_id": stack.citizen_id},
                       headers={"Idempotency-Key": "reg-1"})
    assert named.status_code == 201, named.text
    again = agent.post(url + "/registrations", json={"citizen_id": stack.citizen_id},
                       headers={"Idempotency-Key": "reg-1"})
    assert again.json()["registration_id"] == named.json()["registration_id"]  # a retry, done once
    anonymous = agent.post(url + "/registrations", json={})
    assert anonymous.status_code == 201 and anonymous.json()["reference"].startswith("S-")
    assert anonymous.json()["workshop"]["full"] is True
    full = agent.post(url + "/registrations", json={})
    assert full.status_code == 409 and "capacity is 2" in full.json()["message"], full.text

    registrations = agent.get(url + "/registrations").json()
    assert sorted(r["registration_id"] for r in registrations) == sorted(
        [named.json()["registration_id"], anonymous.json()["registration_id"]])
    marked = agent.post(url + "/attendance", json={"present": [named.json()["registration_id"]], "walk_ins": 1})
    assert marked.status_code == 200 and marked.json()["attendees"] == 2, marked.text
    closed = agent.post(url + "/close", json={})
    assert closed.status_code == 200 and closed.json()["status"] == "held", closed.text
    assert agent.post(url + "/close", json={}).json()["status"] == "held"  # a retry without its key

    with ClusterRpcProxy(stack.rpc_config, timeout=10) as rpc:
        def counted():
            figures = rpc.reporting.figures("desk", "lyon-8", dt.date.today().strftime("%Y-%m"), True)["figures"]
            return figures["workshops"]["registrations"] == 2 and figures
        figures = wait_for(counted, message="the session counted", ignoring=NotFound)
        assert figures["workshops"]["sessions"] == 1 and figures["workshops"]["registrations_attended"] == 1
        assert figures["workshops"]["places"] == 2 and figures["workshops"]["attendees"] == 2


def test_bad_workshop_requests_are_typed_errors(stack):
    agent = stack.login("agent.lyon8")

    def error(answer, status, field=None):
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert field is None or field in body["fields"], body
        return body

    error(plan(agent, stack, capacity=0), 400, "capacity")
    error(plan(agent, stack, theme="cooking"), 400, "theme")
    error(plan(agent, stack, pimms_id="lyon-9"), 403)
    later = plan(agent, stack, starts_at=moment(hours=3)).json()
    url = stack.url(f"/api/workshops/{later['workshop_id']}")
    registered = agent.post(url + "/registrations", json={}).json()
    early = error(agent.post(url + "/attendance", json={"present": [registered["registration_id"]]}), 409)
    assert "from its start on" in early["message"]
    error(agent.post(url + "/attendance", json={}), 400, "present")
    error(agent.post(url + "/registrations", json={"citizen_id": "one"}), 400, "citizen_id")
    error(agent.get(stack.url("/api/workshops/7d3c1f4e-1111-4a4a-9b9b-000000000000")), 404)
    error(agent.get(stack.url("/api/workshops/not-a-uuid")), 400, "workshop_id")
    cancelled = agent.delete(url + f"/registrations/{registered['registration_id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert agent.post(url + "/cancel").json()["status"] == "cancelled"
    assert stack.login("siege").get(stack.url("/api/workshops")).status_code == 403


def test_the_earlier_head_count_still_records_a_workshop(stack):
    agent = stack.login("agent.lyon8")
    held = agent.post(stack.url("/api/workshops"), json={
        "theme": "budget", "held_on": dt.date.today().isoformat(), "attendees": 8, "duration_min": 60,
        "registres": ["collective"]})
    assert held.status_code == 201 and held.json()["attendees"] == 8, held.text


def test_the_openapi_document_has_the_workshop_routes(stack):
    paths = stack.login("agent.lyon8").get(stack.url("/api/openapi.json")).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/workshops/{workshop_id}/registrations"])
    assert "post" in paths["/api/workshops/{workshop_id}/attendance"]
    assert "post" in paths["/api/workshops/{workshop_id}/close"]


def test_workshop_routes_refuse_no_credential_bad_bodies_and_other_desks_alike(stack):
    import requests

    from services.gateway.tests.test_new_routes_hygiene import NOWHERE, other_desk_agent
    agent = stack.login("agent.lyon8")
    workshop = plan(agent, stack).json()["workshop_id"]
    routes = [  # (method, path, a malformed body or None, a well-formed one)
        ("GET", "/api/workshops/{id}", None, None),
        ("GET", "/api/workshops/{id}/registrations", None, None),
        ("POST", "/api/workshops/{id}/registrations", {"citizen_id": "x"}, {}),
        ("POST", "/api/workshops/{id}/attendance", {"walk_ins": -1}, {"walk_ins": 1}),
        ("POST", "/api/workshops/{id}/close", {"duration_min": 0}, {}),
        ("POST", "/api/workshops/{id}/cancel", None, None),
    ]
    other = other_desk_agent(stack)
    for method, path, bad, good in routes:
        url = stack.url(path.format(id=workshop))
        assert requests.request(method, url, json=good).status_code == 401, (method, path)
        if bad is not None:
            answer = agent.request(method, url, json=bad)
            assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest", (method, path)
        theirs = other.request(method, url, json=good)
        nowhere = other.request(method, stack.url(path.format(id=NOWHERE)), json=good)
        assert theirs.status_code == nowhere.status_code == 404, (method, path, theirs.text)
        assert theirs.json()["message"].replace(workshop, "N") == nowhere.json()["message"].replace(NOWHERE, "N")
        assert "Salle" not in theirs.text
    assert agent.get(stack.url(f"/api/workshops/{workshop}")).json()["status"] == "planned"  # nothing changed


def test_a_refused_registration_on_the_page_says_why_in_french(stack):
    from services.gateway.tests.test_pages import csrf, logged_in
    agent = stack.login("agent.lyon8")
    workshop = plan(agent, stack, capacity=1).json()
    agent.post(stack.url(f"/api/workshops/{workshop['workshop_id']}/registrations"), json={})
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url(f"/workshops/{workshop['workshop_id']}"))
    assert page.status_code == 200 and "Complet" in page.text
    refused = session.post(stack.url(f"/workshops/{workshop['workshop_id']}/registrations"),
                           data={"_csrf": csrf(page), "citizen_id": ""})
    assert refused.status_code == 409 and "Impossible" in refused.text and "capacity is 1" in refused.text
    found = session.get(stack.url(f"/workshops/{workshop['workshop_id']}"), params={"nom": "Exemple"})
    assert found.status_code == 200 and 'id="trouves"' in found.text
