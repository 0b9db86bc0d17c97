"""The desk page's forms as requests: what a person typed becomes the same request the JSON API takes, checked
by the same schemas before anything is sent, so a visit is never recorded half; each broken rule becomes a
French message naming the field."""
from marshmallow import ValidationError

from services.gateway.schemas import (
    DOSSIER_CHANGES,
    CaseChange,
    DeskCloseRequest,
    DeskDossierRequest,
    DeskRecordRequest,
    DeskVisitRequest,
    DeskWorkshopRequest,
)
from shared.errors import schema_of

FIELD_LABELS = {
    "pimms_id": "PIMMS", "motif": "Motif", "partner": "Partenaire", "domain": "Motif", "kind": "Acte",
    "acts": "Actes de médiation", "registres": "Registres", "outcome": "Issue", "duration_min": "Durée",
    "waiting_min": "Attente", "participants": "Personne", "citizen": "Personne nommée", "citizen_id": "N° de fiche",
    "first_name": "Prénom", "last_name": "Nom", "phone": "Téléphone", "email": "Courriel",
    "consent": "Consentement", "follow_up": "Suivi", "resources": "Ressources", "charges": "Charges",
    "debts": "Dettes", "monthly": "Montant mensuel", "owed": "Restant dû", "creditor": "Créancier",
    "origin": "Venue par", "household": "Ménage", "recommendations": "Recommandations", "next_action": "Prochaine action", "due_on": "Pour le", "status": "État",
    "theme": "Thème", "held_on": "Date", "attendees": "Participants", "_form": "Formulaire",
}
MESSAGES = {
    "Missing data for required field.": "à renseigner",
    "Field may not be null.": "à renseigner",
    "Not a valid integer.": "nombre entier attendu",
    "Not a valid date.": "date attendue",
    "Not a valid email address.": "adresse de courriel non valable",
    "Shorter than minimum length 1.": "choisissez-en au moins un",
    "must be between 0 and 600 minutes": "entre 0 et 600 minutes",
    "naming a citizen requires their recorded consent": "cochez le consentement de la personne",
    "a new citizen needs first_name and last_name": "prénom et nom, ou un n° de fiche",
    "a new step has a label and a due date": "une nouvelle étape a un libellé et une date",
    "must be an amount between 0 and 10,000,000 euros": "un montant entre 0 et 10 000 000 €",
    "a follow-up opened with a visit's close has a next action and a due date":
        "indiquez la prochaine action et sa date",
    "a phone or an e-mail is kept only with consent to the purpose contact: add it, or leave them out":
        "cochez « accepte d'être recontactée » ou laissez téléphone et courriel vides",
}


def french(errors, prefix=None):
    """Flatten marshmallow's nested errors into 'Label : règle' lines."""
    lines = []
    for name, rules in errors.items():
        label = FIELD_LABELS.get(str(name), prefix or str(name))
        if isinstance(rules, dict):
            lines += french(rules, label)
            continue
        for rule in rules if isinstance(rules, list) else [rules]:
            if isinstance(rule, dict):
                lines += french(rule, label)
                continue
            text = MESSAGES.get(rule) or _translate(rule)
            lines.append(f"{label} : {text}")
    return lines


def _translate(rule):
    if rule.startswith("must be one of"):
        return "valeur inconnue"
    if rule.startswith("Must be greater than or equal to"):
        return "hors des limites : " + rule.replace("Must be greater than or equal to", "au moins") \
            .replace("and less than or equal to", "et au plus").rstrip(".")
    return rule


class FormErrors(Exception):
    def __init__(self, lines):
        super().__init__("; ".join(lines))
        self.lines = lines


def _number(form, name):
    value = (form.get(name) or "").strip()
    return int(value) if value.isdigit() else (value or None)


def visit_request(form):
    """The new-visit form as (kind, request): `action=record` ("record", a DeskRecordRequest: a visit that is
    over, lasting `duration`, recorded as it ends), `action=open` ("open", a DeskVisitRequest: one in
    progress). Neither carries an instant of its own: the same form sent twice is the same request."""
    motif_code = form.get("motif") or ""
    kind, _, code = motif_code.partition(":")
    motif = {"kind": kind, "partner": code} if kind == "partenaire" else {"kind": kind, "domain": code}
    request = {"motif": motif if motif_code else None, "acts": [{"kind": act} for act in form.getlist("acts")],
               "participants": [_participant(form)]}
    if form.get("pimms_id"):
        request["pimms_id"] = form["pimms_id"]
    if _number(form, "waiting_min") is not None:
        request["waiting_min"] = _number(form, "waiting_min")
    if form.get("action", "record") == "open":
        lines = _check(DeskVisitRequest, request)
        if lines:
            raise FormErrors(lines)
        return "open", request
    lines = []
    if not form.getlist("acts"):
        lines.append("Actes de médiation : cochez au moins un acte pour une visite terminée")
    if _number(form, "duration_min") is None:
        lines.append("Durée : indiquez la durée d'une visite terminée")
    request.update(_close(form))
    lines += _check(DeskRecordRequest, request)
    if lines:
        raise FormErrors(sorted(set(lines), key=lines.index))
    return "record", request


