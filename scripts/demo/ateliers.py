"""Workshop sessions in `make run` / `make demo` (issue 20): two sessions at desk lyon-8 on the demo day,
through the gateway's JSON API as the agent works them. Three people received at the desk that morning, named
with their consent to be followed, register to the digital workshop with four anonymous people (slips);
the budget workshop fills up (one more is refused: it is full). At each session the agent marks who came,
registered or not, and closes it: reporting then counts the sessions, their attendance and fill rates, and
the attendees among the people received (a person seen at the desk and at the workshop counts once)."""
import datetime as dt

from scripts.demo.gateway import address, session_of

PEOPLE = (("Fatou", "Sarr"), ("Karim", "Benali"), ("Odile", "Martin"))
_played = {}


def play(rpc, day, base=None):
    base = base or address()
    agent = session_of(base, "agent.lyon8")
    citizens = [_received(agent, base, day, n, first, last) for n, (first, last) in enumerate(PEOPLE)]
    digital = _session(agent, base, day, "digital", dt.time(10, 0), capacity=8, place="Salle informatique")
    named = [_register(agent, base, digital, f"{day}-d-{n}", citizen_id=c) for n, c in enumerate(citizens)]
    slips = [_register(agent, base, digital, f"{day}-d-anon-{n}") for n in range(4)]
    present = [r["registration_id"] for r in named[:2] + slips[:3]]  # one named and one anonymous did not come
    _mark_and_close(agent, base, digital, f"{day}-d", present, walk_ins=2)
    budget = _session(agent, base, day, "budget", dt.time(14, 30), capacity=6, place="Salle 2")
    full = [_register(agent, base, budget, f"{day}-b-{n}") for n in range(6)]
    refused = agent.post(f"{base}/api/workshops/{budget['workshop_id']}/registrations", json={}, timeout=30,
                         headers={"Idempotency-Key": f"demo-atelier-{day}-b-full"})
    _mark_and_close(agent, base, budget, f"{day}-b", [r["registration_id"] for r in full[:5]], walk_ins=1)
    _played.update(sessions=2, registrations=len(named) + len(slips) + len(full), attendees=7 + 6,
                   refused=f"{refused.status_code} {refused.json().get('message', '')}")
    return dict(_played)


def _received(agent, base, day, n, first, last):
    """A person received at the desk that morning, named with their consent to be followed."""
    opened = dt.datetime.combine(day, dt.time(8, 40 + 5 * n), tzinfo=dt.timezone.utc)
    key = f"demo-atelier-{day}-visit-{n}"
    visit = _ok(agent.post(f"{base}/api/visits", timeout=30, headers={"Idempotency-Key": key}, json={
        "motif": {"kind": "generaliste", "domain": "digital"}, "opened_at": opened.isoformat(),
        "acts": [{"kind": "information"}], "participants": [{"citizen": {
            "first_name": first, "last_name": last,
            "consent": {"given_at": opened.isoformat(), "channel": "oral", "purposes": ["follow_up"]}}}]}))
    _ok(agent.post(f"{base}/api/visits/{visit['visit_id']}/close", timeout=30, headers={"Idempotency-Key": key + "-c"},
                   json={"registres": ["inform"], "outcome": "resolved", "duration_min": 10,
                         "closed_at": (opened + dt.timedelta(minutes=10)).isoformat()}))
    return visit["participants"][0]["citizen_id"]


def _session(agent, base, day, theme, at, capacity, place):
    starts = dt.datetime.combine(day, at, tzinfo=dt.timezone.utc)
    return _ok(agent.post(f"{base}/api/workshops", timeout=30, headers={"Idempotency-Key": f"demo-atelier-{day}-{theme}"},
                          json={"theme": theme, "starts_at": starts.isoformat(), "duration_min": 90,
                                "capacity": capacity, "place": place}))


def _register(agent, base, workshop, key, citizen_id=None):
    return _ok(agent.post(f"{base}/api/workshops/{workshop['workshop_id']}/registrations", timeout=30,
                          headers={"Idempotency-Key": f"demo-atelier-{key}"},
                          json={} if citizen_id is None else {"citizen_id": citizen_id}))


def _mark_and_close(agent, base, workshop, key, present, walk_ins):
    url = f"{base}/api/workshops/{workshop['workshop_id']}"
    _ok(agent.post(f"{url}/attendance", timeout=30, headers={"Idempotency-Key": f"demo-atelier-{key}-marks"},
                   json={"present": present, "walk_ins": walk_ins}))
    _ok(agent.post(f"{url}/close", timeout=30, headers={"Idempotency-Key": f"demo-atelier-{key}-close"}, json={}))


def figures(rpc, base=None):
    if not _played:
        return []
    return [f"Workshop sessions (lyon-8, through the API): {_played['sessions']} sessions planned, "
            f"{_played['registrations']} registrations, {_played['attendees']} attendees marked, closed",
            f"  one more registration to the full budget session was refused: {_played['refused']}",
            "  pages: /workshops (sessions and places left), a session's page to register, mark and close"]


def _ok(answer):
    answer.raise_for_status()
    return answer.json()
