"""The gateway: the desk and figures pages and the JSON API over the services' RPC, with accounts, roles and
an audit log. It stores accounts, revoked tokens and the audit log, never a citizen's identity."""
import logging
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.timer import timer
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.gateway import (
    access,
    accounts,
    audit,
    budget_page,
    case_page,
    desk_page,
    desk_work,
    figures_page,
    figures_reading,
    html,
    openapi,
    operations,
    sessions,
    waiting_page,
    workshop_page,
    workshop_work,
)
from services.gateway.access import ANY_ROLE, STAFF
from services.gateway.account_pages import AccountPages
from services.gateway.api_accounts import AccountRoutes
from services.gateway.api_budget import BudgetRoutes
from services.gateway.api_suivis import FollowUpRoutes
from services.gateway.api_waiting import WaitingRoutes
from services.gateway.api_workshops import WorkshopRoutes
from services.gateway.backends import Backends
from services.gateway.metrics import AUDIT_ENTRIES_FORGOTTEN
from services.gateway.schemas import (
    HEAD_OFFICE,
    MANAGER,
    OPERATOR,
    AccountView,
    CitizenExport,
    CitizenMatch,
    CitizenSearchQuery,
    CitizenView,
    ConsentAnswer,
    ConsentChange,
    CreateAccountRequest,
    DeskActRequest,
    DeskCloseRequest,
    DeskVisitRequest,
    DeskVisitsQuery,
    ErasureView,
    FiguresQuery,
    FiguresRow,
    LoginRequest,
    MonthlyFigures,
    MonthlyFiguresQuery,
    NetworkHealth,
    TokenView,
    VisitView,
)
from services.gateway.throttle import LoginThrottle
from services.gateway.web import (
    API_ROUTES,
    IDEMPOTENCY_HEADER,
    TokenAuthority,
    api,
    page,
    request_json,
    unknown_api_route,
)
from services.gateway.workshop_schemas import WorkshopAnswer, WorkshopPost
from shared import localtime
from shared.db import utcnow
from shared.dependencies import Database
from shared.errors import NotFound, parse_request
from shared.metrics import Metrics
from shared.principal import Vouch
from shared.rpc import rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
log = logging.getLogger(__name__)
STATIC = {name: (Path(__file__).parent / "static" / name).read_bytes() for name in ("app.js", "app.css")}
STATIC_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
FIGURE_READERS = ("agent", "manager", HEAD_OFFICE)


