"""The waiting room in `make run` / `make demo`: a morning at desk lyon-8 through the gateway's JSON API, as the
desk lives it. People arrive and take tickets (motifs of the desk's usual mix), two agents press « Suivant »
at their counters and close the visits it opens, two people leave before their turn; appointments are booked
for later (one named person with consent, the others anonymous), one cancelled, two people come early and are
received. The server stamps every arrival and call: the demo plays its morning now, so its waits are short;
the end-of-day timer closes what is left after midnight (or « Fermer la file d'attente » on the page)."""
import datetime as dt
import random

from scripts.demo.gateway import address, session_of

MOTIFS = ({"kind": "generaliste", "domain": "caf"}, {"kind": "partenaire", "partner": "edf"},
          {"kind": "generaliste", "domain": "housing"}, {"kind": "generaliste", "domain": "digital"},
          {"kind": "partenaire", "partner": "sncf"}, {"kind": "generaliste", "domain": "cpam"})
CLOSE = {"registres": ["understanding"], "outcome": "resolved", "acts": [{"kind": "explanation"}]}
_played = {}


def play(rpc, day=None, base=None, arrivals=12, seed=20):
    base = base or address()
    agent, manager = session_of(base, "agent.lyon8"), session_of(base, "manager.lyon")
    rng = random.Random(seed)
    run = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")  # keys of this run: a replay is a new morning
    tickets = [_ok(agent.post(f"{base}/api/tickets", json={"motif": rng.choice(MOTIFS)},
                              headers={"Idempotency-Key": f"demo-ticket-{run}-{n}"}, timeout=30))
               for n in range(arrivals)]
    for gone in rng.sample(tickets[2:], 2):  # two people do not wait for their turn
        _ok(agent.post(f"{base}/api/tickets/{gone['ticket_id']}/left", json={}, timeout=30))
    served = 0
    for n in range(arrivals - 4):  # the others are called at counters 1 and 2; the last two still wait
        who, counter = (agent, 1) if n % 2 == 0 else (manager, 2)
        called = _ok(who.post(f"{base}/api/tickets/next", json={"pimms_id": "lyon-8", "counter": counter},
                              headers={"Idempotency-Key": f"demo-next-{run}-{n}"}, timeout=30))
        _ok(who.post(f"{base}/api/visits/{called['visit']['visit_id']}/close", timeout=30,
                     json={**CLOSE, "duration_min": rng.randint(5, 25)}))
        served += 1
    booked = _appointments(base, agent, rng, run)
    _played.update(tickets=arrivals, served=served, left=2, **booked)
    return dict(_played)


def _appointments(base, agent, rng, run):
    """Six slots of 30 minutes from the next hour; the person of the demo's named visit has one (with consent)."""
    start = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    citizen = _named_citizen(base, agent)
    made = []
    for n in range(6):
        body = {"motif": rng.choice(MOTIFS), "starts_at": (start + dt.timedelta(minutes=30 * n)).isoformat(),
                "duration_min": 30}
        if n == 0 and citizen is not None:
            body["citizen_id"] = citizen
        made.append(_ok(agent.post(f"{base}/api/appointments", json=body,
                                   headers={"Idempotency-Key": f"demo-rdv-{run}-{n}"}, timeout=30)))
    _ok(agent.post(f"{base}/api/appointments/{made[5]['appointment_id']}/cancel", json={}, timeout=30))
    for early in made[:2]:  # they came early and are received at once
        received = _ok(agent.post(f"{base}/api/appointments/{early['appointment_id']}/arrival", json={}, timeout=30))
        _ok(agent.post(f"{base}/api/visits/{received['visit']['visit_id']}/close", timeout=30,
                       json={**CLOSE, "duration_min": 20}))
    return {"booked": len(made), "kept": 2, "cancelled": 1}


def _named_citizen(base, agent):
    """The person of the gateway demo's named visit, who consented to be followed (None if not played)."""
    visits = agent.get(f"{base}/api/visits", params={"limit": 200}, timeout=30)
    if visits.status_code != 200:
        return None
    for visit in visits.json():
        for person in visit["participants"]:
            if person.get("citizen_id"):
                return person["citizen_id"]
    return None


def figures(rpc, base=None):
    if not _played:
        return []
    board = _ok(session_of(base or address(), "agent.lyon8").get(f"{base or address()}/api/waiting-room/lyon-8",
                                                                 timeout=30))
    return [f"Waiting room (a morning at lyon-8, through the API): {_played['tickets']} tickets, {_played['served']} "
            f"served by « Suivant » at two counters, {_played['left']} left before their turn; "
            f"{_played['booked']} appointments booked, {_played['kept']} received early, {_played['cancelled']} "
            f"cancelled",
            f"  the public screen /salle-attente/lyon-8: {board['waiting']} waiting, last called "
            f"{board['called'][0]['label'] if board['called'] else '—'}"]


def _ok(answer):
    answer.raise_for_status()
    return answer.json()
