"""Accueil's follow-ups (suivis) and referrals (mises en relation): the events they publish and the requests
they accept. Part of accueil's contract (shared/contracts/accueil.py imports it, so its events register with
the rest).

A follow-up keeps the thread of a person's procedure across visits: a motif, a next action and its due date,
an owner, a status. A referral hands a question to a partner under a convention and waits for its answer.
Events carry codes, counts and durations, never a person: no visitor_ref, no record number, no free text."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.accueil import RECORD_NUMBER, MotifSchema
from shared.contracts.common import ENCODINGS, MAX_FILE_CHARS, PARTNERS, Base64, RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema
from shared.types import Instant

CASE_STATUSES = {"open": "Ouvert", "waiting_person": "En attente de la personne",
                 "waiting_partner": "En attente d'un partenaire", "closed": "Clos"}
OPEN_STATUSES = ("open", "waiting_person", "waiting_partner")
CASE_OUTCOMES = {"resolved": "Résolu", "unresolved": "Non résolu", "referred": "Orienté vers un partenaire",
                 "abandoned": "Sans nouvelles de la personne"}
REFERRAL_STATUSES = {"sent": "Envoyée", "acknowledged": "Accusé de réception", "answered": "Réponse reçue"}
REFERRAL_ANSWERS = {"resolved": "Résolu", "refused": "Refusé", "redirected": "Réorienté"}
REFUSAL_REASONS = {"not_eligible": "Non éligible", "incomplete": "Dossier incomplet",
                   "not_competent": "Hors de sa compétence", "already_handled": "Déjà traité", "other": "Autre"}
TEXT = validate.Length(min=1, max=300)  # a next action, what was asked: kept in accueil, never in an event
DAYS = validate.Range(min=0, max=36500)

# The partners' answers files, as each partner sends back its answers to a desk's referrals: `columns` maps
# what is read to the partner's headers (matched without regard to case, accents or spacing, as médiation
# sortante's contact files); `answers`, `reasons` and `partners` map the partner's words (matched the same
# way) to our codes, an answer word to `acknowledged` saying the partner has the referral in hand. A refusal's
# reason or the partner redirected to is in a column of its own (`reason`, `redirected_to`), in one column for
# both (`detail`), or after the answer in its cell, past a spaced dash (`detail_in_answer`: "Refusé - dossier
# incomplet"). `dates`: the forms the partner writes a day in. Parsed by services/accueil/answer_file.py.
ACKNOWLEDGED = "acknowledged"


def _codes_or_labels(codes):
    return {**{code: code for code in codes}, **{label: code for code, label in codes.items()}}


ANSWER_FILE_FORMATS = {
    "caf": {
        "delimiter": ";",
        "columns": {"referral_id": ["Référence PIMMS"], "answer": ["Décision"], "answered_on": ["Date de décision"]},
        "detail_in_answer": True,
        "dates": ["%d/%m/%Y"],
        "answers": {"Accordé": "resolved", "Droit ouvert": "resolved", "Refusé": "refused", "Réorienté": "redirected",
                    "Reçu": ACKNOWLEDGED, "En cours d'instruction": ACKNOWLEDGED},
        "reasons": {"Dossier incomplet": "incomplete", "Pièces manquantes": "incomplete",
                    "Conditions non remplies": "not_eligible", "Ressources supérieures au plafond": "not_eligible",
                    "Hors compétence CAF": "not_competent", "Déjà traité": "already_handled", "Autre motif": "other"},
        "partners": {"CPAM": "cpam", "France Travail": "france_travail", "Pôle emploi": "france_travail",
                     "Crésus": "cresus"},
    },
    "cpam": {
        "delimiter": ",",
        "columns": {"referral_id": ["ref_partenaire"], "answer": ["statut"], "reason": ["motif_rejet"],
                    "redirected_to": ["organisme_oriente"], "answered_on": ["date_traitement"]},
        "dates": ["%Y-%m-%d", "%d/%m/%Y"],
        "answers": {"CLOTURE_FAVORABLE": "resolved", "REJET": "refused", "REORIENTATION": "redirected",
                    "PRIS_EN_CHARGE": ACKNOWLEDGED},
        "reasons": {"PIECES_MANQUANTES": "incomplete", "HORS_DROITS": "not_eligible", "NON_COMPETENT": "not_competent",
                    "DEJA_TRAITE": "already_handled", "AUTRE": "other"},
        "partners": {"CAF": "caf", "FRANCE_TRAVAIL": "france_travail", "CRESUS": "cresus"},
    },
    "france_travail": {
        "delimiter": ";",
        "columns": {"referral_id": ["Identifiant de la demande"], "answer": ["Suite donnée"], "detail": ["Précision"],
                    "answered_on": ["Date"]},
        "dates": ["%d/%m/%Y"],
        "answers": {"Solution apportée": "resolved", "Refus": "refused", "Orientation": "redirected",
                    "En cours de traitement": ACKNOWLEDGED},
        "reasons": {"Dossier incomplet": "incomplete", "Non éligible": "not_eligible", "Hors champ": "not_competent",
                    "Déjà accompagné": "already_handled", "Autre": "other"},
        "partners": {"CAF": "caf", "CPAM": "cpam", "Crésus": "cresus"},
    },
    # The network's own template, for partners without a file of their own: our codes or our French labels.
    "pimms": {
        "delimiter": ";",
        "columns": {"referral_id": ["reference"], "answer": ["reponse"], "reason": ["motif"],
                    "redirected_to": ["reoriente_vers"], "answered_on": ["date"]},
        "dates": ["%d/%m/%Y", "%Y-%m-%d"],
        "answers": {**_codes_or_labels(REFERRAL_ANSWERS), ACKNOWLEDGED: ACKNOWLEDGED,
                    REFERRAL_STATUSES[ACKNOWLEDGED]: ACKNOWLEDGED},
        "reasons": _codes_or_labels(REFUSAL_REASONS),
        "partners": _codes_or_labels(PARTNERS),
    },
}


# -- events -------------------------------------------------------------------------------------------------
@event_schema("accueil.case_opened", 1)
class CaseOpenedV1(PayloadSchema):
    """A follow-up opened at a desk: its motif, whether the person is named (with consent to be followed) or
    keeps an anonymous reference, and when the next action is due."""

    case_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    named = fields.Boolean(required=True)
    opened_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(required=True)


@event_schema("accueil.case_closed", 1)
class CaseClosedV1(PayloadSchema):
    """A follow-up closed with its outcome, how many days it stayed open and how many visits it took."""

    case_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    outcome = fields.String(required=True, validate=one_of(CASE_OUTCOMES))
    days_open = fields.Integer(required=True, validate=DAYS)
    visits = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000))
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(required=True)


@event_schema("accueil.referral_sent", 1)
class ReferralSentV1(PayloadSchema):
    """A question handed to a partner under its convention; `named` when the person's identity went with it
    (only with their consent to partner_transmission)."""

    referral_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    motif = fields.Nested(MotifSchema, required=True)
    named = fields.Boolean(required=True)
    sent_at = fields.AwareDateTime(required=True)


@event_schema("accueil.referral_answered", 1)
class ReferralAnsweredV1(PayloadSchema):
    """The partner's answer to a referral, and how many days it took."""

    referral_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    answer = fields.String(required=True, validate=one_of(REFERRAL_ANSWERS))
    reason = fields.String(required=True, allow_none=True, validate=one_of(REFUSAL_REASONS))
    redirected_to = fields.String(required=True, allow_none=True, validate=one_of(PARTNERS))
    days_to_answer = fields.Integer(required=True, validate=DAYS)
    sent_at = fields.AwareDateTime(required=True)
    answered_at = fields.AwareDateTime(required=True)


