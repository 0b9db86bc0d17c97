"""The demo team at PIMMS Lyon 8e, played through formation's real RPC: five agents médiateurs over the six
whole weeks before the demo day, their work and training, their first milestones, and one exit to a CDI.
Fixed numbers, so every run tells the same story: one agent trains below the floor."""
import datetime as dt

from shared.contracts.formation import monday_of, week_code

PIMMS = "lyon-8"
WEEKS = 6
# first name, last name, gender, contract, weekly hours, weeks before the first one when hired, weekly
# training (kind, topic, provider, hours)
TEAM = [
    ("Amina", "Benali", "female", "adulte_relais", 35, 0, ("training", "mediation", "union-pimms", 3.5)),
    ("Chloé", "Martin", "female", "pec", 26, 0, ("training", "digital", "greta-lyon", 1)),
    ("Driss", "Haddad", "male", "cdd_insertion", 35, 0, ("professional_project", "job_search", "france-travail", 4)),
    ("Fatou", "Ndiaye", "female", "pec", 26, 2, ("training", "partner_offers", "edf", 2.5)),
    ("Karim", "Saïdi", "male", "adulte_relais", 35, 3, ("training", "conflict", "union-pimms", 3.5)),
]
LEAVER = "Driss"  # leaves for a CDI on the Friday of the last week


def play(rpc, day):
    formation = rpc.formation
    first = monday_of(day) - dt.timedelta(weeks=WEEKS)
    for first_name, last_name, gender, contract, weekly_hours, late, (kind, topic, provider, hours) in TEAM:
        hired_on = first + dt.timedelta(weeks=late)
        agent_id = formation.hire_agent({
            "pimms_id": PIMMS, "first_name": first_name, "last_name": last_name, "gender": gender,
            "contract_type": contract, "weekly_hours": weekly_hours, "hired_on": hired_on.isoformat(),
        })["agent_id"]
        formation.add_milestone({"agent_id": agent_id, "kind": "positioning",
                                 "reached_on": (hired_on + dt.timedelta(days=2)).isoformat()})
        for n in range(late, WEEKS):
            monday = first + dt.timedelta(weeks=n)
            week = week_code(monday)
            worked = weekly_hours - (7 if n == 4 else 0)  # a day off in the fifth week
            formation.log_work_time({"agent_id": agent_id, "week": week, "hours": worked})
            formation.log_training({"agent_id": agent_id, "week": week, "hours": hours, "kind": kind,
                                    "topic": topic, "provider": provider})
        if late == 0:
            formation.add_milestone({"agent_id": agent_id, "kind": "training_started",
                                     "reached_on": (first + dt.timedelta(weeks=1)).isoformat()})
        if first_name == LEAVER:
            last_friday = first + dt.timedelta(weeks=WEEKS - 1, days=4)
            formation.record_exit({"agent_id": agent_id, "exited_on": last_friday.isoformat(), "outcome": "cdi"})


def figures(rpc):
    formation = rpc.formation
    agents = formation.list_agents({"pimms_id": PIMMS})
    if not agents:
        return [f"PIMMS {PIMMS}: no agent médiateur recorded"]
    employed = [a for a in agents if a["status"] == "employed"]
    exits = [a["exit"] for a in agents if a["exit"]]
    women = sum(a["gender"] == "female" for a in employed)
    period = {"from": min(a["hired_on"] for a in agents), "to": dt.date.today().isoformat()}
    share = formation.training_share({"scope": "desk", "id": PIMMS, **period})
    under = formation.agents_under_floor({"pimms_id": PIMMS, **period})
    share_pct = "n/a" if share["share_pct"] is None else f"{share['share_pct']:.1f}%"
    return [
        f"PIMMS {PIMMS}, agents médiateurs since {period['from']}",
        f"  agents employed        {len(employed):>6}",
        f"  share of women         {(100 * women / len(employed) if employed else 0):>5.0f}%",
        f"  training share         {share_pct:>6}  (floor {share['floor_pct']:g}%, {share['floor_source']})",
        f"  agents under the floor {len(under['agents']):>6}",
        f"  positive exits         {sum(e['positive'] for e in exits):>6} of {len(exits)}",
    ]
