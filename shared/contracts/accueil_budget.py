"""Accueil's Point Conseil Budget (PCB): budget dossiers of households and their over-indebtedness files, the
events they publish and the requests they accept. Part of accueil's contract (shared/contracts/accueil.py
imports it). A household's figures (resources, charges, debts, creditors) stay in accueil's database: events
carry codes, counts, durations and bands, never an amount, a creditor's name or a person.

The label's commitments, as the dossier records them: inform and advise; identify fragile households and make
with them a full diagnosis, recommendations and orientations; accompany the over-indebtedness procedure (the
Banque de France commission) and intervene with creditors; report the year's activity to the State."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.accueil import RECORD_NUMBER
from shared.contracts.common import RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema
from shared.types import Instant

ORIGINS = {"walk_in": "Venue spontanée", "partner": "Partenaire", "bank": "Banque (Aide-Budget)",
           "social_worker": "Travailleur social", "cresus": "Crésus", "other": "Autre"}
HOUSEHOLDS = {"single": "Personne seule", "single_parent": "Famille monoparentale", "couple": "Couple sans enfant",
              "couple_children": "Couple avec enfants", "other": "Autre"}
RESOURCE_KINDS = {"wages": "Salaires", "benefits": "Prestations sociales", "pension": "Retraite",
                  "unemployment": "Allocations chômage", "other": "Autres ressources"}
CHARGE_KINDS = {"housing": "Logement", "energy": "Énergie", "insurance": "Assurances", "transport": "Transport",
                "telecom": "Téléphone et internet", "food": "Alimentation", "children": "Enfants",
                "taxes": "Impôts", "other": "Autres charges"}
DEBT_KINDS = {"consumer_credit": "Crédit à la consommation", "mortgage": "Crédit immobilier",
              "rent_arrears": "Loyers impayés", "energy_arrears": "Impayés d'énergie", "tax": "Dette fiscale",
              "overdraft": "Découvert bancaire", "other": "Autre dette"}
ORIENTATIONS = {"pcb_expert": "Plateforme PCB 2 (expertise)", "cresus": "Crésus", "social_worker": "Travailleur social",
                "bank": "Banque", "other": "Autre"}
DOSSIER_OUTCOMES = {"stabilised": "Budget rééquilibré", "plan_agreed": "Plan avec les créanciers",
                    "overindebtedness": "Procédure de surendettement", "oriented": "Orienté",
                    "abandoned": "Sans nouvelles du ménage"}
INTERVENTION_ANSWERS = {"accepted": "Accepté", "partial": "Accepté en partie", "refused": "Refusé",
                        "no_answer": "Sans réponse"}
# the over-indebtedness procedure, in order: each stage only after the one before it
STAGES = ("built", "filed", "admissibility", "orientation", "closed")
STAGE_LABELS = {"built": "Dossier constitué", "filed": "Déposé à la commission", "admissibility": "Recevabilité",
                "orientation": "Orientation", "closed": "Clos"}
PROCEDURE_ORIENTATIONS = {"plan_conventionnel": "Plan conventionnel", "mesures_imposees": "Mesures imposées",
                          "rp_sans_liquidation": "Rétablissement personnel sans liquidation",
                          "rp_avec_liquidation": "Rétablissement personnel avec liquidation"}
# what leaves the dossier of the amount left to live on: a band, never the amount
REMAINING_BANDS = ("negative", "under_200", "200_400", "400_800", "over_800")
def _amount(value):
    # a function, not validate.Range: the API's description would show the range's Decimals as strings
    if not 0 <= value <= 10_000_000:
        raise ValidationError("must be an amount between 0 and 10,000,000 euros")


def Amount(**kwargs):  # noqa: N802 (a field, named as one)
    """Euros and cents, never negative: a number (or its text) in the API, a Decimal once loaded."""
    return fields.Decimal(places=2, as_string=True, validate=_amount,
                          metadata={"minimum": 0, "maximum": 10_000_000}, **kwargs)
TEXT = validate.Length(min=1, max=300)
DAYS = validate.Range(min=0, max=36500)


# -- events -------------------------------------------------------------------------------------------------
@event_schema("accueil.budget_dossier_opened", 1)
class BudgetDossierOpenedV1(PayloadSchema):
    """A budget dossier opened for a household, with its consent: how it came, its composition (coarse)."""

    dossier_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    origin = fields.String(required=True, validate=one_of(ORIGINS))
    household = fields.String(required=True, validate=one_of(HOUSEHOLDS))
    opened_at = fields.AwareDateTime(required=True)


@event_schema("accueil.budget_dossier_closed", 1)
class BudgetDossierClosedV1(PayloadSchema):
    """A budget dossier closed: its outcome and duration, and what the accompaniment held, as counts and a
    band of the amount left to live on at the diagnosis (none if no diagnosis was made)."""

    dossier_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    origin = fields.String(required=True, validate=one_of(ORIGINS))
    household = fields.String(required=True, validate=one_of(HOUSEHOLDS))
    outcome = fields.String(required=True, validate=one_of(DOSSIER_OUTCOMES))
    days_open = fields.Integer(required=True, validate=DAYS)
    diagnosed = fields.Boolean(required=True)
    remaining_band = fields.String(required=True, allow_none=True, validate=one_of(REMAINING_BANDS))
    plan_steps = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    plan_steps_done = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    interventions = fields.Dict(keys=fields.String(validate=one_of(INTERVENTION_ANSWERS)),
                                values=fields.Integer(validate=validate.Range(min=0, max=1000)), required=True)
    orientations = fields.List(fields.String(validate=one_of(ORIENTATIONS)), required=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(required=True)


@event_schema("accueil.overindebtedness_stage", 1)
class OverindebtednessStageV1(PayloadSchema):
    """An over-indebtedness file reached a stage of the procedure (Banque de France commission): when, and
    at admissibility its decision, at orientation the commission's path."""

    file_id = fields.UUID(required=True)
    dossier_id = fields.UUID(required=True)
    origin = fields.String(required=True, validate=one_of(ORIGINS))
    stage = fields.String(required=True, validate=one_of(STAGES))
    stage_on = fields.Date(required=True)
    admissible = fields.Boolean(required=True, allow_none=True)
    orientation = fields.String(required=True, allow_none=True, validate=one_of(PROCEDURE_ORIENTATIONS))
    days_since_filed = fields.Integer(required=True, allow_none=True, validate=DAYS)