# -- requests -----------------------------------------------------------------------------------------------
class OpenCaseRequest(RequestSchema):
    """A follow-up opened from a visit (`visit_id`: its desk, motif and named person), or later from a person's
    record (`citizen_id`, at `pimms_id`). Named, the person must have consented to follow_up; anonymous, they
    are given a reference to keep. `motif` defaults to the visit's."""

    visit_id = fields.UUID(load_default=None)
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    pimms_id = fields.String(load_default=None, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, load_default=None)
    next_action = fields.String(required=True, validate=TEXT)
    due_on = fields.Date(required=True)
    opened_at = Instant(load_default=None)  # recorded after the fact (default: now); never in the future

    @validates_schema
    def _from_a_visit_or_a_record(self, data, **kwargs):
        if data.get("visit_id") is None and data.get("citizen_id") is None:
            raise ValidationError("a follow-up is opened from a visit (visit_id) or a person's record (citizen_id)",
                                  "visit_id")
        if data.get("visit_id") is None and (data.get("pimms_id") is None or data.get("motif") is None):
            raise ValidationError("opened from a record, a follow-up names its desk and its motif", "pimms_id")


class UpdateCaseRequest(RequestSchema):
    """Move a follow-up on: its next action and due date, who owns it, what it waits for; or close it."""

    case_id = fields.UUID(required=True)
    status = fields.String(load_default=None, validate=one_of(CASE_STATUSES))
    outcome = fields.String(load_default=None, validate=one_of(CASE_OUTCOMES))
    next_action = fields.String(load_default=None, validate=TEXT)
    due_on = fields.Date(load_default=None)
    owner = fields.String(load_default=None, validate=CODE)
    visit_id = fields.UUID(load_default=None)  # a visit to attach (the one that moved it)

    @validates_schema
    def _outcome_closes(self, data, **kwargs):
        if (data.get("status") == "closed") != (data.get("outcome") is not None):
            raise ValidationError("a follow-up is closed (status closed) with an outcome, and only then", "outcome")


