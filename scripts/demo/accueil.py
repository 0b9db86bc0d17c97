"""A demo day at one desk, played through the services' real RPC: a few hundred visits and two workshops
at PIMMS Lyon 8e, on the previous day, with a fixed seed so every run tells the same story."""
import datetime as dt
import random

PIMMS = "lyon-8"
AGENTS = ["agent-amina", "agent-bruno", "agent-chloe", "agent-driss"]
PARTNERS = ["edf", "engie", "sncf", "la_poste", "veolia", "keolis"]
DOMAINS = ["caf", "cpam", "housing", "employment", "taxes", "pension", "budget", "digital"]
ACTS = ["information", "explanation", "advice", "accompaniment", "letter", "referral", "online_help"]
REGISTRES = ["presence", "understanding", "referral", "inform", "dialogue", "conflict"]


def demo_date():
    return dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)


def play(rpc, visits=300, seed=8):
    rng = random.Random(seed)
    day = demo_date()
    start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=dt.timezone.utc)
    for i in range(visits):
        opened = start + dt.timedelta(minutes=i * 510 // visits)
        if rng.random() < 0.45:
            motif = {"kind": "partenaire", "partner": rng.choice(PARTNERS)}
        else:
            motif = {"kind": "generaliste", "domain": rng.choice(DOMAINS)}
        participants = [{"gender": rng.choice(["female", "male", None]),
                         "age_band": rng.choice(["18_25", "26_40", "41_60", "61_75", None]),
                         "first_visit": rng.random() < 0.4}]
        visit = rpc.accueil.open_visit({"pimms_id": PIMMS, "agent_id": rng.choice(AGENTS), "motif": motif,
                                        "participants": participants, "waiting_min": rng.randint(0, 25),
                                        "opened_at": opened.isoformat()})
        for kind in rng.sample(ACTS, rng.randint(1, 3)):
            rpc.accueil.add_act({"visit_id": visit["visit_id"], "kind": kind})
        duration = rng.randint(5, 45)
        rpc.accueil.close_visit({
            "visit_id": visit["visit_id"], "registres": rng.sample(REGISTRES, rng.randint(1, 2)),
            "outcome": rng.choice(["resolved", "resolved", "follow_up", "referred"]),
            "duration_min": duration, "closed_at": (opened + dt.timedelta(minutes=duration)).isoformat(),
        })
    for theme, attendees in (("digital", 11), ("energy_savings", 17)):
        rpc.accueil.record_workshop({"pimms_id": PIMMS, "agent_id": rng.choice(AGENTS), "theme": theme,
                                     "partner": "edf" if theme == "energy_savings" else None,
                                     "held_on": day.isoformat(), "attendees": attendees, "duration_min": 120,
                                     "registres": ["collective", "inform"]})


def print_figures(rpc):
    figures = rpc.accueil.desk_figures(PIMMS)
    print(f"\nPIMMS {PIMMS}, {demo_date():%A %d %B %Y}")
    print(f"  visits closed        {figures['visits']:>6}")
    print(f"  people received      {figures['people']:>6}")
    print(f"  mediation acts       {figures['acts']:>6}")
    print(f"  workshop sessions    {figures['workshops']:>6}")
    print(f"  workshop attendees   {figures['attendees']:>6}")
