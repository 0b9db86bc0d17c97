"""Médiation sortante in `make run`: one small EDF campaign at PIMMS Lyon 8e, played through the real RPC.
EDF's file comes as its Excel export writes it (Windows-1252, ';') with two bad rows; agents call, then go
door to door, over the days before `day`; every case gets its outcome and the campaign closes that evening.
A fixed seed tells the same story at every run."""
import base64
import datetime as dt
import random

PIMMS = "lyon-8"
AGENTS = ["agent-amina", "agent-bruno", "agent-chloe"]
FIRST_NAMES = ["Awa", "Bernard", "Chantal", "Djamel", "Élodie", "Farid", "Geneviève", "Hélène", "Ibrahim",
               "Joëlle", "Karim", "Lucienne", "Mohamed", "Nadia", "Océane", "Patrice", "Rachida", "Sébastien",
               "Thérèse", "Yasmina"]
LAST_NAMES = ["Diallo", "Martin", "Benali", "Dubois", "Nguyen", "Lefèvre", "Moreau", "Haddad", "Traoré",
              "Garcia", "Rousseau", "Mercier", "Bensaïd", "Fontaine", "Keita", "Girard", "Chevalier", "Roux"]
STREETS = ["rue Villon", "avenue des Frères Lumière", "boulevard des États-Unis", "rue Professeur Beauvisage",
           "avenue Paul Santy", "rue Marius Berliet", "rue Laënnec", "rue Saint-Maurice"]
# what an agent does once the person is reached: outcome and the acts de médiation it took
REACHED = [
    ("contact_restored", ["information", "explanation"]),
    ("payment_plan", ["explanation", "payment_plan_negotiation"]),
    ("payment_plan", ["payment_plan_negotiation"]),
    ("referred", ["explanation", "aid_application", "referral"]),
    ("refused", []),
]


def edf_file(rng, customers=20):
    """EDF's export: 'Ref client;Nom;Téléphone;Adresse', plus columns we never read (the amount owed)."""
    lines = ["Ref client;Nom;Téléphone;Adresse;Montant dû"]
    for n in range(customers):
        name = f"{rng.choice(['M.', 'Mme'])} {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        phone = f"0{rng.choice('67')} " + " ".join(str(rng.randint(10, 99)) for _ in range(4))
        address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}, 69008 Lyon"
        lines.append(f"30{rng.randint(10_000_000, 99_999_999)};{name};{phone};{address};{rng.randint(80, 900)},00")
        if n == 6:
            lines.append("3055501234;M. Paul Girard;04 78 00;3 rue Villon, 69008 Lyon;120,00")  # phone cut short
        if n == 13:
            lines.append("3055505678;;06 11 22 33 44;8 rue Laënnec, 69008 Lyon;310,00")  # no name
    return "\r\n".join(lines) + "\r\n"


def play(rpc, day, seed=8):
    rng = random.Random(seed)
    service = rpc.mediation_sortante
    opened_at = dt.datetime.combine(day - dt.timedelta(days=6), dt.time(9), tzinfo=dt.timezone.utc)
    campaign = service.open_campaign({
        "pimms_id": PIMMS, "partner": "edf", "label": "Impayés EDF, Lyon 8e", "max_attempts": 3,
        "channels": ["phone", "door_to_door", "sms"], "opened_at": opened_at.isoformat()})
    campaign_id = campaign["campaign_id"]
    raw = edf_file(rng).encode("cp1252")
    report = service.import_contacts({"campaign_id": campaign_id, "content_base64": base64.b64encode(raw).decode()})
    service.share_out({"campaign_id": campaign_id, "agent_ids": AGENTS})
    for contact in service.list_contacts({"campaign_id": campaign_id}):
        moment = opened_at + dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 7), minutes=rng.randint(0, 59))
        for channel in ("phone", "phone", "door_to_door"):  # two calls, then a visit
            reached = rng.random() < 0.45
            case = service.record_attempt({"contact_id": contact["contact_id"], "channel": channel,
                                           "reached": reached, "agent_id": contact["agent_id"],
                                           "at": moment.isoformat()})
            if reached:
                outcome, acts = rng.choice(REACHED)
                service.resolve_case({"contact_id": contact["contact_id"], "outcome": outcome, "acts": acts,
                                      "agent_id": contact["agent_id"],
                                      "resolved_at": (moment + dt.timedelta(minutes=25)).isoformat()})
            if case["status"] == "resolved" or reached:  # the last failed attempt made it unreachable
                break
            moment += dt.timedelta(days=1)
    closed_at = dt.datetime.combine(day, dt.time(18), tzinfo=dt.timezone.utc)
    service.close_campaign({"campaign_id": campaign_id, "closed_at": closed_at.isoformat()})
    return {"campaign_id": campaign_id, "import": report}


def figures(rpc):
    figures = rpc.mediation_sortante.desk_figures(PIMMS)
    outcomes = ", ".join(f"{outcome} {n}" for outcome, n in figures["outcomes"].items() if n)
    return [
        f"Médiation sortante, PIMMS {PIMMS}",
        f"  campaigns closed     {figures['campaigns_closed']:>6}",
        f"  contacts             {figures['contacts']:>6}",
        f"  attempts             {figures['attempts']:>6}   ({figures['reached']} reached)",
        f"  outcomes             {outcomes}",
    ]
