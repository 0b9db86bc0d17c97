"""A household's budget dossier as the desk reads it (Point Conseil Budget): its diagnosis with the amount
left to live on, its action plan with a form to add a step or mark one done, its creditor interventions,
orientations and over-indebtedness file. Reached from the desk's « Dossiers budget en cours »."""
from services.gateway import forms
from services.gateway.html import FORM_KEY, render
from services.gateway.web import redirect, request_key
from shared.contracts.accueil_budget import (
    CHARGE_KINDS,
    DEBT_KINDS,
    DOSSIER_OUTCOMES,
    HOUSEHOLDS,
    INTERVENTION_ANSWERS,
    ORIENTATIONS,
    ORIGINS,
    PROCEDURE_ORIENTATIONS,
    RESOURCE_KINDS,
    STAGE_LABELS,
)
from shared.errors import Conflict, ContractViolation, InvalidRequest


def _euros(amount):
    return f"{float(amount):,.2f} €".replace(",", " ").replace(".", ",")


def show(accueil, tokens, principal, dossier_id, errors=None, status=200):
    dossier = accueil.get_dossier(dossier_id)
    diagnosis = dossier["diagnosis"] or {}
    lines = [(RESOURCE_KINDS.get(r["kind"], r["kind"]), _euros(r["monthly"])) for r in diagnosis.get("resources", [])]
    charges = [(CHARGE_KINDS.get(c["kind"], c["kind"]), _euros(c["monthly"])) for c in diagnosis.get("charges", [])]
    debts = [(DEBT_KINDS.get(d["kind"], d["kind"]), d["creditor"], _euros(d["owed"]), _euros(d["monthly"]))
             for d in diagnosis.get("debts", [])]
    file = dossier["overindebtedness"]
    return render(
        "budget.html", f"Dossier budget : {ORIGINS.get(dossier['origin'], dossier['origin'])}", principal, tokens,
        status=status, errors=errors, dossier=dossier, resources=lines, charges=charges, debts=debts,
        household=HOUSEHOLDS.get(dossier["household"], dossier["household"]),
        remaining=None if dossier["remaining"] is None else _euros(dossier["remaining"]),
        outcome=DOSSIER_OUTCOMES.get(dossier["outcome"]), answers=INTERVENTION_ANSWERS, orientations_labels=ORIENTATIONS,
        stage=None if file is None else {**file, "label": STAGE_LABELS[file["stage"]],
                                         "path": PROCEDURE_ORIENTATIONS.get(file["orientation"])},
        open=dossier["status"] == "open", resource_kinds=list(RESOURCE_KINDS.items()),
        charge_kinds=list(CHARGE_KINDS.items()), debt_kinds=list(DEBT_KINDS.items()), debt_rows=range(forms.DEBT_ROWS))


def post_step(accueil, tokens, principal, dossier_id, form):
    """The plan's form: a new step (label and due date), or a step of the plan marked done on a day."""
    return _change(accueil, tokens, principal, dossier_id, form, accueil.plan_step, forms.plan_step)


def post_open(accueil, tokens, principal, form):
    """A dossier opened from a person's page, for them, from their latest visit at the account's desks."""
    try:
        request = forms.open_dossier(form)
        dossier = accueil.open_dossier({**request, "agent_id": principal.agent_id,
                                        "idempotency_key": request_key(principal, form.get(FORM_KEY))})
    except forms.FormErrors as exc:
        return _refused(tokens, principal, exc.lines, 400)
    except InvalidRequest as exc:
        return _refused(tokens, principal, forms.french(exc.errors), 400)
    except ContractViolation as exc:
        return _refused(tokens, principal, [f"Contrat de franchise : {exc.detail}"], 422)
    return redirect(f"/budget-dossiers/{dossier['dossier_id']}")


def post_diagnosis(accueil, tokens, principal, dossier_id, form):
    return _change(accueil, tokens, principal, dossier_id, form, accueil.record_diagnosis,
                   lambda form: forms.diagnosis(form, RESOURCE_KINDS, CHARGE_KINDS))


def _change(accueil, tokens, principal, dossier_id, form, call, read):
    """A form of the dossier's page sent to accueil (`read` turns it into the request of `call`): back to
    the dossier, or its page again with why it was refused."""
    try:
        call({**read(form), "dossier_id": dossier_id, "idempotency_key": request_key(principal, form.get(FORM_KEY))})
    except forms.FormErrors as exc:
        return show(accueil, tokens, principal, dossier_id, errors=exc.lines, status=400)
    except InvalidRequest as exc:
        return show(accueil, tokens, principal, dossier_id, errors=forms.french(exc.errors), status=400)
    except Conflict as exc:
        return show(accueil, tokens, principal, dossier_id, errors=[f"Impossible : {exc}"], status=409)
    return redirect(f"/budget-dossiers/{dossier_id}")


def _refused(tokens, principal, lines, status):
    return render("error.html", "Dossier budget non ouvert", principal, tokens, status=status, errors=lines,
                  text="Le dossier n'a pas été ouvert.", detail="")
