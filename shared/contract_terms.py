"""A service's local copy of its association's franchise contract, and the rules it enforces from it.

Services that record activity keep the terms of the last `franchise.contract_changed` they applied, and
check every new activity against them, so they keep enforcing the contract while the franchise service or
head office is unreachable. Each refusal is a ContractViolation naming the rule."""
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from shared.db import utcnow
from shared.errors import ContractViolation
from shared.tables import contract_terms


@dataclass(frozen=True)
class Convention:
    partner: str
    scope: tuple
    valid_from: dt.date
    valid_to: dt.date | None

    def covers(self, partner, activity, day):
        return (self.partner == partner and activity in self.scope and self.valid_from <= day
                and (self.valid_to is None or day <= self.valid_to))


@dataclass(frozen=True)
class Terms:
    association_id: str
    revision: int
    pimms_ids: tuple
    mandates: tuple
    conventions: tuple
    training_floor_pct: float
    status: str
    valid_from: dt.date
    valid_to: dt.date | None

    @classmethod
    def from_payload(cls, association_id, payload):
        """From a loaded `contract_changed` payload (dates as dates)."""
        return cls(
            association_id=association_id, revision=payload["revision"],
            pimms_ids=tuple(payload["pimms_ids"]), mandates=tuple(payload["mandates"]),
            conventions=tuple(Convention(c["partner"], tuple(c["scope"]), c["valid_from"], c["valid_to"])
                              for c in payload["conventions"]),
            training_floor_pct=float(payload["training_floor_pct"]), status=payload["status"],
            valid_from=payload["valid_from"], valid_to=payload["valid_to"],
        )

    def to_json(self):
        return {
            "revision": self.revision, "pimms_ids": list(self.pimms_ids), "mandates": list(self.mandates),
            "conventions": [{"partner": c.partner, "scope": list(c.scope), "valid_from": c.valid_from.isoformat(),
                             "valid_to": c.valid_to and c.valid_to.isoformat()} for c in self.conventions],
            "training_floor_pct": self.training_floor_pct, "status": self.status,
            "valid_from": self.valid_from.isoformat(), "valid_to": self.valid_to and self.valid_to.isoformat(),
        }

    @classmethod
    def from_json(cls, association_id, doc):
        day = dt.date.fromisoformat
        return cls.from_payload(association_id, {
            **doc, "valid_from": day(doc["valid_from"]), "valid_to": doc["valid_to"] and day(doc["valid_to"]),
            "conventions": [{**c, "valid_from": day(c["valid_from"]), "valid_to": c["valid_to"] and day(c["valid_to"])}
                            for c in doc["conventions"]],
        })

    def check(self, activity, *, pimms_id, on, partner=None):
        """Raise ContractViolation unless the contract covers `activity` at `pimms_id` on day `on`."""
        if self.status == "suspended":
            raise ContractViolation("association_suspended", f"association {self.association_id} is suspended")
        if self.status == "terminated":
            raise ContractViolation("contract_terminated", f"the contract of {self.association_id} is terminated")
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            raise ContractViolation("contract_not_in_force", f"the contract is not in force on {on}")
        if pimms_id not in self.pimms_ids:
            raise ContractViolation("desk_not_covered", f"desk {pimms_id} is not covered by the contract")
        if activity not in self.mandates:
            raise ContractViolation("outside_mandate", f"the mandate does not cover {activity}")
        if partner is not None and not any(c.covers(partner, activity, on) for c in self.conventions):
            raise ContractViolation("no_convention",
                                    f"no convention with {partner} covers {activity} on {on}")


def apply_contract_changed(uow, event):
    """Keep the newest terms per association; an older revision arriving late changes nothing, even when
    two revisions are applied at the same moment: the row is locked, and the update itself only replaces
    an older revision. (Two first copies inserted at once: the primary key fails one, which is retried.)"""
    terms = Terms.from_payload(event.association_id, event.payload)
    mine = contract_terms.c.association_id == terms.association_id
    row = uow.session.execute(select(contract_terms.c.revision).where(mine).with_for_update()).first()
    if row is not None and row.revision >= terms.revision:
        return "stale"
    values = {"revision": terms.revision, "terms": terms.to_json(), "received_at": utcnow()}
    if row is None:
        uow.session.execute(contract_terms.insert().values(association_id=terms.association_id, **values))
        return "applied"
    changed = uow.session.execute(contract_terms.update().where(
        mine, contract_terms.c.revision < terms.revision).values(**values)).rowcount
    return "applied" if changed else "stale"


def current_terms(session, association_id):
    row = session.execute(
        select(contract_terms.c.terms).where(contract_terms.c.association_id == association_id)).first()
    return None if row is None else Terms.from_json(association_id, row.terms)


class Enforcer:
    """What a service calls before recording an activity. With enforcement off (config
    CONTRACT_ENFORCEMENT: false, for a stack without a franchise contract yet) it allows everything."""

    def __init__(self, session, association_id, enabled=True):
        self.session, self.association_id, self.enabled = session, association_id, enabled

    def check(self, activity, *, pimms_id, on, partner=None):
        if not self.enabled:
            return
        terms = current_terms(self.session, self.association_id)
        if terms is None:
            raise ContractViolation("no_contract", f"no franchise contract received for {self.association_id}")
        terms.check(activity, pimms_id=pimms_id, on=on, partner=partner)


def revision(session, association_id):
    """The revision of the terms this service holds, or None: lets a caller wait until a contract arrived."""
    terms = current_terms(session, association_id)
    return None if terms is None else terms.revision