class VisitFollowUp(RequestSchema):
    """With a visit's close: open a follow-up from the visit (no `case_id`: its next action and due date), or
    move or close the follow-up the visit took further (`case_id`, as UpdateCaseRequest)."""

    case_id = fields.UUID(load_default=None)
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    status = fields.String(load_default=None, validate=one_of(CASE_STATUSES))
    outcome = fields.String(load_default=None, validate=one_of(CASE_OUTCOMES))
    next_action = fields.String(load_default=None, validate=TEXT)
    due_on = fields.Date(load_default=None)

    @validates_schema
    def _open_or_move(self, data, **kwargs):
        if data.get("case_id") is None and (data.get("next_action") is None or data.get("due_on") is None):
            raise ValidationError("a follow-up opened with a visit's close has a next action and a due date",
                                  "next_action")
        if (data.get("status") == "closed") != (data.get("outcome") is not None):
            raise ValidationError("a follow-up is closed (status closed) with an outcome, and only then", "outcome")


class GetCaseRequest(RequestSchema):
    case_id = fields.UUID(required=True)


class ListCasesRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    due_by = fields.Date(load_default=None)  # those to call back: open and due that day or earlier
    status = fields.String(load_default=None, validate=one_of(CASE_STATUSES))
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class SendReferralRequest(RequestSchema):
    """A referral from a visit to a partner with a convention: what was asked; `with_identity` sends the
    named person's identity too, which needs their consent to partner_transmission."""

    visit_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    asked = fields.String(required=True, validate=TEXT)
    with_identity = fields.Boolean(load_default=False)
    case_id = fields.UUID(load_default=None)  # the follow-up it belongs to, which then waits for the partner
    agent_id = fields.String(required=True, validate=CODE)
    sent_at = Instant(load_default=None)  # recorded after the fact (default: now); never in the future


class ReferralProgressRequest(RequestSchema):
    """The partner acknowledged a referral, or answered it (resolved, refused with a reason, or redirected
    to another partner), at `at` (default: now)."""

    referral_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=one_of(("acknowledged", "answered")))
    answer = fields.String(load_default=None, validate=one_of(REFERRAL_ANSWERS))
    reason = fields.String(load_default=None, validate=one_of(REFUSAL_REASONS))
    redirected_to = fields.String(load_default=None, validate=one_of(PARTNERS))
    at = Instant(load_default=None)

    @validates_schema
    def _an_answer_says_what(self, data, **kwargs):
        answer = data.get("answer")
        if (data.get("status") == "answered") != (answer is not None):
            raise ValidationError("an answered referral has an answer, and only then", "answer")
        if (answer == "refused") != (data.get("reason") is not None):
            raise ValidationError("a refusal gives its reason, and only a refusal", "reason")
        if (answer == "redirected") != (data.get("redirected_to") is not None):
            raise ValidationError("a redirection names the partner redirected to, and only a redirection",
                                  "redirected_to")


class ListReferralsRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(REFERRAL_STATUSES))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))
    unanswered_since = fields.Date(load_default=None)  # sent on that day or before, still without an answer
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ImportReferralAnswersRequest(RequestSchema):
    """A partner's answers to a desk's referrals, as the partner's file: `file` its raw bytes in base64, read
    in `encoding` (`auto` by default: a BOM, else UTF-8, else Windows-1252 as Excel on Windows writes), in the
    partner's layout of ANSWER_FILE_FORMATS or `file_format` (the network's template, `pimms`, by default)."""

    pimms_id = fields.String(required=True, validate=CODE)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    file = Base64(required=True, validate=validate.Length(max=MAX_FILE_CHARS))
    encoding = fields.String(load_default=None, validate=one_of(ENCODINGS))
    file_format = fields.String(load_default=None, validate=one_of(ANSWER_FILE_FORMATS))
