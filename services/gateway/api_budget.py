"""The JSON API of Point Conseil Budget: routes of GatewayService for households' budget dossiers, kept in a
mixin of their own. Each route only delegates (desk_work.py); accueil decides, under the mandate, at the
account's desks."""
from services.gateway import desk_work
from services.gateway.access import STAFF
from services.gateway.schemas import DOSSIER_CHANGES, DeskDossierRequest, DossiersQuery, DossierView
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json


def _change(part, summary):
    """The route of one change of a dossier: POST /api/budget-dossiers/<id>/<part>, delegated to desk_work."""
    def route(self, request, principal, dossier_id):
        return desk_work.change_dossier(self.backends.accueil, principal, dossier_id, part, request_json(request),
                                        request.headers.get(IDEMPOTENCY_HEADER))

    route.__name__ = route.__qualname__ = f"api_dossier_{part}"
    return api("POST", f"/api/budget-dossiers/<string:dossier_id>/{part}", summary=summary, tag="budget",
               roles=STAFF, body=DOSSIER_CHANGES[part], response=DossierView,
               errors=(400, 401, 403, 404, 409, 503))(route)


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

    # one route per change of a dossier, each with its own body in the API's description
    api_dossier_diagnosis = _change("diagnosis", "Record the household's diagnosis (the amount left to live on is "
                                    "computed)")
    api_dossier_steps = _change("steps", "Add a step to the action plan, or mark one done")
    api_dossier_interventions = _change("interventions", "Record an intervention with a creditor and its answer")
    api_dossier_orientations = _change("orientations", "Orient the household (PCB 2 expert platform, Crésus, social "
                                       "worker, bank)")
    api_dossier_close = _change("close", "Close the dossier with its outcome")
    api_dossier_overindebtedness = _change("overindebtedness", "Move the over-indebtedness file to its next stage")
