"""The JSON API running for real (gateway, accueil and reporting containers on the local RabbitMQ): each
role does what it may and gets a typed JSON error otherwise; identities are read by staff only, audited in
accueil and in the gateway without the data read."""
import datetime as dt

import requests
from sqlalchemy import create_engine, text

from services.gateway.schemas import FiguresRow, VisitView
from tests.helpers import wait_for

VISIT = {"motif": {"kind": "partenaire", "partner": "edf"}, "acts": [{"kind": "explanation"}]}
CLOSE = {"registres": ["understanding"], "outcome": "resolved", "duration_min": 15}


def this_month():
    today = dt.datetime.now(dt.timezone.utc).date()
    return f"{today.year:04d}-{today.month:02d}"


def audit(stack):
    with stack.rpc() as rpc:
        return [(e["login"], e["action"], e["target"]) for e in reversed(rpc.gateway.audit_entries(100))]


def test_an_agent_records_a_visit_at_their_desk_and_reads_it_counted_exactly(stack):
    agent = stack.login("agent.lyon8")
    opened = agent.post(stack.url("/api/visits"), json=VISIT)
    assert opened.status_code == 201, opened.text
    visit = opened.json()
    assert (visit["pimms_id"], visit["agent_id"], visit["status"]) == ("lyon-8", "agent-lyon8", "open")
    assert VisitView().validate(visit) == {}  # the documented shape is the real one
    closed = agent.post(stack.url(f"/api/visits/{visit['visit_id']}/close"), json=CLOSE)
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    listed = agent.get(stack.url("/api/visits"), params={"status": "closed"}).json()
    assert visit["visit_id"] in [v["visit_id"] for v in listed]

    def counted():
        answer = agent.get(stack.url("/api/figures"), params={"scope": "desk", "id": "lyon-8",
                                                             "period": this_month()})
        if answer.status_code == 404:  # reporting has not received the desk's first event yet
            return False
        row = answer.json()
        return row["figures"]["acts"]["by_kind"]["explanation"] >= 1 and row
    row = wait_for(counted, message="the visit counted by reporting")
    assert row["exact"] is True and FiguresRow().validate(row) == {}


def test_an_agent_cannot_touch_another_desk_and_the_refusal_is_audited(stack):
    agent = stack.login("agent.lyon8")
    refused = agent.post(stack.url("/api/visits"), json={**VISIT, "pimms_id": "lyon-9"})
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    assert agent.get(stack.url("/api/visits"), params={"pimms_id": "lyon-9"}).status_code == 403
    assert agent.get(stack.url("/api/figures"), params={"scope": "network", "period": "2026"}).status_code == 403
    manager = stack.login("manager.lyon")
    assert manager.get(stack.url("/api/visits"), params={"pimms_id": "lyon-8"}).status_code == 200
    assert ("agent.lyon8", "access_denied", "POST /api/visits") in audit(stack)


def test_an_agent_can_neither_close_nor_add_to_a_visit_of_another_desk(stack):
    # given a visit opened at lyon-9 by its own agent, and an agent of lyon-8
    with stack.rpc() as rpc:
        rpc.gateway.create_account({"login": "agent.lyon9", "role": "agent", "association_id": "pimms-lyon",
                                    "pimms_id": "lyon-9", "agent_id": "agent-lyon9",
                                    "password": "accueil-lyon9-essai"})
    answer = requests.post(stack.url("/api/login"), json={"login": "agent.lyon9", "password": "accueil-lyon9-essai"})
    lyon9 = requests.Session()
    lyon9.headers["Authorization"] = "Bearer " + answer.json()["token"]
    visit = lyon9.post(stack.url("/api/visits"), json=VISIT).json()
    agent = stack.login("agent.lyon8")
    # when the lyon-8 agent reads it, adds an act to it and closes it
    path = f"/api/visits/{visit['visit_id']}"
    answers = [agent.get(stack.url(path)), agent.post(stack.url(path + "/acts"), json={"kind": "advice"}),
               agent.post(stack.url(path + "/close"), json=CLOSE)]
    # then accueil answers each as for a visit that does not exist, and the visit is as it was
    assert [(a.status_code, a.json()["error"]) for a in answers] == [(404, "NotFound")] * 3
    still = lyon9.get(stack.url(path)).json()
    assert (still["status"], [a["kind"] for a in still["acts"]]) == ("open", ["explanation"])


