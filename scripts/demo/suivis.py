"""Follow-ups and referrals in `make run` / `make demo`: a week at desk lyon-8 through the gateway's JSON API,
as the agent works it. Each day, visits that need a follow-up (next action in a few days) and a referral to a
partner with a convention; the partners answer some within days (resolved, refused, redirected), others not
yet: on the demo's last day the desk sees its late calls and its unanswered referrals."""
import datetime as dt
import random

from scripts.demo import franchise
from scripts.demo.gateway import address, session_of

ACTIONS = ("rappeler pour la pièce manquante", "vérifier le dossier en ligne", "relancer le partenaire",
           "préparer le courrier de réclamation", "accompagner la demande d'échéancier")
ANSWERS = ({"answer": "resolved"}, {"answer": "refused", "reason": "incomplete"},
           {"answer": "redirected", "redirected_to": "la_poste"}, {"answer": "resolved"})
_played = {}


def play(rpc, day, base=None, days=7, seed=17):
    base = base or address()
    agent = session_of(base, "agent.lyon8")
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    cases, referrals, answered = [], [], 0
    for back in range(days - 1, -1, -1):
        date = day - dt.timedelta(days=back)
        for n in range(2):
            opened = dt.datetime.combine(date, dt.time(9 + 2 * n, 15), tzinfo=dt.timezone.utc)
            partner = rng.choice(franchise.PARTNERS[:5])  # edf, engie, sncf, la_poste, veolia
            key = f"demo-suivi-{date}-{n}"
            visit = _ok(agent.post(f"{base}/api/visits", headers={"Idempotency-Key": key}, timeout=30, json={
                "motif": {"kind": "partenaire", "partner": partner}, "opened_at": opened.isoformat(),
                "acts": [{"kind": "explanation"}, {"kind": "referral", "partner": partner}]}))
            closed = _ok(agent.post(f"{base}/api/visits/{visit['visit_id']}/close", timeout=30,
                                    headers={"Idempotency-Key": key + "-close"}, json={
                "registres": ["understanding", "referral"], "outcome": "follow_up", "duration_min": 20,
                "closed_at": (opened + dt.timedelta(minutes=20)).isoformat(),
                "follow_up": {"next_action": rng.choice(ACTIONS),
                              "due_on": (date + dt.timedelta(days=rng.randint(1, 4))).isoformat()}}))
            case = closed["follow_up"]
            cases.append(case)
            sent_at = opened + dt.timedelta(minutes=25)
            referral = _ok(agent.post(f"{base}/api/referrals", headers={"Idempotency-Key": key + "-ref"}, timeout=30,
                                      json={"visit_id": visit["visit_id"], "partner": partner, "case_id": case["case_id"],
                                            "asked": "réexamen de la facture contestée",
                                            "sent_at": sent_at.isoformat()}))
            referrals.append(referral)
            answer_at = sent_at + dt.timedelta(days=rng.randint(1, 5))
            if answer_at < now and rng.random() < 0.6:  # the others are still waiting
                _ok(agent.patch(f"{base}/api/referrals/{referral['referral_id']}", timeout=30,
                                headers={"Idempotency-Key": key + "-answer"},
                                json={"status": "answered", "at": answer_at.isoformat(), **rng.choice(ANSWERS)}))
                answered += 1
                if rng.random() < 0.5:
                    _ok(agent.patch(f"{base}/api/cases/{case['case_id']}", timeout=30,
                                    headers={"Idempotency-Key": key + "-done"},
                                    json={"status": "closed", "outcome": "resolved"}))
    _played.update(cases=len(cases), referrals=len(referrals), answered=answered)
    return dict(_played)


def figures(rpc, base=None):
    if not _played:
        return []
    base = base or address()
    agent = session_of(base, "agent.lyon8")
    today = dt.date.today().isoformat()
    calls = _ok(agent.get(f"{base}/api/cases", params={"due_by": today}, timeout=30))
    waiting = _ok(agent.get(f"{base}/api/referrals", params={"unanswered_since": today}, timeout=30))
    return [f"Follow-ups and referrals (a week at lyon-8, through the API): {_played['cases']} follow-ups opened, "
            f"{_played['referrals']} referrals sent, {_played['answered']} answered",
            f"  today's calls at lyon-8: {len(calls)} follow-ups due or late (desk page, « Suivis à relancer », "
            f"Alt+R); {len(waiting)} referrals still waiting for the partner"]


def _ok(answer):
    answer.raise_for_status()
    return answer.json()
