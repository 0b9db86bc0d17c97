"""The gateway in `make run` / `make demo`: one account per role created through the gateway's real RPC, and a
named visit (with consent) at the agent's desk, recorded through the gateway's JSON API, so that a citizen's
record can be opened; then the addresses of the pages and the demo logins. The passwords are demo ones, printed on purpose."""
import datetime as dt
import os

import requests

from shared.errors import Conflict

ASSOCIATION = os.environ.get("ASSOCIATION_ID", "pimms-lyon")
ACCOUNTS = [
    {"login": "agent.lyon8", "role": "agent", "association_id": ASSOCIATION, "pimms_id": "lyon-8",
     "password": "accueil-lyon8-demo"},
    {"login": "manager.lyon", "role": "manager", "association_id": ASSOCIATION, "password": "responsable-lyon-demo"},
    {"login": "siege", "role": "head_office", "password": "siege-reseau-demo"},
    {"login": "ops", "role": "operator", "password": "exploitation-demo"},
]
_played = {}


def address():
    return "http://" + os.environ.get("GATEWAY_WEB_ADDRESS", "127.0.0.1:8100")


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
            "consent": {"given_at": opened.isoformat(), "channel": "oral", "purposes": ["follow_up"]}}}]})
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