def close_request(form):
    """The close form of a visit in progress: its acts (added as it closes), registres, issue, optional
    duration; one request."""
    close = {**_close(form), "acts": [{"kind": act} for act in form.getlist("acts")]}
    lines = _check(DeskCloseRequest, close)
    if lines:
        raise FormErrors(lines)
    return close


def workshop_request(form, pimms_id):
    request = {"pimms_id": pimms_id, "theme": form.get("theme") or None, "held_on": form.get("held_on") or None,
               "attendees": _number(form, "attendees"), "duration_min": _number(form, "duration_min"),
               "registres": form.getlist("registres")}
    if form.get("partner"):
        request["partner"] = form["partner"]
    lines = _check(DeskWorkshopRequest, request)
    if lines:
        raise FormErrors(lines)
    return request


def _close(form):
    close = {"registres": form.getlist("registres"), "outcome": form.get("outcome") or None}
    if (form.get("suivi_action") or "").strip():  # opens a follow-up from this visit
        close["follow_up"] = {"next_action": form["suivi_action"].strip(), "due_on": form.get("suivi_due") or None}
    if _number(form, "duration_min") is not None:
        close["duration_min"] = _number(form, "duration_min")
    return close


def _participant(form):
    """Anonymous by default; a known record by its number, or a new named person with their consent."""
    person = {}
    for name in ("gender", "age_band"):
        if form.get(name):
            person[name] = form[name]
    if (form.get("citizen_id") or "").strip():
        person["citizen"] = {"citizen_id": _number(form, "citizen_id")}
    elif any((form.get(name) or "").strip() for name in ("first_name", "last_name", "phone", "email")):
        citizen = {name: form[name].strip() for name in ("first_name", "last_name", "phone", "email")
                   if (form.get(name) or "").strip()}
        if form.get("consent") == "oui":  # given now: accueil records when
            purposes = ["follow_up"] + (["contact"] if form.get("consent_contact") == "oui" else [])
            citizen["consent"] = {"channel": form.get("consent_channel") or "oral", "purposes": purposes}
        person["citizen"] = citizen
    return person


def _check(schema, request):
    try:
        schema_of(schema).load({k: v for k, v in request.items() if v is not None})
    except ValidationError as exc:
        return french(exc.messages)
    return []


def case_change(form):
    """A follow-up's form: its next action, due date and what it waits for; an outcome chosen closes it."""
    change = {"next_action": (form.get("next_action") or "").strip() or None, "due_on": form.get("due_on") or None}
    if form.get("outcome"):
        change.update(status="closed", outcome=form["outcome"])
    elif form.get("status"):
        change["status"] = form["status"]
    lines = _check(CaseChange, change)
    if lines:
        raise FormErrors(lines)
    return {k: v for k, v in change.items() if v is not None}


def plan_step(form):
    """The plan's form: a step chosen and the day it was done, or a new step (done already, or not)."""
    step_id = _number(form, "step_id")
    if step_id is not None:
        if not form.get("done_on"):
            raise FormErrors(["Faite le : indiquez le jour où l'étape a été faite"])
        change = {"step_id": step_id, "done_on": form["done_on"]}
    else:
        change = {"label": (form.get("label") or "").strip() or None, "due_on": form.get("due_on") or None,
                  "done_on": form.get("done_on") or None}
    lines = _check(DOSSIER_CHANGES["steps"], change)
    if lines:
        raise FormErrors(lines)
    return {k: v for k, v in change.items() if v is not None}


DEBT_ROWS = 3  # the diagnosis form's debt lines; a household with more records them over the API


def open_dossier(form):
    request = {"visit_id": form.get("visit_id") or None, "citizen_id": _number(form, "citizen_id"),
               "origin": form.get("origin") or None, "household": form.get("household") or None}
    lines = _check(DeskDossierRequest, request)
    if lines:
        raise FormErrors(lines)
    return {k: v for k, v in request.items() if v is not None}


def diagnosis(form, resource_kinds, charge_kinds):
    """The diagnosis form: one monthly amount per kind of resource and charge (blank: none), up to three debts
    (kind, creditor, still owed, monthly), the recommendations. French decimals (1 234,56) are read."""
    def amount(name):
        value = (form.get(name) or "").replace(" ", "").replace("\u202f", "").replace(",", ".")
        return value or None
    request = {
        "resources": [{"kind": k, "monthly": amount(f"res_{k}")} for k in resource_kinds if amount(f"res_{k}")],
        "charges": [{"kind": k, "monthly": amount(f"chg_{k}")} for k in charge_kinds if amount(f"chg_{k}")],
        "debts": [{"kind": form.get(f"debt_kind_{i}"), "creditor": (form.get(f"debt_creditor_{i}") or "").strip(),
                   "owed": amount(f"debt_owed_{i}"), "monthly": amount(f"debt_monthly_{i}") or "0"}
                  for i in range(DEBT_ROWS) if form.get(f"debt_kind_{i}")],
        "recommendations": (form.get("recommendations") or "").strip() or None,
    }
    lines = _check(DOSSIER_CHANGES["diagnosis"], request)
    if lines:
        raise FormErrors(lines)
    return request
