"""The JSON API's shapes for workshop sessions (issue 20): accueil's requests with the desk and the agent
filled in from the account, and what the API answers. Kept beside schemas.py, whose visits and follow-ups
they follow."""
from marshmallow import Schema, fields

from services.gateway.schemas import DeskWorkshopRequest
from shared.contracts.accueil_workshops import (
    AttendanceRequest,
    CloseWorkshopRequest,
    ListWorkshopsRequest,
    PlanWorkshopRequest,
    RegisterRequest,
)
from shared.envelope import CODE


class DeskPlanRequest(PlanWorkshopRequest):
    """accueil's PlanWorkshopRequest; `pimms_id` defaults to the agent's desk, the facilitator (`agent_id`)
    to the account's agent."""

    pimms_id = fields.String(load_default=None, validate=CODE)
    agent_id = fields.String(load_default=None, validate=CODE)


class WorkshopPost(DeskPlanRequest):
    """Plan a session (`starts_at`, `capacity`, `duration_min`, `theme`...) or, with `held_on` and
    `attendees` instead of `starts_at` and `capacity`, record a workshop already held as a head count (the
    earlier form, DeskWorkshopRequest: its attendees are anonymous)."""

    starts_at = fields.AwareDateTime(load_default=None)
    capacity = fields.Integer(load_default=None)
    held_on = fields.Date(load_default=None, metadata={"description": "a head count: the day it was held"})
    attendees = fields.Integer(load_default=None, metadata={"description": "a head count: how many came"})


def is_head_count(body) -> bool:
    return isinstance(body, dict) and "attendees" in body and "starts_at" not in body


class WorkshopsQuery(ListWorkshopsRequest):
    pimms_id = fields.String(load_default=None, validate=CODE)


class DeskRegistration(RegisterRequest):
    """Register someone: `citizen_id` a person the desk may name (found by name, or received at the desk),
    who consented to follow_up; without it, anonymously (the answer's `reference` goes on their slip)."""

    class Meta:
        exclude = ("workshop_id", "agent_id")


class DeskAttendance(AttendanceRequest):
    class Meta:
        exclude = ("workshop_id",)


class DeskCloseWorkshop(CloseWorkshopRequest):
    class Meta:
        exclude = ("workshop_id",)


class RegistrationView(Schema):
    """A person in a session: by record number or slip reference, never by name."""

    registration_id = fields.Integer(required=True)
    workshop_id = fields.UUID(required=True)
    named = fields.Boolean(required=True)
    citizen_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"description": "the anonymous person's slip"})
    status = fields.String(required=True, metadata={"description": "registered, walk_in or cancelled"})
    walk_in = fields.Boolean(required=True)
    registered_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    present = fields.Boolean(required=True)
    attended_at = fields.AwareDateTime(allow_none=True)


class WorkshopSessionView(Schema):
    workshop_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    theme = fields.String(required=True)
    partner = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    day = fields.Date(required=True)
    duration_min = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    place = fields.String(allow_none=True)
    registres = fields.List(fields.String(), required=True)
    status = fields.String(required=True, metadata={"description": "planned, held or cancelled"})
    registered = fields.Integer(required=True)
    places_left = fields.Integer(required=True)
    full = fields.Boolean(required=True)
    attendees = fields.Integer(required=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    registrations = fields.List(fields.Nested(RegistrationView), metadata={"description": "not in lists"})


class RegistrationAnswer(RegistrationView):
    workshop = fields.Nested(WorkshopSessionView, required=True)


class WorkshopAnswer(Schema):
    """What POST /api/workshops answers: the session planned (WorkshopSessionView's fields), or the head
    count recorded (`held_on` and `attendees`, no `starts_at`)."""

    workshop_id = fields.UUID(required=True)
    pimms_id = fields.String(required=True)
    agent_id = fields.String(required=True)
    theme = fields.String(required=True)
    partner = fields.String(allow_none=True)
    duration_min = fields.Integer(required=True)
    registres = fields.List(fields.String(), required=True)
    attendees = fields.Integer(required=True)
    held_on = fields.Date(metadata={"description": "a head count's day"})
    starts_at = fields.AwareDateTime(metadata={"description": "a planned session's start"})
    day = fields.Date()
    capacity = fields.Integer()
    place = fields.String(allow_none=True)
    status = fields.String()
    registered = fields.Integer()
    places_left = fields.Integer()
    full = fields.Boolean()
    closed_at = fields.AwareDateTime(allow_none=True)
    registrations = fields.List(fields.Nested(RegistrationView))


__all__ = ["DeskWorkshopRequest"]  # the head-count form, re-exported for WorkshopPost's readers
