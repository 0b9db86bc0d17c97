"""Accueil's workshop sessions (ateliers collectifs as people live them): the requests they accept. Part of
accueil's contract (shared/contracts/accueil.py imports it); their one event, `accueil.workshop_held` v2, sits
there beside v1 and its upcaster.

A session is planned at a desk with a theme, a start, a place and a capacity; people register (by name, with
their consent to follow_up, or anonymously with a slip's reference); a full session refuses one more (409,
naming its capacity: there is no waiting list); attendance is marked from the session's start on, registered
people and walk-ins alike; closing it publishes `workshop_held` once."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.accueil import RECORD_NUMBER, THEMES
from shared.contracts.common import PARTNERS, REGISTRES, RequestSchema, one_of
from shared.envelope import CODE
from shared.types import Instant

SESSION_STATUSES = {"planned": "Prévu", "held": "Tenu", "cancelled": "Annulé"}
REGISTRATION_STATUSES = {"registered": "Inscrit", "walk_in": "Venu sans inscription", "cancelled": "Désinscrit"}
CAPACITY = validate.Range(min=1, max=500)
DEFAULT_REGISTRES = ("collective", "inform")  # a workshop is a collective project that informs (norm 7 and 8)
PLACE = validate.Length(min=1, max=120)
IDS = validate.Length(max=500)


class PlanWorkshopRequest(RequestSchema):
    """A session planned at a desk: its theme, start, length, place and capacity, and who runs it."""

    pimms_id = fields.String(required=True, validate=CODE)
    agent_id = fields.String(required=True, validate=CODE)  # the facilitator
    theme = fields.String(required=True, validate=one_of(THEMES))
    partner = fields.String(load_default=None, validate=one_of(PARTNERS))
    starts_at = Instant(required=True)
    duration_min = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    capacity = fields.Integer(required=True, strict=True, validate=CAPACITY)
    place = fields.String(load_default=None, validate=PLACE)
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), load_default=lambda: list(DEFAULT_REGISTRES),
                            validate=validate.Length(min=1))


class ListWorkshopsRequest(RequestSchema):
    """A desk's sessions, soonest first: `from_day` those starting that day or later (the association's
    calendar), `status` those planned, held or cancelled."""

    pimms_id = fields.String(required=True, validate=CODE)
    from_day = fields.Date(load_default=None)
    status = fields.String(load_default=None, validate=one_of(SESSION_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class GetWorkshopRequest(RequestSchema):
    workshop_id = fields.UUID(required=True)


class RegisterRequest(RequestSchema):
    """Register a person to a planned session: named (`citizen_id`, a record the desk may name, who consented
    to follow_up) or anonymous (no `citizen_id`: the answer gives the reference for their slip)."""

    workshop_id = fields.UUID(required=True)
    citizen_id = fields.Integer(load_default=None, strict=True, validate=RECORD_NUMBER)
    agent_id = fields.String(required=True, validate=CODE)


class CancelRegistrationRequest(RequestSchema):
    workshop_id = fields.UUID(required=True)
    registration_id = fields.Integer(required=True, strict=True, validate=RECORD_NUMBER)


class AttendanceRequest(RequestSchema):
    """Who came, marked from the session's start on (and after it, until it is closed): registrations
    `present` or `absent` (a mark corrected), and walk-ins, anonymous (`walk_ins`, how many) or named
    (`walk_in_citizens`, records the desk may name, who consented to follow_up)."""

    workshop_id = fields.UUID(required=True)
    present = fields.List(fields.Integer(strict=True, validate=RECORD_NUMBER), load_default=list, validate=IDS)
    absent = fields.List(fields.Integer(strict=True, validate=RECORD_NUMBER), load_default=list, validate=IDS)
    walk_ins = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=500))
    walk_in_citizens = fields.List(fields.Integer(strict=True, validate=RECORD_NUMBER), load_default=list,
                                   validate=validate.Length(max=100))

    @validates_schema
    def _present_or_absent(self, data, **kwargs):
        if set(data.get("present", ())) & set(data.get("absent", ())):
            raise ValidationError("a registration is marked present or absent, not both", "absent")
        if not (data.get("present") or data.get("absent") or data.get("walk_ins") or data.get("walk_in_citizens")):
            raise ValidationError("mark someone: present, absent, walk_ins or walk_in_citizens", "present")


class CloseWorkshopRequest(RequestSchema):
    """Close a session that was held: publishes accueil.workshop_held once. `duration_min` and `registres`
    default to those planned."""

    workshop_id = fields.UUID(required=True)
    duration_min = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1440))
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), load_default=None,
                            validate=validate.Length(min=1))


class CancelWorkshopRequest(RequestSchema):
    """A planned session that will not take place: nothing is published."""

    workshop_id = fields.UUID(required=True)
