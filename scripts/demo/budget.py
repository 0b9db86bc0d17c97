"""Point Conseil Budget in `make run` / `make demo`: three households' budget dossiers at lyon-8 through the
gateway's JSON API, as the desk keeps them. One comes through Aide-Budget (its bank), is diagnosed, plans
two steps and is closed with its budget rebalanced; one comes through Crésus, its creditors refuse, and its
over-indebtedness file goes through the commission's admissibility; one is opened and diagnosed this week."""
import datetime as dt

from scripts.demo.gateway import address, session_of

HOUSEHOLDS = [
    ("Lucie", "Martin", "bank", "single_parent",
     {"resources": [{"kind": "wages", "monthly": "1380"}, {"kind": "benefits", "monthly": "310"}],
      "charges": [{"kind": "housing", "monthly": "690"}, {"kind": "energy", "monthly": "120"},
                  {"kind": "food", "monthly": "420"}],
      "debts": [{"kind": "overdraft", "creditor": "Banque Populaire", "owed": "1150", "monthly": "80"}]}),
    ("Karim", "Benali", "cresus", "couple_children",
     {"resources": [{"kind": "unemployment", "monthly": "1120"}, {"kind": "benefits", "monthly": "540"}],
      "charges": [{"kind": "housing", "monthly": "780"}, {"kind": "energy", "monthly": "160"},
                  {"kind": "food", "monthly": "620"}],
      "debts": [{"kind": "consumer_credit", "creditor": "Cofidis", "owed": "14200", "monthly": "390"},
                {"kind": "rent_arrears", "creditor": "Grand Lyon Habitat", "owed": "2300", "monthly": "0"}]}),
    ("Odile", "Perrin", "walk_in", "single",
     {"resources": [{"kind": "pension", "monthly": "1040"}],
      "charges": [{"kind": "housing", "monthly": "510"}, {"kind": "insurance", "monthly": "65"}], "debts": []}),
]
_played = {}


def play(rpc, day, base=None):
    base = base or address()
    agent = session_of(base, "agent.lyon8")
    dossiers = []
    for n, (first_name, last_name, origin, household, diagnosis) in enumerate(HOUSEHOLDS):
        opened_on = day - dt.timedelta(days=[60, 45, 2][n])
        at = dt.datetime.combine(opened_on, dt.time(14, 0), tzinfo=dt.timezone.utc)
        key = f"demo-pcb-{day}-{n}"
        visit = _ok(agent.post(f"{base}/api/visits", headers={"Idempotency-Key": key}, timeout=30, json={
            "motif": {"kind": "generaliste", "domain": "point_conseil_budget"}, "opened_at": at.isoformat(),
            "acts": [{"kind": "advice"}], "participants": [{"citizen": {
                "first_name": first_name, "last_name": last_name,
                "consent": {"given_at": at.isoformat(), "channel": "written", "purposes": ["follow_up"]}}}]}))
        dossier = _ok(agent.post(f"{base}/api/budget-dossiers", headers={"Idempotency-Key": key + "-open"},
                                 timeout=30, json={"visit_id": visit["visit_id"], "origin": origin,
                                                   "household": household, "opened_at": at.isoformat()}))
        url = f"{base}/api/budget-dossiers/{dossier['dossier_id']}"
        _ok(agent.post(url + "/diagnosis", headers={"Idempotency-Key": key + "-diag"}, timeout=30, json=diagnosis))
        dossiers.append((n, url, opened_on, key))

    def agent_post(url, key, body):
        return _ok(agent.post(url, headers={"Idempotency-Key": key}, timeout=30, json=body))

    (_, rebalanced, opened_on, key), (_, indebted, filed_from, key2), _ = dossiers
    agent_post(rebalanced + "/steps", key + "-s1", {"label": "demander le chèque énergie",
                                                    "due_on": (opened_on + dt.timedelta(days=10)).isoformat(),
                                                    "done_on": (opened_on + dt.timedelta(days=8)).isoformat()})
    agent_post(rebalanced + "/steps", key + "-s2", {"label": "budget mensuel avec la banque",
                                                    "due_on": (opened_on + dt.timedelta(days=20)).isoformat()})
    agent_post(rebalanced + "/interventions", key + "-i1", {
        "creditor": "Banque Populaire", "asked": "étalement du découvert", "asked_on": opened_on.isoformat(),
        "answer": "accepted", "answered_on": (opened_on + dt.timedelta(days=6)).isoformat()})
    agent_post(rebalanced + "/close", key + "-close", {"outcome": "stabilised"})
    agent_post(indebted + "/interventions", key2 + "-i1", {
        "creditor": "Cofidis", "asked": "suspension des échéances", "asked_on": filed_from.isoformat(),
        "answer": "refused", "answered_on": (filed_from + dt.timedelta(days=9)).isoformat()})
    agent_post(indebted + "/orientations", key2 + "-o1", {"to": "cresus", "on": filed_from.isoformat()})
    for stage, offset, more in (("built", 12, {}), ("filed", 15, {}), ("admissibility", 40, {"admissible": True})):
        agent_post(indebted + "/overindebtedness", f"{key2}-{stage}",
                   {"stage": stage, "on": (filed_from + dt.timedelta(days=offset)).isoformat(), **more})
    _played.update(dossiers=len(dossiers))
    return dict(_played)


def figures(rpc, base=None):
    if not _played:
        return []
    base = base or address()
    dossiers = _ok(session_of(base, "agent.lyon8").get(f"{base}/api/budget-dossiers", timeout=30))
    files = [d["overindebtedness"] for d in dossiers if d["overindebtedness"]]
    return [f"Point Conseil Budget at lyon-8 (through the API): {len(dossiers)} budget dossiers, "
            f"{sum(d['status'] == 'closed' for d in dossiers)} closed; "
            f"{len(files)} over-indebtedness file at stage {', '.join(f['stage'] for f in files)} "
            f"(admissible: {', '.join(str(f['admissible']) for f in files)})"]


def _ok(answer):
    answer.raise_for_status()
    return answer.json()
