"""Médiation sortante's contract: the events it publishes and the requests it accepts.

Events carry no personal data, not even the partner's customer reference (it names a person at the
partner): a contact is a `contact_id` made by this service. Every string field is a code from a closed list
or a fixed pattern."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.common import (  # noqa: F401 (PurgeRequest: this contract's too)
    ENCODINGS,
    MAX_FILE_CHARS,
    PARTNERS,
    Base64,
    PurgeRequest,
    RequestSchema,
    one_of,
)
from shared.envelope import CODE, PayloadSchema, event_schema
from shared.types import Instant

# The partners' contact files as each partner exports them (what a desk receives and imports): `columns`
# maps what is kept to the partner's headers, matched without regard to case, accents or spacing; several
# headers are joined into one value. Parsed by services/mediation_sortante/contact_file.py (over
# shared/partner_files.py, which reads accueil's referral answers too); its size and encodings: common.py.
FILE_FORMATS = {
    "edf": {
        "delimiter": ";",
        "columns": {"partner_ref": ["Ref client"], "name": ["Nom"], "phone": ["Téléphone"], "address": ["Adresse"]},
        "reference": r"[0-9]{10}", "reference_rule": "10 digits",
    },
    "engie": {
        "delimiter": ";",
        "columns": {"partner_ref": ["Référence client"], "name": ["Nom", "Prénom"], "phone": ["Tél. portable"],
                    "address": ["Adresse", "Code postal", "Ville"]},
        "reference": r"[0-9]{12}", "reference_rule": "12 digits",
    },
    "la_poste": {
        "delimiter": ",",
        "columns": {"partner_ref": ["numero_client"], "name": ["nom_complet"], "phone": ["telephone"],
                    "address": ["adresse", "code_postal", "commune"]},
        "reference": r"LP[0-9]{8}", "reference_rule": "LP and 8 digits",
    },
    # The network's own template, for partners without an export of their own.
    "pimms": {
        "delimiter": ";",
        "columns": {"partner_ref": ["reference"], "name": ["nom"], "phone": ["telephone"], "address": ["adresse"]},
        "reference": r"[A-Za-z0-9][A-Za-z0-9/_-]{0,39}", "reference_rule": "1 to 40 letters, digits, / _ or -",
    },
}

# The order of these lists is the order of the partner statement's rows: append, never reorder.
CHANNELS = {"phone": "Téléphone", "door_to_door": "Porte-à-porte", "letter": "Courrier", "sms": "SMS"}
OUTCOMES = {
    "contact_restored": "Contact rétabli",
    "payment_plan": "Plan d'apurement convenu",
    "referred": "Orienté vers les services sociaux",
    "unreachable": "Injoignable après le nombre maximal de tentatives",
    "refused": "Refus de la personne",
}
ACTS = {
    "information": "Information", "explanation": "Explication (facture, contrat)", "advice": "Conseil",
    "payment_plan_negotiation": "Négociation d'un échéancier", "aid_application": "Aide à une demande d'aide",
    "referral": "Mise en relation", "accompaniment": "Accompagnement", "online_help": "Aide en ligne (TIC)",
}
# An outcome other than `unreachable` means someone was reached; these three also mean mediation was done.
OUTCOMES_NEEDING_ACTS = ("contact_restored", "payment_plan", "referred")
# What the daily job gives the cases still open in a campaign it closes for having been left open past
# OPEN_CAMPAIGN_LIMIT_DAYS: no agent decided it, and the person may never have been tried. The partner
# statement counts it in a row of its own after the outcomes, so the partner sees what was never worked and
# is not billed for it. Kept out of OUTCOMES on purpose: that list is also the events' and reporting's
# figure cells, where a new code would insert a column into reporting's published CSV; an expired case
# publishes no `case_resolved` (the campaign's close is published as usual).
EXPIRED = "expired"
STATEMENT_OUTCOMES = {**OUTCOMES, EXPIRED: "Non traité : campagne close d'office à l'expiration de son délai"}
MAX_ATTEMPTS = 10




COUNT = validate.Range(min=0)
ATTEMPT_NUMBER = validate.Range(min=1, max=MAX_ATTEMPTS)


# -- events -------------------------------------------------------------------------------------------------
@event_schema("mediation_sortante.campaign_opened", 1)
class CampaignOpenedV1(PayloadSchema):
    """A desk opened a campaign for a partner. Its contacts come later, from the partner's file: their number is in
    `campaign_closed`."""

    campaign_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    channels = fields.List(fields.String(validate=one_of(CHANNELS)), required=True,
                           validate=validate.Length(min=1))
    max_attempts = fields.Integer(required=True, strict=True, validate=ATTEMPT_NUMBER)
    opened_at = fields.AwareDateTime(required=True)


@event_schema("mediation_sortante.contact_attempted", 1)
class ContactAttemptedV1(PayloadSchema):
    """An agent tried to reach one of the campaign's contacts. `contact_id` is made by médiation sortante: the
    partner's customer reference never leaves the service."""

    campaign_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    attempt_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    attempt_number = fields.Integer(required=True, strict=True, validate=ATTEMPT_NUMBER)
    channel = fields.String(required=True, validate=one_of(CHANNELS))
    reached = fields.Boolean(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    at = fields.AwareDateTime(required=True)


@event_schema("mediation_sortante.case_resolved", 1)
class CaseResolvedV1(PayloadSchema):
    """A case got its one outcome. `automatic`: the campaign's last allowed attempt failed and none ever reached
    the person, so the case was resolved unreachable without an agent's decision."""

    campaign_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    acts = fields.List(fields.String(validate=one_of(ACTS)), required=True)
    attempts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ATTEMPTS))
    automatic = fields.Boolean(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    resolved_at = fields.AwareDateTime(required=True)


class ChannelTotals(PayloadSchema):
    channel = fields.String(required=True, validate=one_of(CHANNELS))
    attempts = fields.Integer(required=True, strict=True, validate=COUNT)
    reached = fields.Integer(required=True, strict=True, validate=COUNT)


class OutcomeTotal(PayloadSchema):
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    cases = fields.Integer(required=True, strict=True, validate=COUNT)


class ActTotal(PayloadSchema):
    act = fields.String(required=True, validate=one_of(ACTS))
    count = fields.Integer(required=True, strict=True, validate=COUNT)


@event_schema("mediation_sortante.campaign_closed", 1)
class CampaignClosedV1(PayloadSchema):
    """A campaign closed with every case resolved; its totals are those of the partner statement frozen at that
    moment."""

    campaign_id = fields.UUID(required=True)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(required=True)
    # totals for every code of each list, zeros included, in the lists' order
    contacts = fields.Integer(required=True, strict=True, validate=COUNT)
    channels = fields.List(fields.Nested(ChannelTotals), required=True, validate=validate.Length(max=len(CHANNELS)))
    outcomes = fields.List(fields.Nested(OutcomeTotal), required=True, validate=validate.Length(max=len(OUTCOMES)))
    acts = fields.List(fields.Nested(ActTotal), required=True, validate=validate.Length(max=len(ACTS)))


# -- requests -----------------------------------------------------------------------------------------------


class OpenCampaignRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    channels = fields.List(fields.String(validate=one_of(CHANNELS)), load_default=lambda: list(CHANNELS),
                           validate=validate.Length(min=1))
    max_attempts = fields.Integer(load_default=3, strict=True, validate=ATTEMPT_NUMBER)
    label = fields.String(load_default=None, validate=validate.Length(min=1, max=120))
    opened_at = Instant(load_default=None)


class ImportContactsRequest(RequestSchema):
    """The partner's file, either as text (`content`) or as its raw bytes (`content_base64`, decoded with
    `encoding`: `auto` reads a BOM, else UTF-8, else Windows-1252 as Excel on Windows writes)."""

    campaign_id = fields.UUID(required=True)
    content = fields.String(load_default=None, validate=validate.Length(max=MAX_FILE_CHARS))
    content_base64 = Base64(load_default=None, validate=validate.Length(max=MAX_FILE_CHARS))
    encoding = fields.String(load_default=None, validate=one_of(ENCODINGS))
    file_format = fields.String(load_default=None, validate=one_of(FILE_FORMATS))

    @validates_schema
    def _one_file(self, data, **kwargs):
        if (data.get("content") is None) == (data.get("content_base64") is None):
            raise ValidationError("give the file once: content (text) or content_base64 (bytes)", "content")
        if data.get("content") is not None and data.get("encoding") is not None:
            raise ValidationError("applies to content_base64 only: content is already text", "encoding")


class AssignContactsRequest(RequestSchema):
    campaign_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    contact_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=20000))