class GatewayService(PlatformService, ContractCopy, FollowUpRoutes, BudgetRoutes, AccountRoutes, AccountPages,
                     WaitingRoutes, WorkshopRoutes, workshop_page.WorkshopPages):
    """ping, /health and /metrics come from PlatformService; ContractCopy keeps the franchise contract, whose
    desks are a manager's (accounts.desks_of)."""

    name = "gateway"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()
    tokens = TokenAuthority()
    throttle = LoginThrottle()
    vouch = Vouch()  # the account of each request, signed into the RPC calls it makes
    backends = Backends()  # accueil and reporting, each call bound by RPC_TIMEOUT_SECONDS

    # -- RPC: accounts and the audit log (administration, demo) ---------------------------------------------------
    @rpc
    def create_account(self, request):
        req = parse_request(CreateAccountRequest, request)
        return accounts.register(self.db.unit_of_work, req, utcnow(), self.config["ASSOCIATION_ID"])

    @rpc
    def audit_entries(self, limit=100):
        return audit.entries(self.db, limit)

    @rpc
    def forget_old_audit_entries(self):
        """The audit log's retention (AUDIT_RETENTION_MONTHS), also run daily by the timer below."""
        months = int(self.config.get("AUDIT_RETENTION_MONTHS", audit.AUDIT_RETENTION_MONTHS))
        forgotten = audit.forget_old(self.db, utcnow(), months)
        self.metrics[AUDIT_ENTRIES_FORGOTTEN].inc(forgotten)
        log.info("audit log retention: %d entries older than %d months deleted", forgotten, months)
        return forgotten

    @timer(interval=24 * 3600, eager=True)  # eager: a gateway restarted daily would otherwise never run it
    def forget_daily(self):
        self.forget_old_audit_entries()

    # -- JSON API: sessions ---------------------------------------------------------------------------------------
    @api("POST", "/api/login", summary="Log in: a signed token that expires", tag="sessions", roles=(),
         body=LoginRequest, response=TokenView, errors=(400, 401, 429, 503))
    def api_login(self, request, principal):
        req = parse_request(LoginRequest, request_json(request))
        sessions.throttle_attempt(self.throttle, self.metrics, request, req["login"])
        token, claims, view = sessions.log_in(self.db, self.tokens, self.metrics, self.config, req["login"],
                                              req["password"])
        return {"token": token, "token_type": "Bearer", "expires_at": claims.expires_at.isoformat(), "account": view}

    @api("POST", "/api/logout", summary="Revoke this token", tag="sessions", roles=ANY_ROLE)
    def api_logout(self, request, principal):
        sessions.log_out(self.db, self.tokens, principal)
        return {"logged_out": True}

    @api("GET", "/api/me", summary="The account behind the token, its role and desks", tag="sessions",
         roles=ANY_ROLE, response=AccountView)
    def api_me(self, request, principal):
        return {"login": principal.login, "role": principal.role, "association_id": principal.association_id,
                "pimms_id": principal.pimms_id, "agent_id": principal.agent_id, "desks": list(principal.desks),
                "must_change_password": principal.must_change_password}

    # -- JSON API: visits and workshops (the association's staff, within their desks) -------------------------------
    @api("GET", "/api/visits", summary="A desk's visits (default: the agent's desk)", tag="accueil",
         roles=STAFF, query=DeskVisitsQuery, response=VisitView, many=True)
    def api_list_visits(self, request, principal):
        return desk_work.list_visits(self.backends.accueil, principal, request.args.to_dict())

    @api("POST", "/api/visits", summary="Open a visit (anonymous by default), with its first acts", tag="accueil",
         roles=STAFF, body=DeskVisitRequest, response=VisitView, status=201, errors=(400, 401, 403, 404, 422, 503))
    def api_open_visit(self, request, principal):
        return desk_work.open_visit(self.backends.accueil, principal, request_json(request),
                                    request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/visits/<string:visit_id>", summary="A visit of one of your desks", tag="accueil",
         roles=STAFF, response=VisitView)
    def api_get_visit(self, request, principal, visit_id):
        return desk_work.visit_in_scope(self.backends.accueil, principal, visit_id)

    @api("POST", "/api/visits/<string:visit_id>/acts", summary="Add an acte de médiation to an open visit",
         tag="accueil", roles=STAFF, body=DeskActRequest, response=VisitView, status=201,
         errors=(400, 401, 403, 404, 409, 503))
    def api_add_act(self, request, principal, visit_id):
        return desk_work.add_act(self.backends.accueil, principal, visit_id, request_json(request),
                                 request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/visits/<string:visit_id>/close", summary="Close a visit: registres, outcome, duration",
         tag="accueil", roles=STAFF, body=DeskCloseRequest, response=VisitView, status=201,
         errors=(400, 401, 403, 404, 409, 503))
    def api_close_visit(self, request, principal, visit_id):
        return desk_work.close_visit(self.backends.accueil, principal, visit_id, request_json(request),
                                     request.headers.get(IDEMPOTENCY_HEADER))

    @api("POST", "/api/workshops", summary="Plan a workshop session (starts_at, capacity), or record a workshop "
         "already held as a head count (held_on, attendees)", tag="ateliers", roles=STAFF, body=WorkshopPost,
         response=WorkshopAnswer, status=201, errors=(400, 401, 403, 422, 503))
    def api_record_workshop(self, request, principal):
        return workshop_work.post(self.backends.accueil, principal, request_json(request),
                                  request.headers.get(IDEMPOTENCY_HEADER))

    @api("GET", "/api/citizens", summary="Find a returning person by name among those who consented to be "
                                         "followed (staff of any desk of the association; audited)",
         tag="accueil", roles=STAFF, query=CitizenSearchQuery, response=CitizenMatch, many=True)
    def api_find_citizens(self, request, principal):
        query = parse_request(CitizenSearchQuery, request.args.to_dict())
        return desk_work.find_citizens(self.backends.accueil, self.db, principal, query)

    @api("GET", "/api/citizens/<int:citizen_id>", summary="A citizen's identity (staff only; audited)",
         tag="accueil", roles=STAFF, response=CitizenView)
    def api_get_citizen(self, request, principal, citizen_id):
        return desk_work.read_citizen(self.backends.accueil, self.db, self.metrics, principal, citizen_id)

    @api("GET", "/api/citizens/<int:citizen_id>/export", summary="All that is held about a person: identity, "
         "consents and their history, visits, who read the record (right of access; staff; audited)",
         tag="accueil", roles=STAFF, response=CitizenExport)
    def api_export_citizen(self, request, principal, citizen_id):
        return desk_work.export_citizen(self.backends.accueil, self.db, self.metrics, principal, citizen_id)

    @api("POST", "/api/citizens/<int:citizen_id>/consent", summary="Record a consent given or withdrawn; "
         "withdrawn for every purpose, the record is erased", tag="accueil", roles=STAFF, body=ConsentChange,
         response=ConsentAnswer, status=201, errors=(400, 401, 403, 404, 503))
    def api_record_consent(self, request, principal, citizen_id):
        return desk_work.record_consent(self.backends.accueil, self.db, principal, citizen_id,
                                        request_json(request), request.headers.get(IDEMPOTENCY_HEADER))

    @api("DELETE", "/api/citizens/<int:citizen_id>", summary="Erase a person's record at their request "
         "(the association's manager); the figures stay the same", tag="accueil", roles=(MANAGER,),
         response=ErasureView)
    def api_erase_citizen(self, request, principal, citizen_id):
        return desk_work.erase_citizen(self.backends.accueil, self.db, principal, citizen_id,
                                       request.headers.get(IDEMPOTENCY_HEADER))

    # -- JSON API: figures -------------------------------------------------------------------------------------------
    @api("GET", "/api/figures", summary="Figures of a desk, an association or the network for a month or year "
                                        "(exact for the association's staff if reporting allows it, else "
                                        "suppressed)", tag="figures", roles=FIGURE_READERS, query=FiguresQuery,
         response=FiguresRow)
    def api_figures(self, request, principal):
        req = parse_request(FiguresQuery, request.args.to_dict())
        exact = access.figures_access(principal, req["scope"], req["id"])
        return figures_reading.row(self.backends.reporting, req["scope"], req["id"], req["period"], exact)

    @api("GET", "/api/figures/months", summary="The twelve months of a year, for charts", tag="figures",
         roles=FIGURE_READERS, query=MonthlyFiguresQuery, response=MonthlyFigures)
    def api_monthly_figures(self, request, principal):
        req = parse_request(MonthlyFiguresQuery, request.args.to_dict())
        exact = access.figures_access(principal, req["scope"], req["id"])
        return figures_reading.year_by_month(self.backends.reporting, req["scope"], req["id"], req["year"], exact)

    # -- JSON API: operations -----------------------------------------------------------------------------------------
    @api("GET", "/api/ops/health", summary="Health of every service (their own /health) and of the gateway",
         tag="operations", roles=(OPERATOR,), response=NetworkHealth)
    def api_health(self, request, principal):
        return operations.network_health(self.config, self.db.storage.engine)

    @api("GET", "/api/ops/metrics/<string:service>", summary="A service's Prometheus metrics, proxied",
         tag="operations", roles=(OPERATOR,), content_type="text/plain")
    def api_metrics(self, request, principal, service):
        return operations.metrics_of(self.config, service)

    @api("GET", "/api/openapi.json", summary="This description (OpenAPI 3)", tag="api", roles=())
    def api_openapi(self, request, principal):
        return openapi.spec(API_ROUTES)

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:rest>")
    def api_unknown(self, request, rest):
        return unknown_api_route(request)

    # -- pages: sessions --------------------------------------------------------------------------------------------
    @page("GET", "/", public=True)
    def home(self, request, principal):
        return sessions.landing(self.db.storage, self.tokens, request)

    @page("GET", "/login", public=True)
    def login_form(self, request, principal):
        return sessions.login_form(self.tokens, self.config, request.args.get("suite", ""))

    @page("POST", "/login", public=True)
    def login(self, request, principal):
        return sessions.log_in_from_form(self.db, self.tokens, self.throttle, self.metrics, self.config, request)

    @page("POST", "/logout")
    def logout(self, request, principal):
        return sessions.log_out_browser(self.db, self.tokens, principal)

    # -- pages: the desk ------------------------------------------------------------------------------------------------
    @page("GET", "/desk", roles=STAFF)
    def desk(self, request, principal):
        return desk_page.show(self.backends.accueil, self.tokens, principal, request.args,
                              localtime.zone_of(self.config))

    @page("POST", "/desk/visits", roles=STAFF)
    def desk_record_visit(self, request, principal):
        return desk_page.post_visit(self.backends.accueil, self.tokens, principal, request.form,
                                    localtime.zone_of(self.config))

    @page("POST", "/desk/visits/<string:visit_id>/close", roles=STAFF)
    def desk_close_visit(self, request, principal, visit_id):
        return desk_page.post_close(self.backends.accueil, self.tokens, principal, visit_id, request.form,
                                    localtime.zone_of(self.config))

    @page("POST", "/desk/workshops", roles=STAFF)
    def desk_record_workshop(self, request, principal):
        return desk_page.post_workshop(self.backends.accueil, self.tokens, principal, request.form,
                                       localtime.zone_of(self.config))

    @page("GET", "/citizens/<int:citizen_id>", roles=STAFF)
    def citizen(self, request, principal, citizen_id):
        citizen = desk_work.read_citizen(self.backends.accueil, self.db, self.metrics, principal, citizen_id)
        return html.citizen_page(principal, self.tokens, citizen)

    @page("GET", "/citizens/<int:citizen_id>/export", roles=STAFF)
    def citizen_export(self, request, principal, citizen_id):
        export = desk_work.export_citizen(self.backends.accueil, self.db, self.metrics, principal, citizen_id)
        return html.export_page(principal, self.tokens, export)

    @page("GET", "/cases/<string:case_id>", roles=STAFF)
    def case(self, request, principal, case_id):
        return case_page.show(self.backends.accueil, self.tokens, principal, case_id)

    @page("POST", "/cases/<string:case_id>", roles=STAFF)
    def case_update(self, request, principal, case_id):
        return case_page.post(self.backends.accueil, self.tokens, principal, case_id, request.form)

    @page("POST", "/budget-dossiers", roles=STAFF)
    def budget_open(self, request, principal):
        return budget_page.post_open(self.backends.accueil, self.tokens, principal, request.form)

    @page("POST", "/budget-dossiers/<string:dossier_id>/diagnosis", roles=STAFF)
    def budget_diagnosis(self, request, principal, dossier_id):
        return budget_page.post_diagnosis(self.backends.accueil, self.tokens, principal, dossier_id, request.form)

    @page("GET", "/budget-dossiers/<string:dossier_id>", roles=STAFF)
    def budget_dossier(self, request, principal, dossier_id):
        return budget_page.show(self.backends.accueil, self.tokens, principal, dossier_id)

    @page("POST", "/budget-dossiers/<string:dossier_id>/steps", roles=STAFF)
    def budget_step(self, request, principal, dossier_id):
        return budget_page.post_step(self.backends.accueil, self.tokens, principal, dossier_id, request.form)

    # -- pages: the waiting room (waiting_page.py) ----------------------------------------------------------------
    @page("GET", "/desk/waiting", roles=STAFF)
    def desk_waiting(self, request, principal):
        return waiting_page.show(self.backends.accueil, self.tokens, principal, request.args,
                                 localtime.zone_of(self.config))

    @page("POST", "/desk/tickets", roles=STAFF)
    def desk_take_ticket(self, request, principal):
        return waiting_page.post_ticket(self.backends.accueil, self.tokens, principal, request.form,
                                        localtime.zone_of(self.config))

    @page("POST", "/desk/tickets/next", roles=STAFF)
    def desk_call_next(self, request, principal):
        return waiting_page.post_next(self.backends.accueil, self.tokens, principal, request.form,
                                      localtime.zone_of(self.config))

    @page("POST", "/desk/tickets/close-day", roles=STAFF)
    def desk_close_day(self, request, principal):
        return waiting_page.post_close_day(self.backends.accueil, self.tokens, principal, request.form,
                                           localtime.zone_of(self.config))

    @page("POST", "/desk/tickets/<string:ticket_id>/left", roles=STAFF)
    def desk_ticket_left(self, request, principal, ticket_id):
        return waiting_page.post_left(self.backends.accueil, self.tokens, principal, ticket_id, request.form,
                                      localtime.zone_of(self.config))

    @page("POST", "/desk/appointments", roles=STAFF)
    def desk_book_appointment(self, request, principal):
        return waiting_page.post_appointment(self.backends.accueil, self.tokens, principal, request.form,
                                             localtime.zone_of(self.config))

    @page("POST", "/desk/appointments/<string:appointment_id>/<any(arrivee, absent, annulation):action>",
          roles=STAFF)
    def desk_appointment_change(self, request, principal, appointment_id, action):
        return waiting_page.post_appointment_change(self.backends.accueil, self.tokens, principal, appointment_id,
                                                    action, request.form, localtime.zone_of(self.config))

    @page("GET", "/desk/kiosk", roles=STAFF)
    def desk_kiosk(self, request, principal):
        return waiting_page.kiosk(self.tokens, principal, request.args)

    @page("POST", "/desk/kiosk", roles=STAFF)
    def desk_kiosk_ticket(self, request, principal):
        return waiting_page.post_kiosk(self.backends.accueil, self.tokens, principal, request.form)

    @page("GET", "/salle-attente/<string:pimms_id>", public=True)
    def waiting_room(self, request, principal, pimms_id):
        return waiting_page.board(self.backends.accueil, pimms_id)

    # -- pages: figures and operations ------------------------------------------------------------------------------
    @page("GET", "/figures", roles=FIGURE_READERS)
    def figures_view(self, request, principal):
        return figures_page.show(self.backends.reporting, self.tokens, principal, request.args,
                                 localtime.zone_of(self.config))

    @page("GET", "/figures/pcb.csv", roles=FIGURE_READERS)
    def figures_pcb_csv(self, request, principal):
        return figures_page.pcb_csv(self.backends.reporting, principal, request.args, localtime.zone_of(self.config))

    @page("GET", "/ops", roles=(OPERATOR,))
    def ops(self, request, principal):
        health = operations.network_health(self.config, self.db.storage.engine)
        return html.ops_page(principal, self.tokens, health)

    @page("GET", "/ops/metrics/<string:service>", roles=(OPERATOR,))
    def ops_metrics(self, request, principal, service):
        return operations.metrics_of(self.config, service)

    @page("GET", "/static/<string:name>", public=True)
    def static(self, request, principal, name):
        if name not in STATIC:
            raise NotFound(f"no file {name}")
        return Response(STATIC[name], content_type=STATIC_TYPES[name])

    @page("GET", "/<path:rest>", public=True)
    def unknown_page(self, request, principal, rest):
        raise NotFound(f"no page /{rest}")
