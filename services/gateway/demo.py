"""The gateway in `make run` / `make demo`: one account per role created through the gateway's real RPC, and a
named visit (with consent) at the agent's desk so that a citizen's record can be opened; then the addresses
of the pages and the demo logins. The passwords are demo ones, printed on purpose."""
import datetime as dt
import os

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


def play(rpc, day):
    for account in ACCOUNTS:
        try:
            rpc.gateway.create_account(account)
        except Conflict:  # a kept database: the account is there already
            pass
    opened = dt.datetime.combine(day, dt.time(16, 40), tzinfo=dt.timezone.utc)
    visit = rpc.accueil.open_visit({
        "pimms_id": "lyon-8", "agent_id": "agent-lyon8", "motif": {"kind": "partenaire", "partner": "edf"},
        "opened_at": opened.isoformat(), "participants": [{"citizen": {
            "first_name": "Mireille", "last_name": "Exemple", "phone": "04 78 00 00 00",
            "consent": {"given_at": opened.isoformat(), "channel": "oral", "purposes": ["follow_up"]}}}]})
    rpc.accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
    rpc.accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "follow_up",
                             "duration_min": 20, "closed_at": (opened + dt.timedelta(minutes=20)).isoformat()})
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
