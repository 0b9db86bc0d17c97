"""Reporting in `make run` / `make demo`: a second desk of the association records a short day through
accueil's real RPC and has its own team of agents médiateurs in formation; reporting catches up with
everything accueil, médiation sortante and formation published, the month is closed (its figures go to head
office as `period_closed`), and the figures are printed as they leave the association: small counts hidden
(a desk's handful of agents, a month's one exit)."""
import datetime as dt
import random
import time

from scripts.demo import formation as formation_demo
from shared.contracts.formation import monday_of, week_code

DESK = "lyon-8"  # the desk of scripts/demo/accueil.py and of the other services' demos
SECOND_DESK = "lyon-9"  # the contract covers lyon-8 and lyon-9
ASSOCIATION = "pimms-lyon"  # ASSOCIATION_ID of the demo stack
# lyon-9's team, hired with formation's demo team (first name, gender, weekly hours, weekly training hours)
TEAM = [("Nadia", "female", 35, 3.5), ("Sandrine", "female", 26, 2.5), ("Yasmina", "female", 35, 3),
        ("Olivier", "male", 35, 3.5)]


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
    _second_team(rpc.formation, day)
    _wait_until_caught_up(rpc)
    rpc.reporting.close_period(f"{day.year:04d}-{day.month:02d}")


def _second_team(formation, day):
    """lyon-9's agents, hired when formation's demo team was, their weeks worked and their training."""
    first = monday_of(day) - dt.timedelta(weeks=formation_demo.WEEKS)
    for first_name, gender, weekly_hours, training_hours in TEAM:
        agent_id = formation.hire_agent({
            "pimms_id": SECOND_DESK, "first_name": first_name, "last_name": "Démo", "gender": gender,
            "contract_type": "adulte_relais", "weekly_hours": weekly_hours, "hired_on": first.isoformat()})["agent_id"]
        for n in range(formation_demo.WEEKS):
            week = week_code(first + dt.timedelta(weeks=n))
            formation.log_work_time({"agent_id": agent_id, "week": week, "hours": weekly_hours})
            formation.log_training({"agent_id": agent_id, "week": week, "hours": training_hours, "kind": "training",
                                    "topic": "access_to_rights", "provider": "union-pimms"})


# label, cell: what is printed, in this order
ROWS = (
    ("people received", "people.received"), ("visits", "visits.total"),
    ("  accueils partenaires", "visits.partenaire"), ("  accueils généralistes", "visits.generaliste"),
    ("mediation acts", "acts.total"), ("workshop sessions", "workshops.sessions"),
    ("workshop attendees", "workshops.attendees"), ("mean visit, minutes", "durations.visit_min_mean"),
    ("mean wait, minutes", "durations.waiting_min_mean"),
    ("outbound contacts", "outbound.attempts"), ("  reached", "outbound.reached"),
    ("  cases resolved", "outbound.cases_resolved"),
    *((f"    {outcome.replace('_', ' ')}", f"outbound.cases_by_outcome.{outcome}")
      for outcome in ("contact_restored", "payment_plan", "referred", "refused", "unreachable")),
    ("agents employed", "agents.employed"), ("  share of women", "agents.share_of_women"),
    ("training share", "training.share"), ("exits", "exits.total"),
    ("  positive exits rate", "exits.positive_rate"), ("desks", "desks"),
)
SHARES = {"agents.share_of_women", "training.share", "exits.positive_rate"}


def figures(rpc):
    _wait_until_caught_up(rpc)
    state = rpc.reporting.status()
    months = [p for p in state["periods"] if len(p["period"]) == 7 and p["association_id"] == ASSOCIATION]
    today = dt.datetime.now(dt.timezone.utc)
    month = months[-1]["period"] if months else f"{today.year:04d}-{today.month:02d}"
    revision = months[-1]["revision"] if months else None
    columns = [(DESK, rpc.reporting.figures("desk", DESK, month)),
               (ASSOCIATION, rpc.reporting.figures("association", ASSOCIATION, month)),
               (f"year {month[:4]}", rpc.reporting.figures("association", ASSOCIATION, month[:4]))]
    threshold = state["threshold"]

    def cell(row, path):
        if path in row["suppressed"]:
            return f"<{threshold}"
        value = row["figures"]
        for name in path.split("."):
            value = value[name]
        if value is None:
            return "-"
        return f"{100 * value:.1f}%" if path in SHARES else str(value)

    published = f"published to head office as revision {revision}" if revision else "not closed yet"
    lines = [f"\nReporting {month} ({published}; counts under {threshold} hidden)",
             f"  {'':<26}" + "".join(f"{name:>14}" for name, _ in columns)]
    for label, path in ROWS:
        lines.append(f"  {label:<26}" + "".join(f"{cell(row, path):>14}" for _, row in columns))
    return lines


def _expected(rpc):
    """What reporting must have applied: everything the services say they recorded at the demo's desks."""
    desks = (DESK, SECOND_DESK)
    recorded = [rpc.accueil.desk_figures(desk) for desk in desks]
    outbound = [rpc.mediation_sortante.desk_figures(desk) for desk in desks]
    teams = {desk: rpc.formation.list_agents({"pimms_id": desk}) for desk in desks}
    agents = teams[DESK] + teams[SECOND_DESK]
    # formation has no count of weeks logged: both demos log one work time and one training a week
    weeks = (sum(formation_demo.WEEKS - late for *_, late, _ in formation_demo.TEAM) if teams[DESK] else 0) + (
        len(TEAM) * formation_demo.WEEKS if teams[SECOND_DESK] else 0)
    return {"accueil.visit_closed": sum(f["visits"] for f in recorded),
            "accueil.workshop_held": sum(f["workshops"] for f in recorded),
            "mediation_sortante.campaign_opened": sum(f["campaigns_open"] + f["campaigns_closed"] for f in outbound),
            "mediation_sortante.contact_attempted": sum(f["attempts"] for f in outbound),
            "mediation_sortante.case_resolved": sum(sum(f["outcomes"].values()) for f in outbound),
            "mediation_sortante.campaign_closed": sum(f["campaigns_closed"] for f in outbound),
            "formation.agent_hired": len(agents), "formation.agent_exited": sum(bool(a["exit"]) for a in agents),
            "formation.work_time_logged": weeks, "formation.training_logged": weeks}


def _wait_until_caught_up(rpc, timeout=60):
    """Until reporting has applied every event the demo's services published."""
    deadline = time.monotonic() + timeout
    expected = _expected(rpc)
    while True:
        applied = rpc.reporting.status()["events_applied"]
        if all(applied.get(kind, 0) >= n for kind, n in expected.items()):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"reporting applied {applied} of {expected} within {timeout}s")
        time.sleep(0.2)