class ShareOutRequest(RequestSchema):
    campaign_id = fields.UUID(required=True)
    agent_ids = fields.List(fields.String(validate=CODE), required=True, validate=validate.Length(min=1, max=100))


class RecordAttemptRequest(RequestSchema):
    contact_id = fields.UUID(required=True)
    channel = fields.String(required=True, validate=one_of(CHANNELS))
    reached = fields.Boolean(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    at = Instant(load_default=None)


class ResolveCaseRequest(RequestSchema):
    contact_id = fields.UUID(required=True)
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    acts = fields.List(fields.String(validate=one_of(ACTS)), load_default=list,
                       validate=validate.Length(max=len(ACTS)))
    agent_id = fields.String(required=True, validate=CODE)
    resolved_at = Instant(load_default=None)


class CloseCampaignRequest(RequestSchema):
    campaign_id = fields.UUID(required=True)
    closed_at = Instant(load_default=None)


class MarkStatementSentRequest(RequestSchema):
    """The partner statement of a closed campaign went to the partner (`sent_at`, default now): from then on
    its partner references are only kept STATEMENT_REFERENCE_RETENTION_DAYS."""

    campaign_id = fields.UUID(required=True)
    sent_at = Instant(load_default=None)


class StatementRequest(RequestSchema):
    campaign_id = fields.UUID(required=True)
    format = fields.String(load_default="json", validate=one_of(("csv", "json")))


class ListCampaignsRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(("open", "closed")))


class ListContactsRequest(RequestSchema):
    campaign_id = fields.UUID(required=True)
    agent_id = fields.String(load_default=None, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(("open", "resolved")))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
