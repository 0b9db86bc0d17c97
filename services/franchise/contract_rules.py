"""The rules of head office's register and social-franchise contracts: who may be registered again, what may
be signed, amended, suspended, reinstated or terminated, the terms checked whole, and the terms every change
publishes. Plain functions over plain data (terms as dicts, a contract as a `ContractState`). No database,
no broker: store.py reads, locks and writes, and calls these.

One association has at most one contract that is not terminated. Every change gives the association's
next revision (a contract signed after a termination continues the count, so the services' copies, kept
per association, never take the new contract for an old one) and publishes `contract_changed` with the
full terms. The terms are checked whole, after an amendment too, by `terms_errors`. The training floor's
range (0-100%) is the request's rule (shared/contracts/franchise.py), checked before these run."""
import datetime as dt
import uuid
from dataclasses import dataclass

from shared.contracts.common import MANDATES
from shared.errors import Conflict, InvalidRequest

TERMS = ("pimms_ids", "mandates", "conventions", "training_floor_pct", "valid_from", "valid_to")
SIGNED_STATUS = "active"
# change -> (statuses it applies to, status it leaves)
STATUS_CHANGES = {
    "suspended": (("active",), "suspended"),
    "reinstated": (("suspended",), "active"),
    "terminated": (("active", "suspended"), "terminated"),
}


@dataclass(frozen=True)
class ContractState:
    """A contract as the rules see it: `terms` normalized (see `normalized`), `covered_since` the day each
    desk was first covered, the instants aware (UTC)."""

    contract_id: str
    association_id: str
    status: str
    revision: int
    terms: dict
    covered_since: dict
    signed_at: dt.datetime
    updated_at: dt.datetime


# -- the register ---------------------------------------------------------------------------------------
def association_view(association_id, label):
    return {"association_id": association_id, "label": label}


def desk_view(pimms_id, association_id, label):
    return {"pimms_id": pimms_id, "association_id": association_id, "label": label}


def association_registered_again(known, req):
    """Registering the same association twice is harmless (the known one is the answer); under another
    label it is a conflict. `known` is an `association_view`.

    >>> association_registered_again(association_view("pimms-lyon", "PIMMS Lyon"),
    ...                              {"association_id": "pimms-lyon", "label": "PIMMS Lyon"})
    {'association_id': 'pimms-lyon', 'label': 'PIMMS Lyon'}"""
    if known["label"] != req["label"]:
        raise Conflict(f"association {known['association_id']} is already registered as {known['label']!r}")
    return known


def desk_registered_again(known, req):
    """Likewise for a desk (`known` is a `desk_view`): again to the same association under the same label."""
    if (known["association_id"], known["label"]) != (req["association_id"], req["label"]):
        raise Conflict(f"desk {known['pimms_id']} is already registered to {known['association_id']} "
                       f"as {known['label']!r}")
    return known


def check_association_known(association_id, registered):
    """A desk or a contract names a registered association, else the request is invalid."""
    if not registered:
        raise InvalidRequest({"association_id": [f"unknown association {association_id}"]})


# -- the terms, checked whole ---------------------------------------------------------------------------
def terms_errors(association_id, terms, desk_owners):
    """Every rule the terms break, as {field: rules} (list items by index, like marshmallow's errors).

    `desk_owners` maps each registered pimms_id to its association."""
    errors = {}
    desks = {}
    for i, pimms_id in enumerate(terms["pimms_ids"]):
        owner = desk_owners.get(pimms_id)
        if owner is None:
            desks[i] = [f"unknown desk {pimms_id}"]
        elif owner != association_id:
            desks[i] = [f"desk {pimms_id} belongs to association {owner}"]
        elif pimms_id in terms["pimms_ids"][:i]:
            desks[i] = [f"desk {pimms_id} is listed twice"]
    if desks:
        errors["pimms_ids"] = desks
    repeated = sorted({m for i, m in enumerate(terms["mandates"]) if m in terms["mandates"][:i]})
    if repeated:
        errors["mandates"] = [f"{', '.join(repeated)} listed twice"]
    if terms["valid_to"] is not None and terms["valid_to"] < terms["valid_from"]:
        errors["valid_to"] = ["must not be before valid_from"]
    conventions = {}
    for i, convention in enumerate(terms["conventions"]):
        problems = {}
        outside = [s for s in convention["scope"] if s not in terms["mandates"]]
        if outside:
            problems["scope"] = [f"{', '.join(outside)} is outside the contract's mandates"]
        if convention["valid_to"] is not None and convention["valid_to"] < convention["valid_from"]:
            problems["valid_to"] = ["must not be before valid_from"]
        else:
            for j, earlier in enumerate(terms["conventions"][:i]):
                if earlier["partner"] == convention["partner"] and _overlap(earlier, convention):
                    problems["valid_from"] = [f"overlaps convention {j} with the same partner "
                                              f"({convention['partner']}): one partner, one convention at a time"]
                    break
        if problems:
            conventions[i] = problems
    if conventions:
        errors["conventions"] = conventions
    return errors


