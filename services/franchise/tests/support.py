"""What franchise's tests share: a worker on a real SQLite database, the register of one association with
its desks, contract terms to start from, and events as the associations' services send them."""
import datetime as dt
import uuid

from marshmallow import fields

from services.franchise.service import FranchiseService
from shared import envelope
from tests import kit

TODAY = dt.datetime.now(dt.timezone.utc).date()
YEAR_AGO = TODAY - dt.timedelta(days=365)


def worker(storage):
    # the handlers' apply_once names the consumer after the entrypoint: one name for the whole stream
    return kit.worker(FranchiseService, storage, context=kit.handling("stream"))


def register(franchise, association_id="pimms-lyon", desks=("lyon-8", "lyon-9")):
    franchise.register_association({"association_id": association_id, "label": f"PIMMS {association_id}"})
    for pimms_id in desks:
        franchise.register_desk({"pimms_id": pimms_id, "association_id": association_id, "label": pimms_id})


def contract(association_id="pimms-lyon", **changes):
    request = {
        "association_id": association_id, "pimms_ids": ["lyon-8", "lyon-9"],
        "mandates": ["accueil", "ateliers", "mediation_sortante"], "valid_from": YEAR_AGO.isoformat(),
        "conventions": [
            {"partner": "edf", "scope": ["accueil", "ateliers"], "valid_from": YEAR_AGO.isoformat()},
            {"partner": "sncf", "scope": ["accueil"], "valid_from": YEAR_AGO.isoformat(),
             "valid_to": (TODAY + dt.timedelta(days=365)).isoformat()},
        ],
    }
    request.update(changes)
    return request


# -- events of the associations' services -----------------------------------------------------------------
def visit_closed(day, registres, pimms_id="lyon-8", association_id="pimms-lyon"):
    closed = dt.datetime.combine(day, dt.time(11), tzinfo=dt.timezone.utc)
    return _event("accueil.visit_closed", {
        "visit_id": uuid.uuid4(), "agent_id": "agent-1",
        "visitors": [{"visitor_ref": "0" * 32, "first_visit": True}],
        "motif": {"kind": "generaliste", "partner": None, "domain": "caf"}, "acts": ["information"],
        "registres": registres, "outcome": "resolved", "waiting_min": None, "duration_min": 20,
        "opened_at": closed - dt.timedelta(minutes=20), "closed_at": closed,
    }, pimms_id, association_id, closed)


def workshop_held(day, registres, pimms_id="lyon-8", association_id="pimms-lyon"):
    return _event("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": "agent-1", "theme": "digital", "partner": None, "held_on": day,
        "attendees": 8, "duration_min": 90, "registres": registres,
    }, pimms_id, association_id)


def work_time(agent_id, monday, hours, revision=1, pimms_id="lyon-8", association_id="pimms-lyon"):
    return _event("formation.work_time_logged", {
        "agent_id": agent_id, "week": _week(monday), "hours": hours, "revision": revision,
    }, pimms_id, association_id)


def training(agent_id, monday, hours, pimms_id="lyon-8", association_id="pimms-lyon"):
    return _event("formation.training_logged", {
        "training_id": uuid.uuid4(), "agent_id": agent_id, "week": _week(monday), "hours": hours,
        "kind": "training", "topic": "mediation", "provider": "union-nationale",
    }, pimms_id, association_id)


def period_closed(month, sent_on, pimms_id=None, association_id="pimms-lyon", revision=1):
    """Reporting's figures for a month, sent on a day; the figures themselves do not matter here."""
    from shared.contracts.reporting import PeriodClosedV1

    sent = dt.datetime.combine(sent_on, dt.time(9), tzinfo=dt.timezone.utc)
    return _event("reporting.period_closed", {
        "period": month, "revision": revision, "threshold": 5, "suppressed": [],
        "figures": _blank(PeriodClosedV1().fields["figures"].schema),
    }, pimms_id, association_id, sent)


def _blank(schema):
    return {name: _blank(f.schema) if isinstance(f, fields.Nested) else None for name, f in schema.fields.items()}


def _week(monday):
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _event(event_type, payload, pimms_id, association_id, occurred_at=None):
    return envelope.load(envelope.build(event_type, payload, association_id=association_id, pimms_id=pimms_id,
                                        occurred_at=occurred_at))
