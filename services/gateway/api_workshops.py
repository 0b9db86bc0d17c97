"""The JSON API of workshop sessions (issue 20): routes of GatewayService, in a mixin of their own as the
follow-ups' are. Each route only delegates (workshop_work.py); accueil decides and checks the desks from the
signed account. POST /api/workshops itself (a session planned, or a head count recorded) is in service.py,
where the head count's route always was."""
from services.gateway import workshop_work
from services.gateway.access import STAFF
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json
from services.gateway.workshop_schemas import (
    DeskAttendance,
    DeskCloseWorkshop,
    DeskRegistration,
    RegistrationAnswer,
    RegistrationView,
    WorkshopSessionView,
    WorkshopsQuery,
)

CHANGES = (400, 401, 403, 404, 409, 413, 503)


class WorkshopRoutes:
    """Needs the service's backends (and what `api` needs: db, tokens, vouch, metrics)."""

    @api("GET", "/api/workshops", summary="A desk's workshop sessions, soonest first, with their places left "
         "(from_day: those starting that day or later)", tag="ateliers", roles=STAFF, query=WorkshopsQuery,
         response=WorkshopSessionView, many=True)
    def api_list_workshops(self, request, principal):
        return workshop_work.list_workshops(self.backends.accueil, principal, request.args.to_dict())

    @api("GET", "/api/workshops/<string:workshop_id>", summary="A workshop session of one of your desks, with "
         "its registrations and who came", tag="ateliers", roles=STAFF, response=WorkshopSessionView)
    def api_get_workshop(self, request, principal, workshop_id):
        return self.backends.accueil.get_workshop(workshop_id)

    @api("GET", "/api/workshops/<string:workshop_id>/registrations", summary="A session's registrations and "
         "walk-ins (cancelled ones left out), by record number or slip reference", tag="ateliers", roles=STAFF,
         response=RegistrationView, many=True)
    def api_list_registrations(self, request, principal, workshop_id):
        return self.backends.accueil.get_workshop(workshop_id)["registrations"]

    @api("POST", "/api/workshops/<string:workshop_id>/registrations", summary="Register someone to a planned "
         "session: named (citizen_id, with their consent to follow_up) or anonymous (a reference for their "
         "slip); a full session answers 409 naming its capacity (no waiting list)", tag="ateliers",
         roles=STAFF, body=DeskRegistration, response=RegistrationAnswer, status=201, errors=CHANGES)
    def api_register(self, request, principal, workshop_id):
        return workshop_work.register(self.backends.accueil, principal, workshop_id, request_json(request),
                                      request.headers.get(IDEMPOTENCY_HEADER))

    @api("DELETE", "/api/workshops/<string:workshop_id>/registrations/<int:registration_id>",
         summary="Cancel a registration (its place is free again)", tag="ateliers", roles=STAFF,
         response=RegistrationAnswer, errors=CHANGES)
    def api_cancel_registration(self, request, principal, workshop_id, registration_id):
        return workshop_work.cancel_registration(self.backends.accueil, principal, workshop_id, registration_id,
                                                 request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/workshops/<string:workshop_id>/attendance", summary="Mark who came, from the session's "
         "start on: registrations present or absent, walk-ins (anonymous, or named with consent)",
         tag="ateliers", roles=STAFF, body=DeskAttendance, response=WorkshopSessionView, errors=CHANGES)
    def api_mark_attendance(self, request, principal, workshop_id):
        return workshop_work.mark(self.backends.accueil, principal, workshop_id, request_json(request),
                                  request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/workshops/<string:workshop_id>/close", summary="Close a session that was held: publishes "
         "accueil.workshop_held once (closing it again answers it as it is)", tag="ateliers", roles=STAFF,
         body=DeskCloseWorkshop, response=WorkshopSessionView, errors=CHANGES)
    def api_close_workshop(self, request, principal, workshop_id):
        return workshop_work.close(self.backends.accueil, principal, workshop_id, request_json(request),
                                   request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/workshops/<string:workshop_id>/cancel", summary="Cancel a planned session that will not "
         "take place (nothing is published)", tag="ateliers", roles=STAFF, response=WorkshopSessionView,
         errors=CHANGES)
    def api_cancel_workshop(self, request, principal, workshop_id):
        return workshop_work.cancel(self.backends.accueil, principal, workshop_id,
                                    request.headers.get(IDEMPOTENCY_HEADER))
