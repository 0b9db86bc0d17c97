"""Accounts managed through the JSON API, on the running stack (gateway, accueil, reporting on this test's
vhost, the demo's accounts): a manager creates an agent whose temporary password must be changed before
anything else, disables, re-enables and unlocks accounts and resets passwords; everyone changes their own;
each rule refused with its status; every action audited without a password."""
import re

import requests

from services.gateway.schemas import AccountSummary, ManagedAccount, TokenView
from services.gateway.tests.conftest import PASSWORDS

TEMPORARY = re.compile(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}")
NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"


def audit(stack):
    with stack.rpc() as rpc:
        return list(reversed(rpc.gateway.audit_entries(200)))


def log_in(stack, login, password):
    return requests.post(stack.url("/api/login"), json={"login": login, "password": password})


def bearer(token):
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token
    return session


def create_agent(stack, manager, login="agent.nouveau", **extra):
    created = manager.post(stack.url("/api/accounts"), json={"login": login, "pimms_id": "lyon-8", **extra})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_new_agent_changes_the_temporary_password_before_anything_else_then_works(stack):
    manager = stack.login("manager.lyon")
    answer = create_agent(stack, manager)
    assert ManagedAccount().validate(answer) == {}
    account, temporary = answer["account"], answer["temporary_password"]
    assert TEMPORARY.fullmatch(temporary)
    assert (account["role"], account["association_id"], account["pimms_id"], account["state"]) == (
        "agent", "pimms-lyon", "lyon-8", "must_change_password")
    assert re.fullmatch(r"agent-[0-9a-f]{12}", account["agent_id"])  # never the login
    assert manager.get(stack.url("/api/accounts/agent.nouveau")).json()["state"] == "must_change_password"

    # the temporary password logs in, to change it and nothing else
    logged = log_in(stack, "agent.nouveau", temporary)
    assert logged.status_code == 200 and logged.json()["account"]["must_change_password"] is True
    agent = bearer(logged.json()["token"])
    refused = agent.get(stack.url("/api/visits"))
    assert refused.status_code == 403 and "/api/me/password" in refused.json()["message"]
    assert agent.get(stack.url("/api/me")).json()["must_change_password"] is True

    changed = agent.post(stack.url("/api/me/password"),
                         json={"current_password": temporary, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert TokenView().validate(changed.json()) == {}
    assert changed.json()["account"]["must_change_password"] is False
    assert agent.get(stack.url("/api/me")).status_code == 401  # the session of the temporary password ended
    agent = bearer(changed.json()["token"])
    assert agent.get(stack.url("/api/visits")).status_code == 200
    opened = agent.post(stack.url("/api/visits"), json={"motif": {"kind": "partenaire", "partner": "edf"},
                                                        "acts": [{"kind": "explanation"}]})
    assert opened.status_code == 201 and opened.json()["agent_id"] == account["agent_id"]
    assert log_in(stack, "agent.nouveau", temporary).status_code == 401
    assert log_in(stack, "agent.nouveau", NEW_PASSWORD).status_code == 200
    assert manager.get(stack.url("/api/accounts/agent.nouveau")).json()["state"] == "active"

    entries = audit(stack)
    assert {"login": "manager.lyon", "role": "manager", "action": "account_created",
            "target": "account:agent.nouveau"} in [{k: e[k] for k in ("login", "role", "action", "target")}
                                                   for e in entries]
    assert ("agent.nouveau", "password_changed", "account:agent.nouveau") in [
        (e["login"], e["action"], e["target"]) for e in entries]
    assert not [e for e in entries if temporary in str(e) or NEW_PASSWORD in str(e)]


def test_a_disabled_account_logs_in_no_more_and_its_open_session_stops_until_enabled(stack):
    agent, manager = stack.login("agent.lyon8"), stack.login("manager.lyon")
    assert agent.get(stack.url("/api/me")).status_code == 200

    disabled = manager.post(stack.url("/api/accounts/agent.lyon8/disable"))
    assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
    assert AccountSummary().validate(disabled.json()) == {}
    assert agent.get(stack.url("/api/visits")).status_code == 401
    assert log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).status_code == 401
    listed = {a["login"]: a["state"] for a in manager.get(stack.url("/api/accounts")).json()}
    assert listed["agent.lyon8"] == "disabled"

    enabled = manager.post(stack.url("/api/accounts/agent.lyon8/enable"))
    assert enabled.status_code == 200 and enabled.json()["state"] == "active"
    assert agent.get(stack.url("/api/me")).status_code == 401  # a session ended stays ended
    assert log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).status_code == 200
    actions = [(e["login"], e["action"], e["target"]) for e in audit(stack)]
    assert ("manager.lyon", "account_disabled", "account:agent.lyon8") in actions
    assert ("agent.lyon8", "login_disabled", None) in actions
    assert ("manager.lyon", "account_enabled", "account:agent.lyon8") in actions


