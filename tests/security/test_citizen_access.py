"""An agent reads any citizen of the association. Attack, as tried on `make run`: an agent of desk A opens
a visit at A naming citizen N (`participants: [{"citizen": {"citizen_id": N}}]`), N seen only at desk B,
then `GET /api/citizens/N` answers N's name, phone and e-mail; and the "unknown citizen" error tells which
numbers exist. Now a number that is not yours reads as one that does not exist, and a returning person is
found at another desk by name, with their consent, the search audited."""
import requests

from services.gateway.tests.conftest import PASSWORDS

MOTIF = {"kind": "generaliste", "domain": "caf"}


def agent_of_lyon9(stack):
    with stack.rpc() as rpc:
        rpc.gateway.create_account({"login": "agent.lyon9", "role": "agent", "association_id": "pimms-lyon",
                                    "pimms_id": "lyon-9", "password": "accueil-lyon9-demo"})
    PASSWORDS["agent.lyon9"] = "accueil-lyon9-demo"
    return stack.login("agent.lyon9")


def test_an_agent_cannot_read_a_citizen_of_another_desk_by_naming_their_number(stack):
    intruder = agent_of_lyon9(stack)  # the demo's citizen was received at lyon-8 only
    named = intruder.post(stack.url("/api/visits"), json={
        "motif": MOTIF, "participants": [{"citizen": {"citizen_id": stack.citizen_id}}]})
    unknown = intruder.post(stack.url("/api/visits"), json={
        "motif": MOTIF, "participants": [{"citizen": {"citizen_id": stack.citizen_id + 1000}}]})
    assert named.status_code == unknown.status_code == 400
    assert named.json()["fields"] == unknown.json()["fields"]  # nothing tells that the record exists
    read = intruder.get(stack.url(f"/api/citizens/{stack.citizen_id}"))
    missing = intruder.get(stack.url(f"/api/citizens/{stack.citizen_id + 1000}"))
    assert read.status_code == missing.status_code == 404
    assert "Exemple" not in read.text and "04 78" not in read.text


def test_a_returning_person_is_found_by_name_at_another_desk_then_named_and_the_search_is_audited(stack):
    agent9 = agent_of_lyon9(stack)
    found = agent9.get(stack.url("/api/citizens"), params={"last_name": "Exemple", "first_name": "Mireille"})
    assert found.status_code == 200
    assert found.json() == [{"citizen_id": stack.citizen_id, "first_name": "Mireille", "last_name": "Exemple",
                             "received_at": ["lyon-8"]}]
    visit = agent9.post(stack.url("/api/visits"), json={
        "motif": MOTIF, "participants": [{"citizen": {"citizen_id": stack.citizen_id}}]})
    assert visit.status_code == 201
    assert agent9.get(stack.url(f"/api/citizens/{stack.citizen_id}")).json()["last_name"] == "Exemple"
    with stack.rpc() as rpc:
        actions = [(e["login"], e["action"]) for e in rpc.gateway.audit_entries(100)]
    assert ("agent.lyon9", "citizen_search") in actions


def test_head_office_and_operators_cannot_search(stack):
    for login in ("siege", "ops"):
        answer = stack.login(login).get(stack.url("/api/citizens"), params={"last_name": "Exemple"})
        assert answer.status_code == 403, login


def test_the_page_of_a_citizen_of_another_desk_is_not_found(stack):
    agent_of_lyon9(stack)
    session = requests.Session()
    form = session.get(stack.url("/login"))
    import re

    csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', form.text).group(1)
    session.post(stack.url("/login"), data={"login": "agent.lyon9", "password": "accueil-lyon9-demo",
                                            "_csrf": csrf})
    page = session.get(stack.url(f"/citizens/{stack.citizen_id}"))
    assert page.status_code == 404 and "Exemple" not in page.text
