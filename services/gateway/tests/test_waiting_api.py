"""The waiting room through the gateway (issue 20), gateway, accueil and reporting running for real: arrivals
and « Suivant » over the JSON API and the desk's pages, exactly once on a retried request and when two agents
press at once; appointments booked, received, missed; the public board, with no login and nothing personal;
bad input a typed error naming its field; the routes in the OpenAPI document."""
import datetime as dt
import re
import uuid

import eventlet
import requests

from services.gateway.tests.test_pages import csrf, logged_in

CAF = {"kind": "generaliste", "domain": "caf"}
UTC = dt.timezone.utc


def later(minutes):
    return (dt.datetime.now(UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)).isoformat()


def test_arrivals_and_suivant_through_the_api_with_the_wait_measured_and_a_retry_answered_once(stack):
    agent = stack.login("agent.lyon8")
    first = agent.post(stack.url("/api/tickets"), json={"motif": CAF})
    assert first.status_code == 201, first.text
    assert re.fullmatch(r"A-\d{3}", first.json()["label"]) and first.json()["pimms_id"] == "lyon-8"
    second = agent.post(stack.url("/api/tickets"), json={"motif": {"kind": "partenaire", "partner": "edf"}}).json()
    assert second["number"] == first.json()["number"] + 1
    key = {"Idempotency-Key": str(uuid.uuid4())}
    served = agent.post(stack.url("/api/tickets/next"), json={"counter": 2}, headers=key)
    assert served.status_code == 201, served.text
    again = agent.post(stack.url("/api/tickets/next"), json={"counter": 2}, headers=key)
    assert again.status_code == 201 and again.json() == served.json()
    body = served.json()
    assert body["ticket"]["ticket_id"] == first.json()["ticket_id"] and body["ticket"]["counter"] == 2
    assert body["visit"]["waiting_min"] == 0 and body["visit"]["motif"]["domain"] == "caf"
    waiting = agent.get(stack.url("/api/tickets"), params={"status": "waiting"}).json()
    assert [t["ticket_id"] for t in waiting] == [second["ticket_id"]]
    board = requests.get(stack.url("/api/waiting-room/lyon-8"))  # no login
    assert board.status_code == 200 and board.json()["waiting"] == 1
    assert board.json()["called"][0] == {"label": first.json()["label"], "counter": 2}
    assert set(board.json()) == {"pimms_id", "waiting", "called", "at"}


def test_two_agents_pressing_suivant_at_once_serve_each_ticket_once(stack):
    agent, manager = stack.login("agent.lyon8"), stack.login("manager.lyon")
    for _ in range(2):
        assert agent.post(stack.url("/api/tickets"), json={"motif": CAF}).status_code == 201
    pool = eventlet.GreenPool()
    answers = list(pool.imap(lambda who: who.post(stack.url("/api/tickets/next"), json={"pimms_id": "lyon-8"}),
                             [agent, manager, agent, manager]))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 201, 409, 409], [a.text for a in answers]
    served = {a.json()["ticket"]["ticket_id"] for a in answers if a.status_code == 201}
    assert len(served) == 2


