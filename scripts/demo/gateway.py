"""The gateway in `make run` / `make demo`: one account per role created through the gateway's real RPC, and a
named visit (with consent) at the agent's desk, recorded through the gateway's JSON API, so that a citizen's
record can be opened; then the addresses of the pages and the demo logins. The passwords are demo ones, printed on purpose."""
import datetime as dt
import os

import requests

from shared.errors import Conflict

ASSOCIATION = os.environ.get("ASSOCIATION_ID", "pimms-lyon")
ACCOUNTS = [
    # the agents' codes the association gives them (never their login, which is often their name)
    {"login": "agent.lyon8", "role": "agent", "association_id": ASSOCIATION, "pimms_id": "lyon-8",
     "agent_id": "agent-lyon8", "password": "accueil-lyon8-demo"},
    {"login": "manager.lyon", "role": "manager", "association_id": ASSOCIATION, "agent_id": "manager-lyon",
     "password": "responsable-lyon-demo"},
    {"login": "siege", "role": "head_office", "password": "siege-reseau-demo"},
    {"login": "ops", "role": "operator", "password": "exploitation-demo"},
]
_played = {}


def address():
    return "http://" + os.environ.get("GATEWAY_WEB_ADDRESS", "127.0.0.1:8100")


def session_of(base, login):
    """An API session of a demo account, with its bearer token."""
    password = next(a["password"] for a in ACCOUNTS if a["login"] == login)
    session = requests.Session()
    answer = session.post(f"{base}/api/login", json={"login": login, "password": password}, timeout=30)
    answer.raise_for_status()
    session.headers["Authorization"] = "Bearer " + answer.json()["token"]
    return session


def lifecycle(rpc, day, base=None):
    """A person's right of access and erasure, through the API as the desk does it: a second named visit,
    its export, its erasure by the manager; the desk's figures read before and after are the same."""
    base = base or address()
    agent, manager = session_of(base, "agent.lyon8"), session_of(base, "manager.lyon")
    opened = dt.datetime.combine(day, dt.time(17, 20), tzinfo=dt.timezone.utc)
    visit = agent.post(f"{base}/api/visits", timeout=30, headers={"Idempotency-Key": f"demo-{day}-erased"}, json={
        "motif": {"kind": "generaliste", "domain": "caf"}, "opened_at": opened.isoformat(),
        "acts": [{"kind": "information"}], "participants": [{"citizen": {
            "first_name": "Jean", "last_name": "Efface", "consent": {
                "given_at": opened.isoformat(), "channel": "oral", "purposes": ["follow_up"]}}}]})
    visit.raise_for_status()
    agent.post(f"{base}/api/visits/{visit.json()['visit_id']}/close", timeout=30,
               headers={"Idempotency-Key": f"demo-{day}-erased-close"},
               json={"registres": ["inform"], "outcome": "resolved", "duration_min": 10,
                     "closed_at": (opened + dt.timedelta(minutes=10)).isoformat()}).raise_for_status()
    citizen_id = visit.json()["participants"][0]["citizen_id"]
    export = agent.get(f"{base}/api/citizens/{citizen_id}/export", timeout=30)
    export.raise_for_status()
    before = rpc.accueil.desk_figures("lyon-8")
    manager.delete(f"{base}/api/citizens/{citizen_id}", timeout=30,
                   headers={"Idempotency-Key": f"demo-{day}-erase"}).raise_for_status()
    after = rpc.accueil.desk_figures("lyon-8")
    gone = manager.get(f"{base}/api/citizens/{citizen_id}", timeout=30).status_code
    body = export.json()
    return [f"The citizen's data lifecycle (record n° {citizen_id}, named with consent to be followed):",
            f"  export (right of access): {len(body['visits'])} visit, {len(body['consents'])} consent, "
            f"{len(body['trail'])} trail entry, kept until {body['kept_until'][:10]} unless seen again",
            f"  erased by manager.lyon: the record now answers {gone}; desk lyon-8's figures before {before}",
            f"  {'the same' if before == after else 'CHANGED: ' + str(after)} after the erasure"]


def play(rpc, day, base=None):
    """The accounts (over RPC: issue-free administration), then a named visit recorded by the agent through
    the gateway's JSON API, as a desk does: people's identities only ever enter through the gateway."""
    for account in ACCOUNTS:
        try:
            rpc.gateway.create_account(account)
        except Conflict:  # a kept database: the account is there already
            pass
    base = base or address()
    agent = requests.Session()
    login = agent.post(f"{base}/api/login", json={"login": "agent.lyon8", "password": ACCOUNTS[0]["password"]},
                       timeout=30)
    login.raise_for_status()
    agent.headers["Authorization"] = "Bearer " + login.json()["token"]
    opened = dt.datetime.combine(day, dt.time(16, 40), tzinfo=dt.timezone.utc)
    answer = agent.post(f"{base}/api/visits", timeout=30, headers={"Idempotency-Key": f"demo-{day}-visit"}, json={
        "motif": {"kind": "partenaire", "partner": "edf"}, "opened_at": opened.isoformat(),
        "acts": [{"kind": "explanation"}], "participants": [{"citizen": {
            "first_name": "Mireille", "last_name": "Exemple", "phone": "04 78 00 00 00",
            "consent": {"given_at": opened.isoformat(), "channel": "oral",
                        "purposes": ["follow_up", "contact"]}}}]})
    answer.raise_for_status()
    visit = answer.json()
    agent.post(f"{base}/api/visits/{visit['visit_id']}/close", timeout=30,
               headers={"Idempotency-Key": f"demo-{day}-close"},
               json={"registres": ["understanding"], "outcome": "follow_up", "duration_min": 20,
                     "closed_at": (opened + dt.timedelta(minutes=20)).isoformat()}).raise_for_status()
    _played["citizen_id"] = visit["participants"][0]["citizen_id"]
    return dict(_played)


def figures(rpc):
    logins = {a["login"]: a["password"] for a in ACCOUNTS}
    base = address()
    lines = ["Web pages (gateway) at " + base + "/ ; API description at " + base + "/api/openapi.json",
             f"  Desk page: {base}/ — login agent.lyon8 / {logins['agent.lyon8']}",
             f"  Association's desks and figures: {base}/ — login manager.lyon / {logins['manager.lyon']}",
             f"  Network figures (head office): {base}/ — login siege / {logins['siege']}",
             f"  Services' health and metrics: {base}/ — login ops / {logins['ops']}"]
    if "citizen_id" in _played:
        lines.append(f"  A citizen's record (staff only, each read audited): {base}/citizens/{_played['citizen_id']}")
    entries = rpc.gateway.audit_entries(1000)
    lines.append(f"  Audit log: {len(entries)} entries (accounts created, logins, identities read, refusals)")
    return lines
