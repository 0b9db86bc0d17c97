"""Head office's register and the social-franchise contracts: the rules of signing, amending, suspending,
reinstating and terminating one, and the terms every change publishes. Plain functions over a SQLAlchemy
session; events go out through `uow.publish`, in the same transaction as the change.

One association has at most one contract that is not terminated. Every change gives the association's
next revision (a contract signed after a termination continues the count, so the services' copies, kept
per association, never take the new contract for an old one) and publishes `contract_changed` with the
full terms. The terms are checked whole, after an amendment too, by `terms_errors`."""
import datetime as dt
import uuid

from sqlalchemy import func, select

from services.franchise.models import Association, Contract, ContractRevision, Convention, CoveredDesk, Desk
from shared.errors import Conflict, InvalidRequest, NotFound
from shared.contracts.common import MANDATES
from shared.db import as_utc

TERMS = ("pimms_ids", "mandates", "conventions", "training_floor_pct", "valid_from", "valid_to")
# change -> (statuses it applies to, status it leaves)
STATUS_CHANGES = {
    "suspended": (("active",), "suspended"),
    "reinstated": (("suspended",), "active"),
    "terminated": (("active", "suspended"), "terminated"),
}


# -- the register ---------------------------------------------------------------------------------------
def register_association(session, req, now):
    """Registering the same association twice is harmless; under another label it is a conflict."""
    known = session.get(Association, req["association_id"])
    if known is not None:
        if known.label != req["label"]:
            raise Conflict(f"association {known.id} is already registered as {known.label!r}")
        return association_view(known)
    association = Association(id=req["association_id"], label=req["label"], registered_at=now)
    session.add(association)
    return association_view(association)


def register_desk(session, req, now):
    if session.get(Association, req["association_id"]) is None:
        raise InvalidRequest({"association_id": [f"unknown association {req['association_id']}"]})
    known = session.get(Desk, req["pimms_id"])
    if known is not None:
        if (known.association_id, known.label) != (req["association_id"], req["label"]):
            raise Conflict(f"desk {known.id} is already registered to {known.association_id} as {known.label!r}")
        return desk_view(known)
    desk = Desk(id=req["pimms_id"], association_id=req["association_id"], label=req["label"], registered_at=now)
    session.add(desk)
    return desk_view(desk)


def association_view(association):
    return {"association_id": association.id, "label": association.label}


def desk_view(desk):
    return {"pimms_id": desk.id, "association_id": desk.association_id, "label": desk.label}


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


def current_terms(contract):
    return normalized({
        "pimms_ids": [d.pimms_id for d in contract.desks], "mandates": contract.mandates,
        "conventions": [{"partner": c.partner, "scope": c.scope, "valid_from": c.valid_from,
                         "valid_to": c.valid_to} for c in contract.conventions],
        "training_floor_pct": contract.training_floor_pct, "valid_from": contract.valid_from,
        "valid_to": contract.valid_to,
    })


def _checked(session, association_id, terms):
    owners = dict(session.execute(select(Desk.id, Desk.association_id).where(Desk.id.in_(terms["pimms_ids"]))).all())
    errors = terms_errors(association_id, terms, owners)
    if errors:
        raise InvalidRequest(errors)
    return normalized(terms)


# -- the lifecycle --------------------------------------------------------------------------------------
def sign_contract(uow, req, now):
    session = uow.session
    if _lock_association(session, req["association_id"]) is None:
        raise InvalidRequest({"association_id": [f"unknown association {req['association_id']}"]})
    live = _live_contract(session, req["association_id"])
    if live is not None:
        raise Conflict(f"association {req['association_id']} already has a {live.status} contract: amend it, "
                       "or terminate it before signing a new one")
    terms = _checked(session, req["association_id"], {k: req[k] for k in TERMS})
    contract = Contract(id=str(uuid.uuid4()), association_id=req["association_id"], status="active",
                        revision=_next_revision(session, req["association_id"]), signed_at=now, updated_at=now)
    _apply_terms(contract, terms, added_since=terms["valid_from"])
    session.add(contract)
    _record(uow, contract, "signed", req["note"], now)
    return contract