def test_bad_waiting_room_requests_are_typed_errors(stack):
    agent = stack.login("agent.lyon8")

    def error(answer, status, field=None):
        assert answer.status_code == status, answer.text
        assert field is None or field in answer.json()["fields"], answer.json()

    error(agent.post(stack.url("/api/tickets"), json={}), 400, "motif")
    error(agent.post(stack.url("/api/tickets"), json={"motif": CAF, "pimms_id": "lyon-9"}), 403)
    error(agent.post(stack.url("/api/tickets/next"), json={"counter": 100}), 400, "counter")
    error(agent.post(stack.url("/api/tickets/next"), json={"agent_id": "someone"}), 400, "agent_id")
    error(agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": "demain"}), 400, "starts_at")
    error(agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": later(-30)}), 400, "starts_at")
    error(agent.post(stack.url(f"/api/appointments/{uuid.uuid4()}/arrival"), json={}), 404)
    error(agent.post(stack.url(f"/api/tickets/{uuid.uuid4()}/left"), json={"x": 1}), 400, "x")
    error(requests.post(stack.url("/api/tickets"), json={"motif": CAF}), 401)
    error(requests.get(stack.url("/api/waiting-room/Lyon 8")), 400, "pimms_id")


def test_an_appointment_through_the_api_booked_taken_received_and_another_missed(stack):
    agent = stack.login("agent.lyon8")
    booked = agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": later(120),
                                                              "duration_min": 30})
    assert booked.status_code == 201, booked.text
    assert booked.json()["agent_id"] == "agent-lyon8" and booked.json()["reference"].startswith("S-")
    taken = agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": later(135)})
    assert taken.status_code == 409, taken.text
    named = agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": later(240),
                                                             "citizen_id": stack.citizen_id})
    assert named.status_code == 201 and named.json()["citizen_id"] == stack.citizen_id, named.text
    appointment = stack.url(f"/api/appointments/{booked.json()['appointment_id']}")
    assert agent.post(appointment + "/no-show", json={}).status_code == 409  # its time has not come
    received = agent.post(appointment + "/arrival", json={})
    assert received.status_code == 201, received.text
    assert received.json()["appointment"]["status"] == "seen" and received.json()["visit"]["status"] == "open"
    cancelled = agent.post(stack.url(f"/api/appointments/{named.json()['appointment_id']}/cancel"), json={})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    listed = agent.get(stack.url("/api/appointments"), params={"days": 2}).json()
    assert {a["appointment_id"] for a in listed} >= {booked.json()["appointment_id"], named.json()["appointment_id"]}
    assert stack.login("siege").get(appointment).status_code == 403
    # the named person's appointment is in their export, as data and on the printed page
    exported = agent.get(stack.url(f"/api/citizens/{stack.citizen_id}/export")).json()
    assert named.json()["appointment_id"] in [a["appointment_id"] for a in exported["appointments"]]
    session, _ = logged_in(stack, "agent.lyon8")
    printed = session.get(stack.url(f"/citizens/{stack.citizen_id}/export"))
    assert 'id="export-appointments"' in printed.text and "Annulé" in printed.text


def test_the_routes_are_in_the_openapi_document(stack):
    paths = requests.get(stack.url("/api/openapi.json")).json()["paths"]
    for path in ("/api/tickets", "/api/tickets/next", "/api/tickets/{ticket_id}/left", "/api/appointments",
                 "/api/appointments/{appointment_id}/arrival", "/api/waiting-room/{pimms_id}"):
        assert path in paths, sorted(paths)


