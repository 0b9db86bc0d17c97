"""Accueil's contract: the events it publishes and the requests it accepts.

Events carry no identity: a citizen is a pseudonymous `visitor_ref` (a keyed hash local to the association),
and every string field is a code from a closed list or a fixed pattern, never free text."""
import hashlib

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.common import GENDERS, PARTNERS, REGISTRES, RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema, upcaster
from shared.errors import schema_of
from shared.types import Instant

DOMAINS = {
    "caf": "CAF", "cpam": "CPAM", "housing": "Logement", "employment": "Emploi", "taxes": "Impôts",
    "pension": "Retraite", "budget": "Budget", "point_conseil_budget": "Point Conseil Budget",
    "digital": "Numérique", "health": "Santé", "justice": "Justice et droits", "transport": "Transport",
    "energy": "Énergie", "education": "Scolarité", "residence": "Titre de séjour", "other": "Autre",
}
ACTS = {
    "information": "Information", "explanation": "Explication", "advice": "Conseil",
    "accompaniment": "Accompagnement", "letter": "Rédaction de courrier", "referral": "Mise en relation",
    "online_help": "Aide en ligne (TIC)", "conflict_mediation": "Médiation de conflit",
}
OUTCOMES = {"resolved": "Résolu", "follow_up": "Suivi nécessaire", "referred": "Orienté", "unresolved": "Non résolu"}
THEMES = {
    "employment": "Emploi", "health": "Santé", "energy_savings": "Économies d'énergie", "transport": "Mobilité",
    "digital": "Numérique", "budget": "Budget", "housing": "Logement", "citizenship": "Citoyenneté",
    "other": "Autre",
}
AGE_BANDS = ("under_18", "18_25", "26_40", "41_60", "61_75", "over_75")
CONSENT_CHANNELS = ("oral", "written", "digital")
CONSENT_PURPOSES = ("follow_up", "contact", "partner_transmission")

VISITOR_REF = validate.Regexp(r"^[0-9a-f]{32}$", error="must be a 32-character visitor reference")
MINUTES = validate.Range(min=0, max=600, error="must be between 0 and 600 minutes")
RECORD_NUMBER = validate.Range(min=1, max=2 ** 31 - 1)  # what the database's integer keys hold
OFFSET = validate.Range(min=0, max=1_000_000)




class MotifSchema(Schema):
    kind = fields.String(required=True, validate=one_of(("partenaire", "generaliste")))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))
    domain = fields.String(load_default=None, validate=one_of(DOMAINS))

    @validates_schema
    def _partner_or_domain(self, data, **kwargs):
        if data.get("kind") == "partenaire" and (not data.get("partner") or data.get("domain")):
            raise ValidationError("an accueil partenaire names a partner and no domain", "partner")
        if data.get("kind") == "generaliste" and (not data.get("domain") or data.get("partner")):
            raise ValidationError("an accueil généraliste names a domain and no partner", "domain")


# -- events -------------------------------------------------------------------------------------------------
class VisitorSchema(Schema):
    visitor_ref = fields.String(required=True, validate=VISITOR_REF)
    first_visit = fields.Boolean(required=True)


@event_schema("accueil.visit_closed", 1)
class VisitClosedV1(PayloadSchema):
    visit_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    visitors = fields.List(fields.Nested(VisitorSchema), required=True, validate=validate.Length(min=1, max=20))
    motif = fields.Nested(MotifSchema, required=True)
    acts = fields.List(fields.String(validate=one_of(ACTS)), required=True)
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True)
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    waiting_min = fields.Integer(required=True, allow_none=True, validate=MINUTES)
    duration_min = fields.Integer(required=True, validate=MINUTES)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(required=True)


@event_schema("accueil.workshop_held", 1)
class WorkshopHeldV1(PayloadSchema):
    workshop_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    theme = fields.String(required=True, validate=one_of(THEMES))
    partner = fields.String(required=True, allow_none=True, validate=one_of(PARTNERS))
    held_on = fields.Date(required=True)
    attendees = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    duration_min = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True)


ATTENDEES = validate.Range(min=1, max=500)
PLACES = validate.Range(min=0, max=500)


