"""Head office's side of the demo, played first through franchise's real RPC: the demo association and
its two Lyon desks registered, and their contract signed a year before the demo day with the full mandate
and conventions with six partners, so every other service's demo activity is covered by it."""
import datetime as dt
import os

from shared.contracts.common import MANDATES

DESKS = {"lyon-8": "PIMMS Lyon 8e - Mermoz", "lyon-9": "PIMMS Lyon 9e - La Duchère"}
PARTNERS = ["edf", "engie", "sncf", "la_poste", "veolia", "keolis"]
CONVENTION_SCOPE = ["accueil", "ateliers", "mediation_sortante"]


def association_id():
    return os.environ.get("ASSOCIATION_ID", "pimms-lyon")


def play(rpc, day):
    franchise = rpc.franchise
    association = association_id()
    signed_on = day - dt.timedelta(days=365)
    franchise.register_association({"association_id": association, "label": "PIMMS de Lyon Métropole"})
    for pimms_id, label in DESKS.items():
        franchise.register_desk({"pimms_id": pimms_id, "association_id": association, "label": label})
    franchise.sign_contract({
        "association_id": association, "pimms_ids": sorted(DESKS), "mandates": list(MANDATES),
        "training_floor_pct": 9.0, "valid_from": signed_on.isoformat(),
        "conventions": [{"partner": partner, "scope": CONVENTION_SCOPE, "valid_from": signed_on.isoformat()}
                        for partner in PARTNERS],
        "note": "demo contract",
    })


def figures(rpc):
    franchise = rpc.franchise
    contract = franchise.get_contract(association_id())
    network = franchise.network_scorecard()
    lines = [f"Franchise contract of {contract['association_id']}: {contract['status']}, revision "
             f"{contract['revision']}, {len(contract['terms']['conventions'])} partner conventions, training "
             f"floor {contract['terms']['training_floor_pct']:.0f}%",
             f"Compliance (norm XP X60-600, 12 months to {network['as_of']}): "
             + ", ".join(f"{n} {status}" for status, n in network["totals"].items())]
    for desk in network["desks"]:
        share = "n/a" if desk["training_share_pct"] is None else f"{desk['training_share_pct']:.1f}%"
        lines.append(f"  {desk['pimms_id']:<8} {desk['status']:<8} registres {desk['registres_used']}/8, "
                     f"training {share}, figures late {len(desk['figures_late'])} missing "
                     f"{len(desk['figures_missing'])}" + (f"  ({', '.join(desk['reasons'])})" if desk["reasons"]
                                                          else ""))
    return lines