def test_the_desk_s_waiting_page_registers_an_arrival_and_suivant_opens_its_visit(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/desk/waiting"))
    assert page.status_code == 200 and 'id="suivant"' in page.text
    given = session.post(stack.url("/desk/tickets"), data={"_csrf": csrf(page), "pimms_id": "lyon-8",
                                                          "motif": "generaliste:housing"}, allow_redirects=False)
    assert given.status_code == 303 and "numero=A-" in given.headers["Location"], given.text
    page = session.get(stack.url(given.headers["Location"]))
    label = re.search(r"numero=(A-\d+)", given.headers["Location"]).group(1)
    assert f"Ticket {label} remis" in page.text and label in page.text
    board = requests.get(stack.url("/salle-attente/lyon-8"))
    assert board.status_code == 200 and 'http-equiv="refresh"' in board.text
    assert "Content-Security-Policy" in board.headers and "<script" not in board.text
    served = session.post(stack.url("/desk/tickets/next"), data={"_csrf": csrf(page), "pimms_id": "lyon-8",
                                                                "counter": "4"}, allow_redirects=False)
    assert served.status_code == 303 and served.headers["Location"].endswith("fait=ouverte"), served.text
    desk = session.get(stack.url("/desk"))
    assert "Généraliste : Logement" in desk.text
    assert f"{label}</span> → guichet <span class=\"counter\">4" in requests.get(stack.url("/salle-attente/lyon-8")).text
    nobody = session.post(stack.url("/desk/tickets/next"), data={"_csrf": csrf(page), "pimms_id": "lyon-8"})
    assert nobody.status_code == 409 and "attend pour l" in nobody.text


def test_the_demo_plays_a_morning_of_tickets_and_appointments_through_the_api(stack):
    from scripts.demo import waiting as demo
    played = demo.play(None, base=stack.base)
    assert played == {"tickets": 12, "served": 8, "left": 2, "booked": 6, "kept": 2, "cancelled": 1}
    agent = stack.login("agent.lyon8")
    tickets = agent.get(stack.url("/api/tickets")).json()
    assert sorted(t["status"] for t in tickets).count("waiting") == 2
    assert {t["counter"] for t in tickets if t["status"] == "served"} == {1, 2}
    named = [a for a in agent.get(stack.url("/api/appointments"), params={"days": 2}).json() if a["citizen_id"]]
    assert [a["citizen_id"] for a in named] == [stack.citizen_id]
    lines = demo.figures(None, base=stack.base)
    assert "2 waiting" in lines[1]
    # and reporting counts the morning: the figures of the desk's month, through the gateway
    from services.gateway.schemas import FiguresRow
    from tests.helpers import wait_for

    def counted():
        answer = agent.get(stack.url("/api/figures"), params={"scope": "desk", "id": "lyon-8",
                                                             "period": dt.date.today().strftime("%Y-%m")})
        waiting = answer.status_code == 200 and answer.json()["figures"]["waiting"]
        return waiting and waiting["tickets_served"] == 8 and waiting["appointments_kept"] == 2 and answer.json()
    row = wait_for(counted, message="the morning counted by reporting")
    waiting = row["figures"]["waiting"]
    assert (waiting["tickets_left"], waiting["appointments_booked"], waiting["appointments_cancelled"]) == (2, 6, 1)
    assert waiting["walk_in_waiting_median_min"] == 0.0 and FiguresRow().validate(row) == {}
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/figures"))
    assert page.status_code == 200 and "Tickets servis (sans rendez-vous)" in page.text
    served = re.search(r'id="fig-waiting-tickets_served-month">([^<]*)<', page.text).group(1)
    assert served == "8"


def test_the_kiosk_gives_a_number_for_a_motif_and_nothing_else(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    kiosk = session.get(stack.url("/desk/kiosk"))
    assert kiosk.status_code == 200 and 'value="generaliste:caf"' in kiosk.text
    given = session.post(stack.url("/desk/kiosk"), data={"_csrf": csrf(kiosk), "motif": "generaliste:caf"},
                         allow_redirects=False)
    assert given.status_code == 303, given.text
    shown = session.get(stack.url(given.headers["Location"]))
    label = re.search(r'id="numero">(A-\d+)<', shown.text).group(1)
    assert 'http-equiv="refresh"' in shown.text
    waiting = stack.login("agent.lyon8").get(stack.url("/api/tickets"), params={"status": "waiting"}).json()
    assert [t["motif"]["domain"] for t in waiting if t["label"] == label] == ["caf"]
    refused = session.post(stack.url("/desk/kiosk"), data={"_csrf": csrf(kiosk), "motif": "generaliste:justice"})
    assert refused.status_code == 400
    assert requests.get(stack.url("/desk/kiosk"), allow_redirects=False).status_code in (302, 303)


def test_the_waiting_room_s_routes_refuse_no_credential_bad_bodies_and_other_desks_alike(stack):
    from services.gateway.tests.test_new_routes_hygiene import NOWHERE, other_desk_agent
    agent = stack.login("agent.lyon8")
    ticket = agent.post(stack.url("/api/tickets"), json={"motif": CAF}).json()
    booked = agent.post(stack.url("/api/appointments"), json={"motif": CAF, "starts_at": later(300)}).json()
    mine = {"ticket": ticket["ticket_id"], "appointment": booked["appointment_id"]}
    routes = [  # (method, path with {id}, which id, a malformed body or None)
        ("POST", "/api/tickets/{id}/left", "ticket", {"why": "gone"}),
        ("GET", "/api/appointments/{id}", "appointment", None),
        ("POST", "/api/appointments/{id}/arrival", "appointment", {"arrived_at": "ce matin"}),
        ("POST", "/api/appointments/{id}/no-show", "appointment", {"by": "me"}),
        ("POST", "/api/appointments/{id}/cancel", "appointment", {"reason": "x"}),
    ]
    other = other_desk_agent(stack)
    for method, path, kind, bad in routes:
        url = stack.url(path.format(id=mine[kind]))
        assert requests.request(method, url, json=bad or {}).status_code == 401, (method, path)
        if bad is not None:
            answer = agent.request(method, url, json=bad)
            assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest", (method, path)
        theirs = other.request(method, url, json={})
        nowhere = other.request(method, stack.url(path.format(id=NOWHERE)), json={})
        assert theirs.status_code == nowhere.status_code == 404, (method, path, theirs.text)
        assert theirs.json()["message"].replace(mine[kind], "N") == nowhere.json()["message"].replace(NOWHERE, "N")
    # and the other desk's lists and board show nothing of ours
    assert other.get(stack.url("/api/tickets")).json() == []
    assert other.get(stack.url("/api/tickets"), params={"pimms_id": "lyon-8"}).status_code == 403
    assert agent.get(stack.url(f"/api/appointments/{booked['appointment_id']}")).json()["status"] == "booked"