@event_schema("accueil.workshop_held", 2)
class WorkshopHeldV2(PayloadSchema):
    """A collective workshop held and closed: v1's fields, and who came as opaque visitor references (one per
    attendee, a named person's the same as at the desk, so that a person seen at both counts once), how many
    were registered and how many of those came (the others came without registering), and the places it
    offered (`capacity`, null for a session recorded after the fact as a head count). Upcast from v1 (still
    in queues, dead-letter queues and reporting's store) by `workshop_held_v1_to_v2`: no registration, no
    capacity, and one reference per attendee derived from the workshop's id, so each counts as one
    anonymous person, as an anonymous visitor at the desk does."""

    workshop_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    theme = fields.String(required=True, validate=one_of(THEMES))
    partner = fields.String(required=True, allow_none=True, validate=one_of(PARTNERS))
    held_on = fields.Date(required=True)
    attendees = fields.Integer(required=True, validate=ATTENDEES)
    duration_min = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True)
    visitors = fields.List(fields.String(validate=VISITOR_REF), required=True, validate=validate.Length(max=500))
    registrations = fields.Integer(required=True, validate=PLACES)
    registrations_attended = fields.Integer(required=True, validate=PLACES)
    capacity = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=1, max=500))

    @validates_schema
    def _counts_agree(self, data, **kwargs):
        if len(data.get("visitors", ())) != data.get("attendees") or len(set(data["visitors"])) != len(data["visitors"]):
            raise ValidationError("one distinct visitor reference per attendee", "visitors")
        if data.get("registrations_attended", 0) > min(data.get("registrations", 0), data.get("attendees", 0)):
            raise ValidationError("cannot exceed the registrations nor the attendees", "registrations_attended")


@upcaster("accueil.workshop_held", 1)
def workshop_held_v1_to_v2(payload: dict) -> dict:
    """v1 (a head count) as v2: nobody registered, no capacity known, and attendee i of workshop W is the
    reference sha256("workshop-v1:W:i")[:32], stable (a rebuild counts the same people) and unlinkable."""
    refs = [hashlib.sha256(f"workshop-v1:{payload['workshop_id']}:{i}".encode()).hexdigest()[:32]
            for i in range(payload["attendees"])]
    return {**payload, "visitors": refs, "registrations": 0, "registrations_attended": 0, "capacity": None}


# -- requests -----------------------------------------------------------------------------------------------


class ConsentSchema(RequestSchema):
    given_at = Instant(load_default=None)  # default: when the visit records it
    channel = fields.String(required=True, validate=one_of(CONSENT_CHANNELS))
    purposes = fields.List(fields.String(validate=one_of(CONSENT_PURPOSES)), required=True,
                           validate=validate.Length(min=1))


NAME = validate.Length(min=1, max=100)


class CitizenSchema(RequestSchema):
    """A named citizen: either one already known (citizen_id) or a new one with consent recorded."""

    citizen_id = fields.Integer(load_default=None, validate=RECORD_NUMBER)
    first_name = fields.String(load_default=None, validate=NAME)
    last_name = fields.String(load_default=None, validate=NAME)
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 .]{6,20}$"))
    email = fields.Email(load_default=None)
    consent = fields.Nested(ConsentSchema, load_default=None)

    @validates_schema
    def _known_or_new(self, data, **kwargs):
        if data.get("citizen_id") is None:
            if not (data.get("first_name") and data.get("last_name")):
                raise ValidationError("a new citizen needs first_name and last_name", "last_name")
            if data.get("consent") is None:
                raise ValidationError("naming a citizen requires their recorded consent", "consent")


class ParticipantSchema(RequestSchema):
    """Anonymous by default: then only gender, age band and commune, each optional."""

    gender = fields.String(load_default=None, validate=one_of(GENDERS))
    age_band = fields.String(load_default=None, validate=one_of(AGE_BANDS))
    commune = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9][0-9AB][0-9]{3}$",
                                                                        error="must be an INSEE commune code"))
    first_visit = fields.Boolean(load_default=None)
    citizen = fields.Nested(CitizenSchema, load_default=None)