# -- requests -----------------------------------------------------------------------------------------------
class OpenDossierRequest(RequestSchema):
    """A dossier opened from a visit, for the person named in it: they must have consented to be followed
    (follow_up), which covers the budget accompaniment they ask for."""

    visit_id = fields.UUID(required=True)
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    agent_id = fields.String(required=True, validate=CODE)
    origin = fields.String(required=True, validate=one_of(ORIGINS))
    household = fields.String(required=True, validate=one_of(HOUSEHOLDS))
    opened_at = Instant(load_default=None)  # recorded after the fact (default: now); never in the future


class LineSchema(RequestSchema):
    kind = fields.String(required=True)
    monthly = Amount(required=True)


class DebtSchema(RequestSchema):
    kind = fields.String(required=True, validate=one_of(DEBT_KINDS))
    creditor = fields.String(required=True, validate=validate.Length(min=1, max=100))
    owed = Amount(required=True)
    monthly = Amount(load_default="0")


class DiagnosisRequest(RequestSchema):
    """The household's budget as diagnosed: monthly resources and charges by kind, debts by kind and
    creditor, and the recommendations made. The amount left to live on is computed, never typed."""

    dossier_id = fields.UUID(required=True)
    resources = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(max=30))
    charges = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(max=30))
    debts = fields.List(fields.Nested(DebtSchema), load_default=list, validate=validate.Length(max=50))
    recommendations = fields.String(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def _kinds(self, data, **kwargs):
        for name, kinds in (("resources", RESOURCE_KINDS), ("charges", CHARGE_KINDS)):
            for index, line in enumerate(data.get(name, [])):
                if line["kind"] not in kinds:
                    raise ValidationError({index: {"kind": [f"must be one of: {', '.join(sorted(kinds))}"]}}, name)


class PlanStepRequest(RequestSchema):
    """A step of the action plan (`step_id` absent: a new one), or a step marked done on a day."""

    dossier_id = fields.UUID(required=True)
    step_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    label = fields.String(load_default=None, validate=TEXT)
    due_on = fields.Date(load_default=None)
    done_on = fields.Date(load_default=None)

    @validates_schema
    def _new_or_done(self, data, **kwargs):
        if data.get("step_id") is None and (data.get("label") is None or data.get("due_on") is None):
            raise ValidationError("a new step has a label and a due date", "label")


class InterventionRequest(RequestSchema):
    """An intervention with a creditor: who, what was asked, on which day, and its answer when it came."""

    dossier_id = fields.UUID(required=True)
    creditor = fields.String(required=True, validate=validate.Length(min=1, max=100))
    asked = fields.String(required=True, validate=TEXT)
    asked_on = fields.Date(required=True)
    answer = fields.String(load_default=None, validate=one_of(INTERVENTION_ANSWERS))
    answered_on = fields.Date(load_default=None)

    @validates_schema
    def _answer_dated(self, data, **kwargs):
        if (data.get("answer") is None) != (data.get("answered_on") is None):
            raise ValidationError("an answer comes with its date, and a date with its answer", "answered_on")


class OrientationRequest(RequestSchema):
    dossier_id = fields.UUID(required=True)
    to = fields.String(required=True, validate=one_of(ORIENTATIONS))
    on = fields.Date(required=True)


class CloseDossierRequest(RequestSchema):
    dossier_id = fields.UUID(required=True)
    outcome = fields.String(required=True, validate=one_of(DOSSIER_OUTCOMES))
    closed_at = Instant(load_default=None)


class StageRequest(RequestSchema):
    """The over-indebtedness file of a dossier moves to its next stage, on a day: `built` opens it;
    `admissibility` says whether the commission found it admissible; `orientation` names the path."""

    dossier_id = fields.UUID(required=True)
    stage = fields.String(required=True, validate=one_of(STAGES))
    on = fields.Date(required=True)
    admissible = fields.Boolean(load_default=None)
    orientation = fields.String(load_default=None, validate=one_of(PROCEDURE_ORIENTATIONS))

    @validates_schema
    def _decision(self, data, **kwargs):
        if (data.get("stage") == "admissibility") != (data.get("admissible") is not None):
            raise ValidationError("the admissibility stage says whether the file is admissible, and only it",
                                  "admissible")
        if (data.get("stage") == "orientation") != (data.get("orientation") is not None):
            raise ValidationError("the orientation stage names the commission's path, and only it", "orientation")


class GetDossierRequest(RequestSchema):
    dossier_id = fields.UUID(required=True)


class ListDossiersRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(("open", "closed")))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
