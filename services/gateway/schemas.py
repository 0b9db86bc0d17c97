"""The gateway's contract: the requests it accepts (its own, and accueil's and reporting's trimmed of what the
gateway fills in from the account), and the shapes of its answers, from which the OpenAPI description is
generated. The gateway publishes no event."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.accueil import (
    AddActRequest,
    CloseVisitRequest,
    FindCitizensRequest,
    ListVisitsRequest,
    OpenVisitRequest,
    RecordVisitRequest,
    RecordWorkshopRequest,
    one_of,
)
from shared.contracts.accueil_budget import (
    CloseDossierRequest,
    DiagnosisRequest,
    InterventionRequest,
    ListDossiersRequest,
    OpenDossierRequest,
    OrientationRequest,
    PlanStepRequest,
    StageRequest,
)
from shared.contracts.accueil_cases import (
    ImportReferralAnswersRequest,
    ListCasesRequest,
    ListReferralsRequest,
    OpenCaseRequest,
    ReferralProgressRequest,
    SendReferralRequest,
    UpdateCaseRequest,
)
from shared.contracts.reporting import PERIOD, FiguresSchema, ScopeRequest
from shared.envelope import CODE

AGENT, MANAGER, HEAD_OFFICE, OPERATOR = "agent", "manager", "head_office", "operator"
ROLES = (AGENT, MANAGER, HEAD_OFFICE, OPERATOR)
LOGIN = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,63}$", error="must be 2 to 64 characters: a-z, 0-9, . _ -")
PASSWORD = validate.Length(min=12, max=200, error="must be 12 to 200 characters")


class RequestSchema(Schema):
    class Meta:
        unknown = "raise"


# -- accounts -------------------------------------------------------------------------------------------------
class CreateAccountRequest(RequestSchema):
    """An agent works at one desk of the association; a manager runs the association's desks; head office
    and operators belong to no association."""

    login = fields.String(required=True, validate=LOGIN)
    role = fields.String(required=True, validate=one_of(ROLES))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)
    association_id = fields.String(load_default=None, validate=CODE)
    pimms_id = fields.String(load_default=None, validate=CODE)
    agent_id = fields.String(load_default=None, validate=CODE)

    @validates_schema
    def _scope_fits_the_role(self, data, **kwargs):
        role = data.get("role")
        if role in (AGENT, MANAGER) and not data.get("association_id"):
            raise ValidationError(f"an account of role {role} belongs to an association", "association_id")
        if role == AGENT and not data.get("pimms_id"):
            raise ValidationError("an agent works at a desk", "pimms_id")
        if role != AGENT and data.get("pimms_id"):
            raise ValidationError(f"an account of role {role} has no desk of its own", "pimms_id")
        if role in (HEAD_OFFICE, OPERATOR) and data.get("association_id"):
            raise ValidationError(f"an account of role {role} belongs to no association", "association_id")
        if role in (HEAD_OFFICE, OPERATOR) and data.get("agent_id"):
            raise ValidationError(f"an account of role {role} records no activity", "agent_id")


class LoginRequest(RequestSchema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class AccountView(Schema):
    login = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    association_id = fields.String(allow_none=True)
    pimms_id = fields.String(allow_none=True)
    agent_id = fields.String(allow_none=True)
    desks = fields.List(fields.String(), metadata={"description": "the desks this account may act on"})
    must_change_password = fields.Boolean(metadata={
        "description": "the password is a temporary one: POST /api/me/password before anything else"})


class TokenView(Schema):
    token = fields.String(required=True, metadata={"description": "send as `Authorization: Bearer <token>`"})
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_at = fields.AwareDateTime(required=True)
    account = fields.Nested(AccountView, required=True)


# -- accounts managed from the web app (account_admin.py) ----------------------------------------------------------
ACCOUNT_STATES = ("active", "locked", "disabled", "must_change_password", "password_expired")


class NewAccountRequest(RequestSchema):
    """An account made by its manager: an association's manager makes agents (at one of the association's
    desks) and managers, head office its own staff's accounts. The gateway makes a temporary password, shows
    it once, and its holder changes it at their first login."""

    login = fields.String(required=True, validate=LOGIN)
    role = fields.String(load_default=AGENT, validate=one_of((AGENT, MANAGER, HEAD_OFFICE)))
    pimms_id = fields.String(load_default=None, validate=CODE, metadata={"description": "an agent's desk"})
    agent_id = fields.String(load_default=None, validate=CODE, metadata={
        "description": "the association's code for the agent (formation's); a random one when left out"})


class AccountSummary(Schema):
    login = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    association_id = fields.String(allow_none=True)
    pimms_id = fields.String(allow_none=True)
    agent_id = fields.String(allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(ACCOUNT_STATES))
    created_at = fields.AwareDateTime(required=True)
    disabled_at = fields.AwareDateTime(allow_none=True)
    locked_until = fields.AwareDateTime(allow_none=True)
    temporary_until = fields.AwareDateTime(allow_none=True, metadata={
        "description": "until when the temporary password logs in"})


class ManagedAccount(Schema):
    account = fields.Nested(AccountSummary, required=True)
    temporary_password = fields.String(allow_none=True, metadata={
        "description": "shown this once (never stored in clear, never shown again): give it to the person, who "
                       "changes it at their first login; null when the request is a repeat of one already done"})


class PasswordChange(RequestSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)


# -- visits and workshops: accueil's requests, the desk and the agent filled in from the account ---------------
class DeskActRequest(AddActRequest):
    class Meta:
        exclude = ("visit_id",)


class DeskVisitRequest(OpenVisitRequest):
    """accueil's OpenVisitRequest; `pimms_id` defaults to the agent's desk, `agent_id` is the account's.
    `acts` (optional) are recorded with the opening, in one transaction."""

    class Meta:
        exclude = ("agent_id",)

    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskRecordRequest(RecordVisitRequest):
    """accueil's RecordVisitRequest (a visit that is over, recorded at once), as DeskVisitRequest."""

    class Meta:
        exclude = ("agent_id", "opened_at")

    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskCloseRequest(CloseVisitRequest):
    class Meta:
        exclude = ("visit_id",)