def _overlap(a, b):
    never = dt.date.max
    return a["valid_from"] <= (b["valid_to"] or never) and b["valid_from"] <= (a["valid_to"] or never)


def normalized(terms):
    """One spelling of the terms, so that comparing two says whether anything changed."""
    return {
        "pimms_ids": sorted(terms["pimms_ids"]),
        "mandates": [m for m in MANDATES if m in terms["mandates"]],
        "conventions": sorted(
            ({"partner": c["partner"], "scope": [m for m in MANDATES if m in c["scope"]],
              "valid_from": c["valid_from"], "valid_to": c["valid_to"]} for c in terms["conventions"]),
            key=lambda c: (c["partner"], c["valid_from"])),
        "training_floor_pct": float(terms["training_floor_pct"]),
        "valid_from": terms["valid_from"], "valid_to": terms["valid_to"],
    }


def checked_terms(association_id, terms, desk_owners):
    """The terms normalized, or InvalidRequest naming every rule they break (`terms_errors`)."""
    errors = terms_errors(association_id, terms, desk_owners)
    if errors:
        raise InvalidRequest(errors)
    return normalized(terms)


def signed_terms(req):
    """The terms of a signing request (a loaded SignContractRequest gives them all)."""
    return {k: req[k] for k in TERMS}


def amended_terms(before, req):
    """Each term the amendment gives replaces the current one whole; the others stay as they are."""
    return {**before, **{k: req[k] for k in TERMS if k in req}}


def changes_anything(before, after):
    """Whether normalized terms differ: an amendment that changes nothing makes no revision and no event
    (a retried amendment is harmless)."""
    return after != before


def first_covered_day(terms, amended_on=None):
    """The day a desk joining the contract is covered from: the contract's start when it is signed; when it
    is amended (`amended_on`), that start or the amendment's day, whichever is later. A desk already under
    the contract keeps the day it was first covered."""
    return terms["valid_from"] if amended_on is None else max(terms["valid_from"], amended_on)


# -- the lifecycle --------------------------------------------------------------------------------------
def check_can_sign(association_id, live_status):
    """`live_status`: the status of the association's contract that is not terminated, None if none is."""
    if live_status is not None:
        raise Conflict(f"association {association_id} already has a {live_status} contract: amend it, "
                       "or terminate it before signing a new one")


def check_can_amend(association_id, status):
    if status == "terminated":
        raise Conflict(f"the contract of {association_id} is terminated: it cannot be amended; sign a new one")


def status_after(association_id, status, change):
    """The status a contract in `status` takes on `change` (a key of STATUS_CHANGES), or Conflict.

    >>> status_after("pimms-lyon", "active", "suspended")
    'suspended'"""
    allowed, after = STATUS_CHANGES[change]
    if status not in allowed:
        raise Conflict(f"the contract of {association_id} is {status}: "
                       f"only a {' or '.join(allowed)} contract can be {change}")
    return after


def next_revision(last):
    """The association's next revision after `last`, its highest so far (None before its first contract)."""
    return (last or 0) + 1


# -- what leaves the service ----------------------------------------------------------------------------
def contract_changed_payload(contract):
    """The `franchise.contract_changed` payload of a ContractState: the full terms, never a diff."""
    return {"contract_id": uuid.UUID(contract.contract_id), "revision": contract.revision,
            "status": contract.status, **contract.terms}


def contract_view(contract):
    """What head office reads of a ContractState (the RPC answers)."""
    terms = contract.terms
    return {
        "contract_id": contract.contract_id, "association_id": contract.association_id,
        "revision": contract.revision, "status": contract.status, "signed_at": _iso(contract.signed_at),
        "updated_at": _iso(contract.updated_at),
        "terms": {**terms, "valid_from": _iso(terms["valid_from"]), "valid_to": _iso(terms["valid_to"]),
                  "conventions": [{**c, "valid_from": _iso(c["valid_from"]), "valid_to": _iso(c["valid_to"])}
                                  for c in terms["conventions"]],
                  "covered_since": {p: _iso(day) for p, day in contract.covered_since.items()}},
    }


def history_terms(contract):
    """The terms a revision keeps in the contract's history: its status and the terms as read."""
    return {"status": contract.status, **contract_view(contract)["terms"]}


def _iso(value):
    return None if value is None else value.isoformat()
