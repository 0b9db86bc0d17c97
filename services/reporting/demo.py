"""Reporting in `make run` / `make demo`: a second desk of the association records a short day through
accueil's real RPC, reporting catches up with everything accueil published, the month is closed (its
figures go to head office as `period_closed`), and the desk's and the association's figures are printed
as they leave the association: small counts hidden."""
import datetime as dt
import random
import time

DESK = "lyon-8"  # the desk of scripts/demo_day.py
SECOND_DESK = "lyon-9"  # the contract covers lyon-8 and lyon-9
ASSOCIATION = "pimms-lyon"  # ASSOCIATION_ID of the demo stack


def play(rpc, day):
    rng = random.Random(69100)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone.utc)
    for i in range(14):
        opened = start + dt.timedelta(minutes=25 * i)
        motif = ({"kind": "partenaire", "partner": rng.choice(["edf", "la_poste"])} if i % 3 == 0
                 else {"kind": "generaliste", "domain": rng.choice(["caf", "housing", "employment"])})
        visit = rpc.accueil.open_visit({"pimms_id": SECOND_DESK, "agent_id": "agent-emma", "motif": motif,
                                        "waiting_min": rng.randint(0, 15), "opened_at": opened.isoformat()})
        rpc.accueil.add_act({"visit_id": visit["visit_id"], "kind": rng.choice(["information", "accompaniment"])})
        duration = rng.randint(10, 30)
        rpc.accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved",
                                 "duration_min": duration,
                                 "closed_at": (opened + dt.timedelta(minutes=duration)).isoformat()})
    rpc.accueil.record_workshop({"pimms_id": SECOND_DESK, "agent_id": "agent-emma", "theme": "budget",
                                 "held_on": day.isoformat(), "attendees": 8, "duration_min": 90,
                                 "registres": ["collective", "inform"]})
    _wait_until_caught_up(rpc)
    rpc.reporting.close_period(f"{day.year:04d}-{day.month:02d}")


def figures(rpc):
    _wait_until_caught_up(rpc)
    state = rpc.reporting.status()
    months = [p for p in state["periods"] if len(p["period"]) == 7 and p["association_id"] == ASSOCIATION]
    today = dt.datetime.now(dt.timezone.utc)
    month = months[-1]["period"] if months else f"{today.year:04d}-{today.month:02d}"
    revision = months[-1]["revision"] if months else None
    desk = rpc.reporting.figures("desk", DESK, month)
    association = rpc.reporting.figures("association", ASSOCIATION, month)
    threshold = state["threshold"]

    def cell(row, path):
        if path in row["suppressed"]:
            return f"<{threshold}"
        value = row["figures"]
        for name in path.split("."):
            value = value[name]
        return "-" if value is None else str(value)

    published = f"published to head office as revision {revision}" if revision else "not closed yet"
    lines = [f"\nReporting {month} ({published}; counts under {threshold} hidden)",
             f"  {'':<26}{DESK:>12}{ASSOCIATION:>14}"]
    for label, path in (("people received", "people.received"), ("visits", "visits.total"),
                        ("  accueils partenaires", "visits.partenaire"),
                        ("  accueils généralistes", "visits.generaliste"), ("mediation acts", "acts.total"),
                        ("workshop sessions", "workshops.sessions"), ("workshop attendees", "workshops.attendees"),
                        ("mean visit, minutes", "durations.visit_min_mean"),
                        ("mean wait, minutes", "durations.waiting_min_mean"),
                        ("agents (formation)", "agents.employed"), ("desks", "desks")):
        lines.append(f"  {label:<26}{cell(desk, path):>12}{cell(association, path):>14}")
    return lines


def _wait_until_caught_up(rpc, timeout=60):
    """Until reporting has applied every visit and workshop accueil recorded at the demo's desks."""
    deadline = time.monotonic() + timeout
    while True:
        recorded = [rpc.accueil.desk_figures(desk) for desk in (DESK, SECOND_DESK)]
        expected = {"accueil.visit_closed": sum(f["visits"] for f in recorded),
                    "accueil.workshop_held": sum(f["workshops"] for f in recorded)}
        applied = rpc.reporting.status()["events_applied"]
        if all(applied.get(kind, 0) >= n for kind, n in expected.items()):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"reporting applied {applied} of {expected} within {timeout}s")
        time.sleep(0.2)