def test_head_office_reads_suppressed_figures_and_never_a_visit_or_an_identity(stack):
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()
    siege = stack.login("siege")
    for path in (f"/api/citizens/{stack.citizen_id}", "/api/visits", f"/api/visits/{visit['visit_id']}"):
        answer = siege.get(stack.url(path))
        assert answer.status_code == 403 and answer.json()["error"] == "Forbidden", path
    assert siege.post(stack.url("/api/visits"), json=VISIT).status_code == 403
    network = siege.get(stack.url("/api/figures"), params={"scope": "network", "period": this_month()})
    assert network.status_code == 200 and network.json()["exact"] is False
    demo_year = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y")
    desk = siege.get(stack.url("/api/figures"), params={"scope": "desk", "id": "lyon-8", "period": demo_year}).json()
    # the demo's one visit (ours is still open): under the threshold, so hidden
    assert desk["figures"]["visits"]["total"] is None and "visits.total" in desk["suppressed"]
    assert ("siege", "access_denied", f"GET /api/citizens/{stack.citizen_id}") in audit(stack)


def test_staff_read_an_identity_and_the_read_is_audited_without_the_data(stack, tmp_path):
    agent = stack.login("agent.lyon8")
    citizen = agent.get(stack.url(f"/api/citizens/{stack.citizen_id}"))
    assert citizen.status_code == 200 and citizen.json()["last_name"] == "Exemple"
    entries = audit(stack)
    assert ("agent.lyon8", "citizen_read", f"citizen:{stack.citizen_id}") in entries
    assert not any("Exemple" in str(entry) or "Mireille" in str(entry) for entry in entries)
    engine = create_engine(f"sqlite:///{tmp_path}/accueil.db")  # accueil's own audit trail
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT citizen_id, reader_id, reader_role FROM citizen_reads")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(stack.citizen_id, "agent.lyon8", "agent")]


def test_the_operator_reads_health_and_metrics_and_nothing_else(stack):
    ops = stack.login("ops")
    health = ops.get(stack.url("/api/ops/health")).json()
    assert health["services"]["accueil"]["status"] == "ok" and health["services"]["gateway"]["status"] == "ok"
    metrics = ops.get(stack.url("/api/ops/metrics/accueil"))
    assert metrics.status_code == 200 and "pimms_entrypoint_calls_total" in metrics.text
    assert ops.get(stack.url("/api/ops/metrics/nowhere")).status_code == 404
    for path in ("/api/visits", "/api/figures?scope=network&period=2026"):
        assert ops.get(stack.url(path)).status_code == 403
    agent = stack.login("agent.lyon8")
    assert agent.get(stack.url("/api/ops/health")).status_code == 403


def test_every_bad_request_gets_a_json_error_naming_what_is_wrong(stack):
    agent = stack.login("agent.lyon8")

    def error(answer, status):
        assert answer.status_code == status, answer.text
        assert answer.headers["Content-Type"] == "application/json"
        return answer.json()

    bad = error(agent.post(stack.url("/api/visits"), json={"motif": {"kind": "partenaire"}}), 400)
    assert bad["error"] == "InvalidRequest" and "motif" in bad["fields"]
    assert "agent_id" in error(agent.post(stack.url("/api/visits"), json={**VISIT, "agent_id": "someone"}),
                               400)["fields"]
    assert "_body" in error(agent.post(stack.url("/api/visits"), data="{oops"), 400)["fields"]
    assert error(agent.post(stack.url("/api/visits"), data="x" * 70_000), 413)["error"] == "PayloadTooLarge"
    assert "period" in error(agent.get(stack.url("/api/figures"), params={"scope": "desk", "id": "lyon-8"}),
                             400)["fields"]
    error(agent.get(stack.url("/api/visits/7d3c1f4e-1111-4a4a-9b9b-000000000000")), 404)
    error(agent.get(stack.url(f"/api/citizens/{stack.citizen_id + 100}")), 404)
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()
    agent.post(stack.url(f"/api/visits/{visit['visit_id']}/close"), json=CLOSE)
    assert error(agent.post(stack.url(f"/api/visits/{visit['visit_id']}/close"), json=CLOSE), 409)["error"] == "Conflict"
    assert error(requests.get(stack.url("/api/nowhere")), 404)["error"] == "NotFound"
    assert error(requests.delete(stack.url("/api/visits")), 405)["allowed"] == ["GET", "HEAD", "POST"]
    assert error(requests.get(stack.url("/api/visits")), 401)["error"] == "Unauthorized"
    assert error(requests.post(stack.url("/api/login"), json={"login": "agent.lyon8", "password": "nope"}),
                 401)["error"] == "Unauthorized"


def test_a_logged_out_or_forged_token_is_refused(stack):
    agent = stack.login("agent.lyon8")
    assert agent.get(stack.url("/api/me")).json()["desks"] == ["lyon-8"]
    assert agent.post(stack.url("/api/logout")).status_code == 200
    assert agent.get(stack.url("/api/me")).status_code == 401
    forged = {"Authorization": "Bearer " + agent.token[:-3] + "abc"}
    assert requests.get(stack.url("/api/me"), headers=forged).status_code == 401
