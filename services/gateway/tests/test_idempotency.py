"""Every POST of the API takes an `Idempotency-Key`: a client that sends a request again (a retry after a
timeout, a double click) gets the first answer, and the visit is recorded once, closed once, counted once."""
import uuid

VISIT = {"motif": {"kind": "generaliste", "domain": "cpam"}, "acts": [{"kind": "advice"}, {"kind": "letter"}]}
CLOSE = {"registres": ["understanding"], "outcome": "resolved", "duration_min": 15}


def visits_of_the_day(session, stack):
    return session.get(stack.url("/api/visits")).json()


def test_a_visit_opened_twice_with_one_key_is_one_visit_with_the_first_answer(stack):
    agent = stack.login("agent.lyon8")
    before = len(visits_of_the_day(agent, stack))
    key = str(uuid.uuid4())
    first = agent.post(stack.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": key})
    again = agent.post(stack.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert [a["kind"] for a in first.json()["acts"]] == ["advice", "letter"]  # opened with its acts, at once
    assert len(visits_of_the_day(agent, stack)) == before + 1


def test_a_close_retried_with_its_key_answers_the_first_close_instead_of_a_conflict(stack):
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json=VISIT).json()
    key = str(uuid.uuid4())
    url = stack.url(f"/api/visits/{visit['visit_id']}/close")
    first = agent.post(url, json=CLOSE, headers={"Idempotency-Key": key})
    again = agent.post(url, json=CLOSE, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    # a second close under another key is what it is
    assert agent.post(url, json=CLOSE, headers={"Idempotency-Key": str(uuid.uuid4())}).status_code == 409


def test_one_key_for_two_different_requests_is_refused(stack):
    agent = stack.login("agent.lyon8")
    key = str(uuid.uuid4())
    assert agent.post(stack.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": key}).status_code == 201
    other = agent.post(stack.url("/api/visits"), json={**VISIT, "waiting_min": 4}, headers={"Idempotency-Key": key})
    assert other.status_code == 400 and "idempotency_key" in other.json()["fields"]


def test_keys_belong_to_an_account_so_two_accounts_never_collide(stack):
    agent, manager = stack.login("agent.lyon8"), stack.login("manager.lyon")
    key = str(uuid.uuid4())
    mine = agent.post(stack.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": key}).json()
    theirs = manager.post(stack.url("/api/visits"), json={**VISIT, "pimms_id": "lyon-8"},
                          headers={"Idempotency-Key": key}).json()
    assert mine["visit_id"] != theirs["visit_id"]


def test_a_malformed_key_is_refused_naming_the_header(stack):
    agent = stack.login("agent.lyon8")
    for key in ("", "é" * 3, "x" * 129, "two words"):
        answer = agent.post(stack.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": key.encode()})
        assert answer.status_code == 400, key
        assert "Idempotency-Key" in answer.json()["fields"]


def test_a_body_that_is_not_an_object_is_a_400(stack):
    agent = stack.login("agent.lyon8")
    for body in ("[]", "null", "3", '"visit"'):
        answer = agent.post(stack.url("/api/visits"), data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "_body" in answer.json()["fields"], body


def test_every_post_route_documents_the_idempotency_key(stack):
    import requests

    spec = requests.get(stack.url("/api/openapi.json")).json()
    posts = {path: op for path, ops in spec["paths"].items() for method, op in ops.items()
             if method == "post" and op["security"]}
    assert posts
    for path, operation in posts.items():
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"] if p["in"] == "header"], path