class DeskWorkshopRequest(RecordWorkshopRequest):
    class Meta:
        exclude = ("agent_id",)

    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskVisitsQuery(ListVisitsRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class MotifView(Schema):
    kind = fields.String(required=True)
    partner = fields.String(allow_none=True)
    domain = fields.String(allow_none=True)


class ParticipantView(Schema):
    visitor_ref = fields.String(required=True)
    named = fields.Boolean(required=True)
    citizen_id = fields.Integer(allow_none=True, metadata={"description": "the record of a named person"})
    first_visit = fields.Boolean(required=True)
    gender = fields.String(allow_none=True)
    age_band = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)


class ActView(Schema):
    kind = fields.String(required=True)
    partner = fields.String(allow_none=True)


class VisitView(Schema):
    """A visit as accueil returns it: never a name, a named person shows as the number of their record."""

    visit_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed"]))
    motif = fields.Nested(MotifView, required=True)
    participants = fields.List(fields.Nested(ParticipantView), required=True)
    acts = fields.List(fields.Nested(ActView), required=True)
    registres = fields.List(fields.String(), required=True)
    outcome = fields.String(allow_none=True)
    waiting_min = fields.Integer(allow_none=True)
    duration_min = fields.Integer(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    follow_up = fields.Nested("CaseView", allow_none=True, metadata={
        "description": "with a close: the follow-up it opened, moved or closed"})


# -- follow-ups and referrals: accueil's requests, the desk and the agent being the account's -------------------
class DeskCaseRequest(OpenCaseRequest):
    class Meta:
        exclude = ("agent_id",)


class CaseChange(UpdateCaseRequest):
    class Meta:
        exclude = ("case_id",)


class CasesQuery(ListCasesRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskReferralRequest(SendReferralRequest):
    class Meta:
        exclude = ("agent_id",)


class ReferralChange(ReferralProgressRequest):
    class Meta:
        exclude = ("referral_id",)


class ReferralsQuery(ListReferralsRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskAnswersImport(ImportReferralAnswersRequest):
    """A partner's answers file for one of the account's desks (its own by default), base64 in the JSON body
    (the API's 64 KB cap: about a thousand rows; a larger file goes in several)."""

    pimms_id = fields.String(load_default=None, validate=CODE)


class AnswersImportReport(Schema):
    pimms_id = fields.String(required=True)
    partner = fields.String(required=True)
    file_format = fields.String(required=True)
    encoding = fields.String(required=True)
    rows = fields.Integer(required=True)
    applied = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    unchanged_lines = fields.List(fields.Integer(), required=True)
    errors = fields.List(fields.Dict(), required=True, metadata={"description": "[{line, field, message}]"})


# -- Point Conseil Budget: accueil's requests, the dossier's id in the path, the agent the account's ------------
class DeskDossierRequest(OpenDossierRequest):
    class Meta:
        exclude = ("agent_id",)


class DossiersQuery(ListDossiersRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


def _in_the_path(schema):
    """The request of a dossier's change, its dossier_id taken from the URL."""
    return type(f"Desk{schema.__name__}", (schema,), {"Meta": type("Meta", (), {"exclude": ("dossier_id",)})})


DOSSIER_CHANGES = {name: _in_the_path(schema) for name, schema in (
    ("diagnosis", DiagnosisRequest), ("steps", PlanStepRequest), ("interventions", InterventionRequest),
    ("orientations", OrientationRequest), ("close", CloseDossierRequest), ("overindebtedness", StageRequest))}


class DossierView(Schema):
    """A household's budget dossier, for the staff of its desk: its figures never leave accueil otherwise."""

    dossier_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    citizen_id = fields.Integer(allow_none=True)
    agent_id = fields.String(required=True)
    origin = fields.String(required=True)
    household = fields.String(required=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    diagnosis = fields.Dict(allow_none=True)
    remaining = fields.String(allow_none=True, metadata={"description": "euros left to live on each month"})
    recommendations = fields.String(allow_none=True)
    diagnosed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Dict(), required=True)
    interventions = fields.List(fields.Dict(), required=True)
    orientations = fields.List(fields.Dict(), required=True)
    overindebtedness = fields.Dict(allow_none=True)


class ReferralView(Schema):
    """A referral: to which partner, what was asked, whether the person's identity went with it, its answer."""

    referral_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    visit_id = fields.UUID(required=True)
    case_id = fields.UUID(allow_none=True)
    agent_id = fields.String(required=True)
    partner = fields.String(required=True)
    asked = fields.String(allow_none=True)
    named = fields.Boolean(required=True)
    citizen_id = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    answer = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    redirected_to = fields.String(allow_none=True)
    sent_at = fields.AwareDateTime(required=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)


class CaseView(Schema):
    """A follow-up: the person by record number or by the reference on their slip, never by name."""

    case_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    owner = fields.String(required=True)
    citizen_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    motif = fields.Nested(MotifView, required=True)
    next_action = fields.String(allow_none=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True)
    outcome = fields.String(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    visits = fields.List(fields.UUID(), required=True)
    referrals = fields.List(fields.Nested(ReferralView), required=True)


class WorkshopView(Schema):
    workshop_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    theme = fields.String(required=True)
    partner = fields.String(allow_none=True)
    held_on = fields.Date(required=True)
    attendees = fields.Integer(required=True)
    duration_min = fields.Integer(required=True)
    registres = fields.List(fields.String(), required=True)


class ConsentView(Schema):
    given_at = fields.AwareDateTime(required=True)
    channel = fields.String(required=True)
    purposes = fields.List(fields.String(), required=True)


class CitizenVisitView(Schema):
    visit_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    status = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    motif = fields.Nested(MotifView, required=True)


class CitizenView(Schema):
    """A citizen's identity: for the association's staff only, each read audited by accueil."""

    citizen_id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    consent = fields.Nested(ConsentView, required=True)
    visits = fields.List(fields.Nested(CitizenVisitView), required=True)


class ConsentChange(RequestSchema):
    """A consent given or withdrawn by the person, for some purposes (accueil checks the codes)."""

    action = fields.String(required=True, validate=validate.OneOf(("given", "withdrawn")))
    purposes = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    channel = fields.String(required=True)
    given_at = fields.AwareDateTime(load_default=None)


class ConsentEntry(Schema):
    action = fields.String(required=True)
    purposes = fields.List(fields.String(), required=True)
    channel = fields.String(required=True)
    given_at = fields.AwareDateTime(required=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class ConsentAnswer(Schema):
    """The purposes in force after the change; `erased` when none is left (the record is then erased)."""

    citizen_id = fields.Integer(required=True)
    purposes = fields.List(fields.String(), required=True)
    erased = fields.Boolean(required=True)
    consents = fields.List(fields.Nested(ConsentEntry))


class ErasureView(Schema):
    citizen_id = fields.Integer(required=True)
    erased_at = fields.AwareDateTime(required=True)


class ExportIdentity(Schema):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class ExportVisit(Schema):
    visit_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    status = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    motif = fields.Nested(MotifView, required=True)
    acts = fields.List(fields.Dict(), required=True)
    outcome = fields.String(allow_none=True)
    registres = fields.List(fields.String(), required=True)
    waiting_min = fields.Integer(allow_none=True)
    duration_min = fields.Integer(allow_none=True)
    agent_id = fields.String(required=True)
    as_noted = fields.Dict(required=True, metadata={"description": "gender, age band, commune, first visit"})


class TrailEntry(Schema):
    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True, metadata={"description": "read, search, export, consent or erase"})
    account = fields.String(required=True)
    role = fields.String(required=True)


class CitizenExport(Schema):
    """All that the association's platform holds about a person (right of access, GDPR art. 15)."""

    citizen_id = fields.Integer(required=True)
    exported_at = fields.AwareDateTime(required=True)
    identity = fields.Nested(ExportIdentity, required=True)
    consent = fields.Nested(ConsentView, required=True)
    consents = fields.List(fields.Nested(ConsentEntry), required=True)
    visits = fields.List(fields.Nested(ExportVisit), required=True)
    trail = fields.List(fields.Nested(TrailEntry), required=True)
    kept_until = fields.AwareDateTime(required=True, metadata={
        "description": "when the record is erased if the person does not come back"})


# -- figures ----------------------------------------------------------------------------------------------------
class FiguresQuery(ScopeRequest):
    """reporting's scope and period; whether figures are exact is the gateway's decision, by role."""

    period = fields.String(required=True, validate=PERIOD)


class MonthlyFiguresQuery(ScopeRequest):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2999))


class FiguresRow(Schema):
    scope = fields.String(required=True)
    id = fields.String(allow_none=True)
    association_id = fields.String(allow_none=True)
    period = fields.String(required=True)
    threshold = fields.Integer(required=True)
    figures = fields.Nested(FiguresSchema, required=True)
    suppressed = fields.List(fields.String(), required=True,
                             metadata={"description": "cells hidden as small counts (null in figures)"})
    incomplete = fields.List(fields.String(), required=True)
    exact = fields.Boolean(required=True, metadata={"description": "true only for the association's staff"})
    revision = fields.Integer(allow_none=True)


class MonthlyFigures(Schema):
    scope = fields.String(required=True)
    id = fields.String(allow_none=True)
    year = fields.Integer(required=True)
    exact = fields.Boolean(required=True)
    months = fields.List(fields.Nested(FiguresRow, allow_none=True), required=True,
                         metadata={"description": "January to December; null for a month without figures yet"})


# -- operations ------------------------------------------------------------------------------------------------
class ServiceHealth(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "unhealthy", "unreachable"]))
    checks = fields.Dict(keys=fields.String(), values=fields.String())
    http_status = fields.Integer(allow_none=True)


class NetworkHealth(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "degraded"]))
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealth), required=True)


class ErrorView(Schema):
    """Every error of the API: its type, a message, and for a bad request each field with the rules broken."""

    error = fields.String(required=True, metadata={"description": "InvalidRequest, Unauthorized, Forbidden, "
                                                                   "NotFound, Conflict, ContractViolation, ..."})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", metadata={"description": "field -> rules broken (InvalidRequest)"})
    rule = fields.String(metadata={"description": "the contract rule broken (ContractViolation)"})


class CitizenSearchQuery(FindCitizensRequest):
    """accueil's FindCitizensRequest: a last name, and a first name or a phone to narrow it."""


class CitizenMatch(Schema):
    citizen_id = fields.Integer(required=True, metadata={"description": "the record to name in a visit"})
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    received_at = fields.List(fields.String(), required=True, metadata={"description": "desks that received them"})
