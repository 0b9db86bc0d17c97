"""The desk's work on workshop sessions asked of accueil for an account, within its desks and as its agent:
the JSON API and the workshop pages both go through here (as desk_work.py for visits)."""
from services.gateway import access, desk_work
from services.gateway.web import request_key
from services.gateway.workshop_schemas import (
    DeskAttendance,
    DeskCloseWorkshop,
    DeskPlanRequest,
    DeskRegistration,
    WorkshopsQuery,
    is_head_count,
)
from shared.errors import parse_request


def post(accueil, principal, body, supplied_key):
    """POST /api/workshops: a head count recorded (the earlier form), or a session planned."""
    if is_head_count(body):
        return desk_work.record_workshop(accueil, principal, body, supplied_key)
    return plan(accueil, principal, body, supplied_key)


def plan(accueil, principal, body, supplied_key):
    key = request_key(principal, supplied_key)
    req = parse_request(DeskPlanRequest, body)
    return accueil.plan_workshop({**body, "pimms_id": access.default_desk(principal, req["pimms_id"]),
                                  "agent_id": req["agent_id"] or principal.agent_id, "idempotency_key": key})


def list_workshops(accueil, principal, query):
    return accueil.list_workshops(desk_work.at_desk(principal, WorkshopsQuery, query))


def register(accueil, principal, workshop_id, body, supplied_key):
    parse_request(DeskRegistration, body)
    return accueil.register_to_workshop({**body, "workshop_id": workshop_id, "agent_id": principal.agent_id,
                                         "idempotency_key": request_key(principal, supplied_key)})


def cancel_registration(accueil, principal, workshop_id, registration_id, supplied_key):
    return accueil.cancel_registration({"workshop_id": workshop_id, "registration_id": registration_id,
                                        "idempotency_key": request_key(principal, supplied_key)})


def mark(accueil, principal, workshop_id, body, supplied_key):
    parse_request(DeskAttendance, body)
    return accueil.mark_attendance({**body, "workshop_id": workshop_id,
                                    "idempotency_key": request_key(principal, supplied_key)})


def close(accueil, principal, workshop_id, body, supplied_key):
    parse_request(DeskCloseWorkshop, body)
    return accueil.close_workshop({**body, "workshop_id": workshop_id,
                                   "idempotency_key": request_key(principal, supplied_key)})


def cancel(accueil, principal, workshop_id, supplied_key):
    return accueil.cancel_workshop({"workshop_id": workshop_id,
                                    "idempotency_key": request_key(principal, supplied_key)})
