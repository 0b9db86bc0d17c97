"""The JSON API of Point Conseil Budget: routes of GatewayService for households' budget dossiers, kept in a
mixin of their own. Each route only delegates (desk_work.py); accueil decides, under the mandate, at the
account's desks."""
from services.gateway import desk_work
from services.gateway.access import STAFF
from services.gateway.schemas import DOSSIER_CHANGES, DeskDossierRequest, DossiersQuery, DossierView
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json


class BudgetRoutes:
    """Needs the service's backends (and what `api` needs: db, tokens, vouch, metrics)."""

    @api("GET", "/api/budget-dossiers", summary="A desk's budget dossiers (Point Conseil Budget)", tag="budget",
         roles=STAFF, query=DossiersQuery, response=DossierView, many=True)
    def api_list_dossiers(self, request, principal):
        return desk_work.list_dossiers(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/budget-dossiers", summary="Open a household's budget dossier from a visit (the person named "
         "with consent; under the point_conseil_budget mandate)", tag="budget", roles=STAFF, body=DeskDossierRequest,
         response=DossierView, status=201, errors=(400, 401, 403, 404, 422, 503))
    def api_open_dossier(self, request, principal):
        return desk_work.open_dossier(self.backends.accueil, principal, request_json(request),
                                      request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/budget-dossiers/<string:dossier_id>", summary="A budget dossier of one of your desks, "
         "with its over-indebtedness file", tag="budget", roles=STAFF, response=DossierView)
    def api_get_dossier(self, request, principal, dossier_id):
        return self.backends.accueil.get_dossier(dossier_id)

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/diagnosis", summary="Record the household's diagnosis (the amount left to live on is computed)", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["diagnosis"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_diagnosis(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "diagnosis", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/steps", summary="Add a step to the action plan, or mark one done", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["steps"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_steps(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "steps", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/interventions", summary="Record an intervention with a creditor and its answer", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["interventions"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_interventions(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "interventions", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/orientations", summary="Orient the household (PCB 2 expert platform, Crésus, social worker, bank)", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["orientations"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_orientations(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "orientations", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/close", summary="Close the dossier with its outcome", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["close"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_close(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "close", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/budget-dossiers/<string:dossier_id>/overindebtedness", summary="Move the over-indebtedness file to its next stage", tag="budget", roles=STAFF,
         body=DOSSIER_CHANGES["overindebtedness"], response=DossierView, errors=(400, 401, 403, 404, 409, 503))
    def api_dossier_overindebtedness(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, "overindebtedness", request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))
