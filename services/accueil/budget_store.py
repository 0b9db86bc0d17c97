"""Point Conseil Budget in accueil's database: a household's dossier (diagnosis, action plan, creditor
interventions, orientations, outcome) and its over-indebtedness file, what budget_rules.py decides applied,
the events it causes added to the outbox in the same unit of work. Under the franchise contract's
point_conseil_budget mandate only, at the reader's desks only."""
import uuid

from sqlalchemy import select

from services.accueil import budget_rules, case_rules, rules
from services.accueil.budget_views import dossier_closed_payload, dossier_opened_payload, stage_payload
from services.accueil.models import (
    BudgetDossier,
    BudgetOrientation,
    BudgetStep,
    CreditorIntervention,
    OverindebtednessFile,
)
from services.accueil.store import get_visit, named_in, of_the_desks
from shared import localtime
from shared.errors import NotFound, invalid

STAGE_DAY = {"built": "built_on", "filed": "filed_on", "admissibility": "admissibility_on",
             "orientation": "orientation_on", "closed": "closed_on"}


def open_dossier(uow, req, now, zone, contract, reader):
    session = uow.session
    visit = get_visit(session, req["visit_id"], reader)
    opened_at = rules.not_after_now(req["opened_at"], now, "opened_at")
    contract.check(budget_rules.MANDATE, pimms_id=visit.pimms_id, on=localtime.today(zone, opened_at))
    named = [(c.id, c.consent_purposes) for c in named_in(session, visit)]
    dossier = BudgetDossier(
        id=str(uuid.uuid4()), pimms_id=visit.pimms_id, citizen_id=budget_rules.dossier_holder(named, req["citizen_id"]),
        agent_id=req["agent_id"], origin=req["origin"], household=req["household"], status="open",
        opened_at=opened_at)
    session.add(dossier)
    uow.publish("accueil.budget_dossier_opened", dossier_opened_payload(dossier), pimms_id=dossier.pimms_id,
                occurred_at=opened_at)
    return dossier


def get_dossier(session, dossier_id, reader, for_update=False):
    return of_the_desks(session, BudgetDossier, dossier_id, reader, for_update, "budget dossier")


def _open(session, dossier_id, reader):
    dossier = get_dossier(session, dossier_id, reader, for_update=True)
    budget_rules.may_change(dossier.status, dossier.id)
    return dossier


def file_of(session, dossier_id):
    return session.scalar(select(OverindebtednessFile).where(OverindebtednessFile.dossier_id == dossier_id))


def record_diagnosis(session, req, now, reader):
    """The household's budget, diagnosed (again, if it changed): the amount left to live on computed."""
    dossier = _open(session, req["dossier_id"], reader)
    dossier.diagnosis = {name: [{k: str(v) for k, v in line.items()} for line in req[name]]
                         for name in ("resources", "charges", "debts")}
    dossier.remaining_cents = budget_rules.remaining_cents(req["resources"], req["charges"], req["debts"])
    dossier.recommendations, dossier.diagnosed_at = req["recommendations"], now
    return dossier


def plan_step(session, req, now, zone, reader):
    dossier = _open(session, req["dossier_id"], reader)
    today = localtime.today(zone, now)
    if req["step_id"] is None:
        step = BudgetStep(label=req["label"], due_on=req["due_on"])
        dossier.steps.append(step)
    else:
        step = next((s for s in dossier.steps if s.id == req["step_id"]), None)
        if step is None:
            raise NotFound(f"no step {req['step_id']} in budget dossier {dossier.id}")
        for field in ("label", "due_on"):
            if req[field] is not None:
                setattr(step, field, req[field])
    if req["done_on"] is not None:
        step.done_on = budget_rules.not_after(req["done_on"], today, "done_on")
        budget_rules.in_order(localtime.local_date(dossier.opened_at, zone), step.done_on, "done_on",
                              "the dossier was opened")
    return dossier


def record_intervention(session, req, now, zone, reader):
    dossier = _open(session, req["dossier_id"], reader)
    today = localtime.today(zone, now)
    budget_rules.not_after(req["asked_on"], today, "asked_on")
    if req["answered_on"] is not None:
        budget_rules.not_after(req["answered_on"], today, "answered_on")
        budget_rules.in_order(req["asked_on"], req["answered_on"], "answered_on", "the day it was asked")
    dossier.interventions.append(CreditorIntervention(
        creditor=req["creditor"], asked=req["asked"], asked_on=req["asked_on"], answer=req["answer"],
        answered_on=req["answered_on"]))
    return dossier


def add_orientation(session, req, now, zone, reader):
    dossier = _open(session, req["dossier_id"], reader)
    budget_rules.not_after(req["on"], localtime.today(zone, now), "on")
    dossier.orientations.append(BudgetOrientation(to=req["to"], on=req["on"]))
    return dossier


def close_dossier(uow, req, now, zone, reader):
    """The dossier's outcome: publishes accueil.budget_dossier_closed, once."""
    dossier = _open(uow.session, req["dossier_id"], reader)
    closed_at = rules.not_after_now(req["closed_at"], now, "closed_at")
    if closed_at < dossier.opened_at:
        raise invalid("closed_at", "must not be before the dossier was opened")
    dossier.status, dossier.outcome, dossier.closed_at = "closed", req["outcome"], closed_at
    days = case_rules.days_between(dossier.opened_at, closed_at, zone)
    uow.publish("accueil.budget_dossier_closed", dossier_closed_payload(dossier, days), pimms_id=dossier.pimms_id,
                occurred_at=closed_at)
    return dossier


def overindebtedness_stage(uow, req, now, zone, reader):
    """The dossier's over-indebtedness file moves to its next stage: publishes accueil.overindebtedness_stage."""
    session = uow.session
    dossier = get_dossier(session, req["dossier_id"], reader, for_update=True)
    file = file_of(session, dossier.id)
    last_on = None if file is None else getattr(file, STAGE_DAY[file.stage])
    budget_rules.next_stage(file and file.stage, req, file and file.admissible, last_on, dossier.status,
                            localtime.today(zone, now))
    if file is None:
        file = OverindebtednessFile(id=str(uuid.uuid4()), dossier_id=dossier.id, stage="built", built_on=req["on"])
        session.add(file)
    file.stage = req["stage"]
    setattr(file, STAGE_DAY[req["stage"]], req["on"])
    if req["stage"] == "admissibility":
        file.admissible = req["admissible"]
    if req["stage"] == "orientation":
        file.orientation = req["orientation"]
    days = None if file.filed_on is None else (req["on"] - file.filed_on).days
    uow.publish("accueil.overindebtedness_stage", stage_payload(file, dossier, days), pimms_id=dossier.pimms_id,
                occurred_at=now)
    return dossier, file


def list_dossiers(session, req, reader):
    rules.in_scope(reader, req["pimms_id"])
    query = select(BudgetDossier).where(BudgetDossier.pimms_id == req["pimms_id"])
    if req["status"] is not None:
        query = query.where(BudgetDossier.status == req["status"])
    return list(session.scalars(query.order_by(BudgetDossier.opened_at.desc()).limit(req["limit"])))