def amend_contract(uow, req, now):
    session = uow.session
    contract = _contract_to_change(session, req["association_id"])
    if contract.status == "terminated":
        raise Conflict(f"the contract of {contract.association_id} is terminated: it cannot be amended; "
                       "sign a new one")
    before = current_terms(contract)
    terms = _checked(session, contract.association_id, {**before, **{k: req[k] for k in TERMS if k in req}})
    if terms == before:
        return contract  # nothing changed: no revision, no event (a retried amendment is harmless)
    _apply_terms(contract, terms, added_since=max(terms["valid_from"], now.date()))
    contract.revision, contract.updated_at = _next_revision(session, contract.association_id), now
    _record(uow, contract, "amended", req["note"], now)
    return contract


def change_status(uow, req, change, now):
    """Suspend, reinstate or terminate: `change` is a key of STATUS_CHANGES."""
    allowed, status = STATUS_CHANGES[change]
    contract = _contract_to_change(uow.session, req["association_id"])
    if contract.status not in allowed:
        raise Conflict(f"the contract of {contract.association_id} is {contract.status}: "
                       f"only a {' or '.join(allowed)} contract can be {change}")
    contract.status, contract.updated_at = status, now
    contract.revision = _next_revision(uow.session, contract.association_id)
    _record(uow, contract, change, req["note"], now)
    return contract


def get_contract(session, association_id):
    """The association's contract: the one in force, else the last terminated one."""
    contract = session.scalars(select(Contract).where(Contract.association_id == association_id)
                               .order_by(Contract.revision.desc()).limit(1)).first()
    if contract is None:
        raise NotFound(f"no contract for association {association_id}")
    return contract


def contract_history(session, association_id):
    rows = session.scalars(select(ContractRevision).where(ContractRevision.association_id == association_id)
                           .order_by(ContractRevision.revision)).all()
    if not rows:
        raise NotFound(f"no contract for association {association_id}")
    return [{"revision": r.revision, "contract_id": r.contract_id, "change": r.change, "note": r.note,
             "changed_at": _iso(r.changed_at), "terms": r.terms} for r in rows]


def _lock_association(session, association_id):
    # every change of an association's contracts takes this row first: two changes never interleave
    return session.scalars(select(Association).where(Association.id == association_id).with_for_update()).first()


def _contract_to_change(session, association_id):
    if _lock_association(session, association_id) is None:
        raise NotFound(f"no association {association_id}")
    return get_contract(session, association_id)


def _live_contract(session, association_id):
    return session.scalars(select(Contract).where(Contract.association_id == association_id,
                                                  Contract.status != "terminated")).first()


def _next_revision(session, association_id):
    last = session.scalar(select(func.max(Contract.revision)).where(Contract.association_id == association_id))
    return (last or 0) + 1


def _apply_terms(contract, terms, added_since):
    """Set the terms; a desk added to a running contract is covered from `added_since`, the others keep
    the day they were first covered."""
    kept = {d.pimms_id: d for d in contract.desks}
    contract.desks = [kept.get(p) or CoveredDesk(pimms_id=p, covered_since=added_since) for p in terms["pimms_ids"]]
    contract.conventions = [Convention(**c) for c in terms["conventions"]]
    contract.mandates = terms["mandates"]
    contract.training_floor_pct = terms["training_floor_pct"]
    contract.valid_from, contract.valid_to = terms["valid_from"], terms["valid_to"]


def _record(uow, contract, change, note, now):
    uow.session.flush()
    uow.session.add(ContractRevision(association_id=contract.association_id, contract_id=contract.id,
                                     revision=contract.revision, change=change, note=note, changed_at=now,
                                     terms={"status": contract.status, **contract_view(contract)["terms"]}))
    uow.publish("franchise.contract_changed", contract_changed_payload(contract), pimms_id=None,
                association_id=contract.association_id, occurred_at=now)


# -- what leaves the service ----------------------------------------------------------------------------
def contract_changed_payload(contract):
    terms = current_terms(contract)
    return {"contract_id": uuid.UUID(contract.id), "revision": contract.revision, "status": contract.status,
            **terms}


def contract_view(contract):
    terms = current_terms(contract)
    return {
        "contract_id": contract.id, "association_id": contract.association_id, "revision": contract.revision,
        "status": contract.status, "signed_at": _iso(contract.signed_at), "updated_at": _iso(contract.updated_at),
        "terms": {**terms, "valid_from": _iso(terms["valid_from"]), "valid_to": _iso(terms["valid_to"]),
                  "conventions": [{**c, "valid_from": _iso(c["valid_from"]), "valid_to": _iso(c["valid_to"])}
                                  for c in terms["conventions"]],
                  "covered_since": {d.pimms_id: _iso(d.covered_since) for d in contract.desks}},
    }


def _iso(value):
    return None if value is None else as_utc(value).isoformat()