def test_a_manager_unlocks_a_locked_account_and_resets_a_password_ending_its_sessions(stack):
    manager = stack.login("manager.lyon")
    for _ in range(5):  # LOGIN_MAX_FAILURES is 5: the fifth failure locks it
        log_in(stack, "agent.lyon8", "not-the-password")
    assert log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).status_code == 401
    assert manager.get(stack.url("/api/accounts/agent.lyon8")).json()["state"] == "locked"
    unlocked = manager.post(stack.url("/api/accounts/agent.lyon8/unlock"))
    assert unlocked.status_code == 200 and unlocked.json()["state"] == "active"
    agent = bearer(log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).json()["token"])
    assert agent.get(stack.url("/api/visits")).status_code == 200

    reset = manager.post(stack.url("/api/accounts/agent.lyon8/password-reset"))
    assert reset.status_code == 200 and TEMPORARY.fullmatch(reset.json()["temporary_password"])
    assert reset.json()["account"]["state"] == "must_change_password"
    assert agent.get(stack.url("/api/visits")).status_code == 401  # the reset ended its sessions
    assert log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).status_code == 401
    assert log_in(stack, "agent.lyon8", reset.json()["temporary_password"]).json()["account"][
        "must_change_password"] is True
    actions = [(e["login"], e["action"], e["target"]) for e in audit(stack)]
    assert ("manager.lyon", "account_unlocked", "account:agent.lyon8") in actions
    assert ("manager.lyon", "password_reset", "account:agent.lyon8") in actions
    assert not [e for e in audit(stack) if reset.json()["temporary_password"] in str(e)]