class ActSchema(RequestSchema):
    kind = fields.String(required=True, validate=one_of(ACTS))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))


ACTS_AT_ONCE = validate.Length(max=20)  # the acts of one visit, recorded with its opening or its close


class OpenVisitRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)
    motif = fields.Nested(MotifSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantSchema),
                               load_default=lambda: [schema_of(ParticipantSchema).load({})],  # one anonymous person
                               validate=validate.Length(min=1, max=20))
    waiting_min = fields.Integer(load_default=None, validate=MINUTES)
    opened_at = Instant(load_default=None)
    acts = fields.List(fields.Nested(ActSchema), load_default=list, validate=ACTS_AT_ONCE)


class AddActRequest(RequestSchema):
    visit_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=one_of(ACTS))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))


class CloseVisitRequest(RequestSchema):
    visit_id = fields.UUID(required=True)
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True,
                            validate=validate.Length(min=1))
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    duration_min = fields.Integer(load_default=None, validate=MINUTES)
    closed_at = Instant(load_default=None)
    acts = fields.List(fields.Nested(ActSchema), load_default=list, validate=ACTS_AT_ONCE)  # added, then closed
    follow_up = fields.Nested("VisitFollowUp", load_default=None)  # accueil_cases.py: open, move or close one


class RecordVisitRequest(OpenVisitRequest):
    """A visit that is over, recorded as it ends: opened `duration_min` before `closed_at` (default: now),
    with its acts, closed, in one transaction. What a desk form sends; no instant of the desk's clock in it,
    so the same form sent twice is the same request."""

    class Meta:
        exclude = ("opened_at",)

    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True,
                            validate=validate.Length(min=1))
    outcome = fields.String(required=True, validate=one_of(OUTCOMES))
    duration_min = fields.Integer(required=True, validate=MINUTES)
    closed_at = Instant(load_default=None)
    acts = fields.List(fields.Nested(ActSchema), required=True, validate=validate.Length(min=1, max=20))
    follow_up = fields.Nested("VisitFollowUp", load_default=None)


class RecordWorkshopRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)
    theme = fields.String(required=True, validate=one_of(THEMES))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))
    held_on = fields.Date(required=True)
    attendees = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    duration_min = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True,
                            validate=validate.Length(min=1))


class ListVisitsRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    day = fields.Date(load_default=None)
    still_open = fields.Boolean(load_default=False)  # with `day`: and the visits left open before it
    status = fields.String(load_default=None, validate=one_of(("open", "closed")))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=OFFSET)


class GetCitizenRequest(RequestSchema):
    """Who reads is not part of the request: it is the signed principal of the call (shared/principal.py)."""

    citizen_id = fields.Integer(required=True, strict=True, validate=RECORD_NUMBER)


class FindCitizensRequest(RequestSchema):
    """A returning person at another desk of the association: found by name (and phone, to tell apart two
    namesakes), among those who consented to be followed across visits (purpose follow_up)."""

    last_name = fields.String(required=True, validate=NAME)
    first_name = fields.String(load_default=None, validate=NAME)
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 .]{6,20}$"))


class EraseCitizenRequest(RequestSchema):
    """A person's record erased at their request (right to erasure), by a manager of the association."""

    citizen_id = fields.Integer(required=True, strict=True, validate=RECORD_NUMBER)


class RecordConsentRequest(RequestSchema):
    """A consent given or withdrawn, for some purposes: `given_at` is when the person said so (default: when
    it is recorded), `channel` how."""

    citizen_id = fields.Integer(required=True, strict=True, validate=RECORD_NUMBER)
    action = fields.String(required=True, validate=one_of(("given", "withdrawn")))
    purposes = fields.List(fields.String(validate=one_of(CONSENT_PURPOSES)), required=True,
                           validate=validate.Length(min=1))
    channel = fields.String(required=True, validate=one_of(CONSENT_CHANNELS))
    given_at = Instant(load_default=None)


# accueil's follow-ups and referrals, and its Point Conseil Budget: their events register with the rest
from shared.contracts import accueil_budget, accueil_cases, accueil_waiting, accueil_workshops  # noqa: E402, F401