def test_each_rule_is_refused_with_its_status_and_what_is_wrong(stack):
    manager, agent, siege, ops = (stack.login(login) for login in ("manager.lyon", "agent.lyon8", "siege", "ops"))
    url = stack.url("/api/accounts")
    # an agent and an operator manage no account: 403, written down
    for person in (agent, ops):
        assert person.get(url).status_code == 403
        assert person.post(url, json={"login": "x.y", "pimms_id": "lyon-8"}).status_code == 403
        assert person.post(stack.url("/api/accounts/manager.lyon/disable")).status_code == 403
    assert ("agent.lyon8", "access_denied", "POST /api/accounts") in [
        (e["login"], e["action"], e["target"]) for e in audit(stack)]
    # out of the manager's reach reads as none: head office's and the operator's accounts
    nobody = manager.get(stack.url("/api/accounts/personne.inconnue"))
    assert nobody.status_code == 404
    for login in ("siege", "ops"):
        for answer in (manager.get(stack.url(f"/api/accounts/{login}")),
                       manager.post(stack.url(f"/api/accounts/{login}/disable")),
                       manager.post(stack.url(f"/api/accounts/{login}/password-reset"))):
            assert answer.status_code == 404
            assert answer.json() == {**nobody.json(), "message": nobody.json()["message"].replace(
                "personne.inconnue", login)}
    assert {a["login"] for a in manager.get(url).json()} == {"agent.lyon8", "manager.lyon"}
    assert log_in(stack, "siege", PASSWORDS["siege"]).status_code == 200  # untouched
    # never above one's own role
    above = manager.post(url, json={"login": "faux.siege", "role": "head_office"})
    assert above.status_code == 403 and "agent or manager" in above.json()["message"]
    assert siege.post(url, json={"login": "x.agent", "pimms_id": "lyon-8"}).status_code == 403
    # bad input: 400 naming the field
    cases = [({"login": "agent.lyon8", "pimms_id": "lyon-8"}, "login", "already exists"),
             ({"login": "agent.loin", "pimms_id": "lyon-99"}, "pimms_id", "not a desk of the association"),
             ({"login": "agent.sans.desk"}, "pimms_id", "works at one desk"),
             ({"login": "Agent Majuscule", "pimms_id": "lyon-8"}, "login", "a-z"),
             ({"login": "resp.deux", "role": "manager", "pimms_id": "lyon-8"}, "pimms_id", "no desk of its own"),
             ({"login": "x.y", "pimms_id": "lyon-8", "password": "choisi-par-moi"}, "password", "Unknown field")]
    for body, field, words in cases:
        answer = manager.post(url, json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert words in " ".join(answer.json()["fields"][field]), (body, answer.json())
    own = manager.post(stack.url("/api/accounts/manager.lyon/disable"))
    assert own.status_code == 400 and "your own account" in own.json()["fields"]["login"][0]
    # changing one's own password: the current one, and a password hard enough to guess
    me = stack.url("/api/me/password")
    for body, field, words in [
            ({"current_password": "pas-le-bon-mot-de-passe", "new_password": NEW_PASSWORD}, "current_password",
             "does not match"),
            ({"current_password": PASSWORDS["manager.lyon"], "new_password": "court"}, "new_password", "12 to 200"),
            ({"current_password": PASSWORDS["manager.lyon"], "new_password": "abababababababab"}, "new_password",
             "different characters"),
            ({"current_password": PASSWORDS["manager.lyon"], "new_password": "manager.lyon-2026!"}, "new_password",
             "login"),
            ({"current_password": PASSWORDS["manager.lyon"], "new_password": PASSWORDS["manager.lyon"]},
             "new_password", "differ")]:
        answer = manager.post(me, json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert words in " ".join(answer.json()["fields"][field]), (body, answer.json())
    assert manager.get(url).status_code == 200  # refused changes changed nothing
    # no credential: 401 on every accounts route; a body that is not a JSON object: 400
    routes = [("GET", "/api/accounts"), ("POST", "/api/accounts"), ("GET", "/api/accounts/agent.lyon8"),
              ("POST", "/api/me/password")] + [("POST", f"/api/accounts/agent.lyon8/{action}") for action in (
                  "disable", "enable", "unlock", "password-reset")]
    for method, path in routes:
        assert requests.request(method, stack.url(path), json={}).status_code == 401, path
        if method == "POST":
            answer = manager.post(stack.url(path), data="[1, 2", headers={"Content-Type": "application/json"})
            assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest", path
    assert log_in(stack, "agent.lyon8", PASSWORDS["agent.lyon8"]).status_code == 200  # none of these touched it


def test_head_office_manages_its_own_staff_and_a_repeated_create_happens_once(stack):
    siege = stack.login("siege")
    key = {"Idempotency-Key": "creer-siege-deux"}
    first = siege.post(stack.url("/api/accounts"), json={"login": "siege.deux", "role": "head_office"},
                       headers=key)
    assert first.status_code == 201, first.text
    assert (first.json()["account"]["association_id"], first.json()["account"]["agent_id"]) == (None, None)
    again = siege.post(stack.url("/api/accounts"), json={"login": "siege.deux", "role": "head_office"},
                       headers=key)
    assert again.status_code == 201 and again.json()["account"] == first.json()["account"]
    assert again.json()["temporary_password"] is None  # shown once, never kept to be shown again
    assert {a["login"] for a in siege.get(stack.url("/api/accounts")).json()} == {"siege", "siege.deux"}
    assert siege.get(stack.url("/api/accounts/agent.lyon8")).status_code == 404
    assert siege.post(stack.url("/api/accounts/siege.deux/disable")).json()["state"] == "disabled"
    assert log_in(stack, "siege.deux", first.json()["temporary_password"]).status_code == 401
    created = [e for e in audit(stack) if e["action"] == "account_created" and e["target"] == "account:siege.deux"]
    assert len(created) == 1 and created[0]["login"] == "siege"
