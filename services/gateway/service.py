"""The gateway: the desk and figures pages and the JSON API over the services' RPC, with accounts, roles and
an audit log. It stores accounts, revoked tokens and the audit log, never a citizen's identity."""
import datetime as dt
import secrets
from pathlib import Path

from nameko.dependency_providers import Config
from nameko.web.handlers import http
from sqlalchemy import select
from werkzeug.routing import Map, Rule
from werkzeug.exceptions import MethodNotAllowed, NotFound as NoRoute
from werkzeug.wrappers import Response

from services.gateway import access, accounts, desk_page, figures_page, figures_reading, forms, html, openapi
from services.gateway.access import STAFF
from services.gateway.backends import Backend, health_of, metrics_of
from services.gateway.errors import Forbidden, TooManyRequests, Unauthorized
from services.gateway.models import AuditEntry
from services.gateway.schemas import (
    HEAD_OFFICE, OPERATOR, AccountView, CitizenMatch, CitizenSearchQuery, CitizenView, CreateAccountRequest,
    DeskActRequest, DeskCloseRequest, DeskRecordRequest, DeskVisitRequest, DeskVisitsQuery, DeskWorkshopRequest,
    FiguresQuery, FiguresRow, LoginRequest, MonthlyFigures, MonthlyFiguresQuery, NetworkHealth, TokenView, VisitView,
    WorkshopView)
from services.gateway.html import FORM_KEY
from services.gateway.throttle import LoginThrottle
from services.gateway.web import (
    API_ROUTES, COOKIE, IDEMPOTENCY_HEADER, LOGIN_COOKIE, TokenAuthority, api, local_path, login_guard, page,
    principal_for, redirect, request_json, request_key, session_cookie)
from shared import health, localtime
from shared.db import utcnow, as_utc
from shared.dependencies import Database
from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound, parse_request
from shared.http import json_response
from shared.metrics import Metrics
from shared.principal import Vouch
from shared.rpc import RpcProxy, rpc
from shared.service import ContractCopy, PlatformService

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
STATIC = {name: (Path(__file__).parent / "static" / name).read_bytes() for name in ("app.js", "app.css")}
STATIC_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
FIGURE_READERS = ("agent", "manager", HEAD_OFFICE)
ANY_ROLE = ("agent", "manager", HEAD_OFFICE, OPERATOR)


class GatewayService(PlatformService, ContractCopy):
    """ping, /health and /metrics come from PlatformService; ContractCopy keeps the franchise contract, whose
    desks are a manager's (accounts.desks_of)."""

    name = "gateway"

    config = Config()
    db = Database(MIGRATIONS)
    metrics = Metrics()
    tokens = TokenAuthority()
    throttle = LoginThrottle()
    vouch = Vouch()  # the account of each request, signed into the RPC calls it makes
    accueil_rpc = RpcProxy("accueil")
    reporting_rpc = RpcProxy("reporting")

    # -- RPC: accounts and the audit log (administration, demo) ---------------------------------------------------
    @rpc
    def create_account(self, request):
        req = parse_request(CreateAccountRequest, request)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            account = accounts.create_account(uow.session, req, now, self.config["ASSOCIATION_ID"])
            uow.session.add(AuditEntry(at=now, login=account.login, role=account.role, action="account_created"))
            uow.session.flush()
            return accounts.account_view(account, accounts.desks_of(uow.session, account))

    @rpc
    def audit_entries(self, limit=100):
        with self.db.unit_of_work() as uow:
            rows = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(int(limit)))
            return [{"at": as_utc(r.at).isoformat(), "login": r.login, "role": r.role, "action": r.action,
                     "target": r.target} for r in rows]

    # -- JSON API: sessions ---------------------------------------------------------------------------------------
    @api("POST", "/api/login", summary="Log in: a signed token that expires", tag="sessions", roles=(),
         body=LoginRequest, response=TokenView, errors=(400, 401, 429, 503))
    def api_login(self, request, principal):
        req = parse_request(LoginRequest, request_json(request))
        self._throttle(request, req["login"])
        token, claims, view = self._login(req["login"], req["password"])
        return {"token": token, "token_type": "Bearer", "expires_at": claims.expires_at.isoformat(), "account": view}

    @api("POST", "/api/logout", summary="Revoke this token", tag="sessions", roles=ANY_ROLE)
    def api_logout(self, request, principal):
        self._logout(principal)
        return {"logged_out": True}

    @api("GET", "/api/me", summary="The account behind the token, its role and desks", tag="sessions",
         roles=ANY_ROLE, response=AccountView)
    def api_me(self, request, principal):
        return {"login": principal.login, "role": principal.role, "association_id": principal.association_id,
                "pimms_id": principal.pimms_id, "agent_id": principal.agent_id, "desks": list(principal.desks)}

    # -- JSON API: visits and workshops (the association's staff, within their desks) -------------------------------
    @api("GET", "/api/visits", summary="A desk's visits (default: the agent's desk)", tag="accueil",
         roles=STAFF, query=DeskVisitsQuery, response=VisitView, many=True)
    def api_list_visits(self, request, principal):
        query = request.args.to_dict()
        req = parse_request(DeskVisitsQuery, query)
        return self._accueil().list_visits({**query, "pimms_id": access.default_desk(principal, req["pimms_id"])})

    @api("POST", "/api/visits", summary="Open a visit (anonymous by default), with its first acts", tag="accueil",
         roles=STAFF, body=DeskVisitRequest, response=VisitView, status=201, errors=(400, 401, 403, 404, 422, 503))
    def api_open_visit(self, request, principal):
        return self._open_visit(principal, request_json(request), self._key(request, principal))

    @api("GET", "/api/visits/<string:visit_id>", summary="A visit of one of your desks", tag="accueil",
         roles=STAFF, response=VisitView)
    def api_get_visit(self, request, principal, visit_id):
        return self._visit_in_scope(principal, visit_id)

    @api("POST", "/api/visits/<string:visit_id>/acts", summary="Add an acte de médiation to an open visit",
         tag="accueil", roles=STAFF, body=DeskActRequest, response=VisitView, status=201,
         errors=(400, 401, 403, 404, 409, 503))
    def api_add_act(self, request, principal, visit_id):
        body = request_json(request)
        parse_request(DeskActRequest, body)
        self._visit_in_scope(principal, visit_id)
        return self._accueil().add_act({**body, "visit_id": visit_id, "idempotency_key": self._key(request, principal)})

    @api("POST", "/api/visits/<string:visit_id>/close", summary="Close a visit: registres, outcome, duration",
         tag="accueil", roles=STAFF, body=DeskCloseRequest, response=VisitView, status=201,
         errors=(400, 401, 403, 404, 409, 503))
    def api_close_visit(self, request, principal, visit_id):
        body = request_json(request)
        parse_request(DeskCloseRequest, body)
        self._visit_in_scope(principal, visit_id)
        return self._accueil().close_visit({**body, "visit_id": visit_id,
                                            "idempotency_key": self._key(request, principal)})

    @api("POST", "/api/workshops", summary="Record a collective workshop", tag="accueil", roles=STAFF,
         body=DeskWorkshopRequest, response=WorkshopView, status=201, errors=(400, 401, 403, 422, 503))
    def api_record_workshop(self, request, principal):
        return self._record_workshop(principal, request_json(request), self._key(request, principal))

    @api("GET", "/api/citizens", summary="Find a returning person by name among those who consented to be "
                                         "followed (staff of any desk of the association; audited)",
         tag="accueil", roles=STAFF, query=CitizenSearchQuery, response=CitizenMatch, many=True)
    def api_find_citizens(self, request, principal):
        query = parse_request(CitizenSearchQuery, request.args.to_dict())
        access.citizen_reader(principal)
        found = self._accueil().find_citizens(query)
        self._audit(principal, "citizen_search", f"found:{len(found)}")
        return found

    @api("GET", "/api/citizens/<int:citizen_id>", summary="A citizen's identity (staff only; audited)",
         tag="accueil", roles=STAFF, response=CitizenView)
    def api_get_citizen(self, request, principal, citizen_id):
        return self._citizen(principal, citizen_id)

    # -- JSON API: figures -------------------------------------------------------------------------------------------
    @api("GET", "/api/figures", summary="Figures of a desk, an association or the network for a month or year "
                                        "(exact for the association's staff if reporting allows it, else "
                                        "suppressed)", tag="figures", roles=FIGURE_READERS, query=FiguresQuery,
         response=FiguresRow)
    def api_figures(self, request, principal):
        req = parse_request(FiguresQuery, request.args.to_dict())
        exact = access.figures_access(principal, req["scope"], req["id"])
        return figures_reading.row(self._reporting(), req["scope"], req["id"], req["period"], exact)

    @api("GET", "/api/figures/months", summary="The twelve months of a year, for charts", tag="figures",
         roles=FIGURE_READERS, query=MonthlyFiguresQuery, response=MonthlyFigures)
    def api_monthly_figures(self, request, principal):
        req = parse_request(MonthlyFiguresQuery, request.args.to_dict())
        exact = access.figures_access(principal, req["scope"], req["id"])
        rows = figures_reading.months(self._reporting(), req["scope"], req["id"], req["year"], exact)
        return {"scope": req["scope"], "id": req["id"], "year": req["year"],
                "exact": any(r is not None and r["exact"] for r in rows), "months": rows}

    # -- JSON API: operations -----------------------------------------------------------------------------------------
    @api("GET", "/api/ops/health", summary="Health of every service (their own /health) and of the gateway",
         tag="operations", roles=(OPERATOR,), response=NetworkHealth)
    def api_health(self, request, principal):
        return self._network_health()

    @api("GET", "/api/ops/metrics/<string:service>", summary="A service's Prometheus metrics, proxied",
         tag="operations", roles=(OPERATOR,), content_type="text/plain")
    def api_metrics(self, request, principal, service):
        return self._metrics_of(service)

    @api("GET", "/api/openapi.json", summary="This description (OpenAPI 3)", tag="api", roles=())
    def api_openapi(self, request, principal):
        return openapi.spec(API_ROUTES)

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:rest>")
    def api_unknown(self, request, rest):
        """Every other /api path: a JSON 404, or 405 naming the methods the path has."""
        try:
            Map([Rule(r.url, methods=[r.method]) for r in API_ROUTES]).bind("gateway").match(
                request.path, request.method)
        except MethodNotAllowed as exc:
            response = json_response({"error": "MethodNotAllowed", "message": f"{request.method} is not allowed on "
                                      f"{request.path}", "allowed": sorted(exc.valid_methods)}, 405)
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
            return response
        except NoRoute:
            pass
        return json_response({"error": "NotFound", "message": f"no API route {request.path}: see "
                                                              f"/api/openapi.json"}, 404)

    # -- pages: sessions --------------------------------------------------------------------------------------------
    @page("GET", "/", public=True)
    def home(self, request, principal):
        token = request.cookies.get(COOKIE)
        if not token:
            return redirect("/login")
        try:
            principal, _ = principal_for(self.db.storage, self.tokens, token)
        except Unauthorized:
            return redirect("/login")
        return redirect(access.home(principal))

    @page("GET", "/login", public=True)
    def login_form(self, request, principal):
        return self._login_page(request, request.args.get("suite", ""))

    @page("POST", "/login", public=True)
    def login(self, request, principal):
        login, target = request.form.get("login", "").strip()[:64], request.form.get("suite", "")
        if not self.tokens.login_csrf_ok(request.cookies.get(LOGIN_COOKIE), request.form.get("_csrf")):
            return self._login_page(request, target, "Le formulaire a expiré : saisissez à nouveau vos identifiants.",
                                    login, status=403)
        try:
            self._throttle(request, login)
            token, claims, view = self._login(login, request.form.get("password", ""))
        except TooManyRequests as exc:
            page_ = self._login_page(request, target, "Trop de tentatives : réessayez dans quelques minutes.",
                                     login, status=429)
            page_.headers["Retry-After"] = str(exc.retry_after)
            return page_
        except Unauthorized:
            return self._login_page(request, target, "Identifiant ou mot de passe incorrect, ou compte verrouillé "
                                    "quelques minutes après plusieurs échecs.", login, status=401)
        home = {"agent": "/desk", "manager": "/desk", HEAD_OFFICE: "/figures", OPERATOR: "/ops"}[view["role"]]
        target = local_path(target) if target != "/" else None  # only a path of this site, never another address
        response = session_cookie(redirect(target or home), token, claims, self.config.get("COOKIE_SECURE"))
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @page("POST", "/logout")
    def logout(self, request, principal):
        self._logout(principal)
        response = redirect("/login")
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- pages: the desk ------------------------------------------------------------------------------------------------
    @page("GET", "/desk", roles=STAFF)
    def desk(self, request, principal):
        pimms_id = access.default_desk(principal, request.args.get("pimms_id") or None)
        return desk_page.render(principal, self.tokens, pimms_id, self._today(pimms_id), self._zone(),
                                flash=request.args.get("fait"))

    @page("POST", "/desk/visits", roles=STAFF)
    def desk_record_visit(self, request, principal):
        pimms_id = access.default_desk(principal, request.form.get("pimms_id") or None)
        try:
            kind, body = forms.visit_request(request.form)
            key = request_key(principal, request.form.get(FORM_KEY))
            if kind == "open":
                self._open_visit(principal, body, key)
            else:
                self._record_visit(principal, body, key)
        except (forms.FormErrors, InvalidRequest, ContractViolation, Conflict) as exc:
            return self._desk_refused(principal, pimms_id, request.form, exc)
        return redirect(f"/desk?pimms_id={pimms_id}&fait={'ouverte' if kind == 'open' else 'visite'}")

    @page("POST", "/desk/visits/<string:visit_id>/close", roles=STAFF)
    def desk_close_visit(self, request, principal, visit_id):
        visit = self._visit_in_scope(principal, visit_id)
        try:
            closing = forms.close_request(request.form)
            self._accueil().close_visit({**closing, "visit_id": visit_id,
                                         "idempotency_key": request_key(principal, request.form.get(FORM_KEY))})
        except (forms.FormErrors, InvalidRequest, ContractViolation, Conflict) as exc:
            return self._desk_refused(principal, visit["pimms_id"], {}, exc)
        return redirect(f"/desk?pimms_id={visit['pimms_id']}&fait=close")

    @page("POST", "/desk/workshops", roles=STAFF)
    def desk_record_workshop(self, request, principal):
        pimms_id = access.default_desk(principal, request.form.get("pimms_id") or None)
        try:
            self._record_workshop(principal, forms.workshop_request(request.form, pimms_id),
                                  request_key(principal, request.form.get(FORM_KEY)))
        except (forms.FormErrors, InvalidRequest, ContractViolation) as exc:
            return self._desk_refused(principal, pimms_id, request.form, exc, focus="atelier")
        return redirect(f"/desk?pimms_id={pimms_id}&fait=atelier")

    @page("GET", "/citizens/<int:citizen_id>", roles=STAFF)
    def citizen(self, request, principal, citizen_id):
        return html.citizen_page(principal, self.tokens, self._citizen(principal, citizen_id))

    # -- pages: figures and operations ------------------------------------------------------------------------------
    @page("GET", "/figures", roles=FIGURE_READERS)
    def figures_view(self, request, principal):
        offered = access.figure_scopes(principal)
        choice = _chosen_scope(request.args, offered, principal)
        today = localtime.today(self._zone())
        year = _int(request.args.get("annee"), today.year, 2000, 2999)
        month = _int(request.args.get("mois"), today.month if year == today.year else 12, 1, 12)
        exact = access.figures_access(principal, *choice)
        reporting = self._reporting()
        monthly = figures_reading.months(reporting, *choice, year, exact, today)
        year_row = figures_reading.row(reporting, *choice, f"{year:04d}", exact, missing_ok=True)
        month_row = monthly[month - 1]
        shown_exact = bool((year_row or month_row or {}).get("exact"))
        return figures_page.render(principal, self.tokens, choice, offered, year, month, month_row, year_row,
                                   monthly, shown_exact)

    @page("GET", "/ops", roles=(OPERATOR,))
    def ops(self, request, principal):
        return html.ops_page(principal, self.tokens, self._network_health())

    @page("GET", "/ops/metrics/<string:service>", roles=(OPERATOR,))
    def ops_metrics(self, request, principal, service):
        return self._metrics_of(service)

    @page("GET", "/static/<string:name>", public=True)
    def static(self, request, principal, name):
        if name not in STATIC:
            raise NotFound(f"no file {name}")
        response = Response(STATIC[name], content_type=STATIC_TYPES[name])
        return response

    @page("GET", "/<path:rest>", public=True)
    def unknown_page(self, request, principal, rest):
        raise NotFound(f"no page /{rest}")

    # -- the work behind the entrypoints ----------------------------------------------------------------------------------
    def _accueil(self):
        return Backend(self.accueil_rpc, float(self.config.get("RPC_TIMEOUT_SECONDS", 10)))

    def _reporting(self):
        return Backend(self.reporting_rpc, float(self.config.get("RPC_TIMEOUT_SECONDS", 10)))

    def _login(self, login, password):
        now = utcnow()
        lock = dt.timedelta(minutes=float(self.config.get("LOGIN_LOCK_MINUTES", 15)))
        result = accounts.authenticate(self.db.unit_of_work, login, password, now,
                                       int(self.config.get("LOGIN_MAX_FAILURES", 5)), lock)
        with self.db.unit_of_work() as uow:
            account = result.account
            action = {"ok": "login", "locked": "login_locked"}.get(result.outcome, "login_failed")
            # an unknown login is not written down: it may be a password typed in the wrong field
            uow.session.add(AuditEntry(at=now, login=account and account.login, role=account and account.role,
                                       action=action))
            view = result.outcome == "ok" and accounts.account_view(account, accounts.desks_of(uow.session, account))
        self.metrics.counter("pimms_gateway_logins_total", "Login attempts", ["outcome"]).labels(result.outcome).inc()
        if result.outcome != "ok":
            raise Unauthorized("wrong login or password, or the account is locked for a while after repeated "
                               "failures")
        token, claims = self.tokens.issue(account.login)
        return token, claims, view

    def _throttle(self, request, login):
        wait = self.throttle.wait_before(request, login)
        if wait:
            self.metrics.counter("pimms_gateway_logins_throttled_total", "Login attempts refused for coming too "
                                 "often (per login or per address)").inc()
            raise TooManyRequests(wait)

    def _login_page(self, request, target, error=None, login="", status=200):
        """The login form with a fresh anti-forgery value and the cookie it is bound to."""
        nonce = secrets.token_urlsafe(16)
        return login_guard(html.login_page(self.tokens.login_csrf(nonce), target, error, login, status=status),
                           nonce, self.config.get("COOKIE_SECURE"))

    def _logout(self, principal):
        token_claims = accounts.TokenClaims(principal.login, principal.jti,
                                            utcnow() + self.tokens.lifetime)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            accounts.revoke(uow.session, token_claims, now)
            uow.session.add(AuditEntry(at=now, login=principal.login, role=principal.role, action="logout"))

    def _audit(self, principal, action, target=None):
        if action == "access_denied":
            self.metrics.counter("pimms_gateway_access_denied_total", "Requests refused by role or desk",
                                 ["role"]).labels(principal.role if principal else "anonymous").inc()
        with self.db.unit_of_work() as uow:
            uow.session.add(AuditEntry(at=utcnow(), login=principal and principal.login,
                                       role=principal and principal.role, action=action, target=target))

    def _key(self, request, principal):
        return request_key(principal, request.headers.get(IDEMPOTENCY_HEADER))

    def _open_visit(self, principal, body, key):
        """Open a visit at a desk of the account, as its agent, with its first acts: one call."""
        req = parse_request(DeskVisitRequest, body)
        pimms_id = access.default_desk(principal, req["pimms_id"])
        return self._accueil().open_visit({**body, "pimms_id": pimms_id, "agent_id": principal.agent_id,
                                           "idempotency_key": key})

    def _record_visit(self, principal, body, key):
        """Record a visit that is over at a desk of the account: opened, its acts, closed, in one call."""
        req = parse_request(DeskRecordRequest, body)
        pimms_id = access.default_desk(principal, req["pimms_id"])
        return self._accueil().record_visit({**body, "pimms_id": pimms_id, "agent_id": principal.agent_id,
                                             "idempotency_key": key})

    def _record_workshop(self, principal, body, key):
        req = parse_request(DeskWorkshopRequest, body)
        pimms_id = access.default_desk(principal, req["pimms_id"])
        return self._accueil().record_workshop({**body, "pimms_id": pimms_id, "agent_id": principal.agent_id,
                                                "idempotency_key": key})

    def _visit_in_scope(self, principal, visit_id):
        visit = self._accueil().get_visit(visit_id)
        access.require_desk(principal, visit["pimms_id"])
        return visit

    def _citizen(self, principal, citizen_id):
        access.citizen_reader(principal)
        citizen = self._accueil().get_citizen(citizen_id)
        self.metrics.counter("pimms_gateway_citizen_reads_total", "Citizens' identities shown", ["role"]) \
            .labels(principal.role).inc()
        self._audit(principal, "citizen_read", f"citizen:{citizen_id}")
        return citizen

    def _zone(self):
        return localtime.zone_of(self.config)

    def _today(self, pimms_id):
        """The desk's visits of its day, and those left open on an earlier day: they stay until closed."""
        today = localtime.today(self._zone())
        return self._accueil().list_visits({"pimms_id": pimms_id, "day": today.isoformat(), "still_open": True})

    def _desk_refused(self, principal, pimms_id, form, exc, focus=None):
        if isinstance(exc, forms.FormErrors):
            lines = exc.lines
        elif isinstance(exc, InvalidRequest):
            lines = forms.french(exc.errors)
        elif isinstance(exc, ContractViolation):
            lines = [f"Contrat de franchise : {exc.detail}"]
        else:
            lines = [f"Impossible : {exc}"]
        values = {k: (form.getlist(k) if k in ("acts", "registres") else form.get(k)) for k in form} \
            if hasattr(form, "getlist") else {}
        return desk_page.render(principal, self.tokens, pimms_id, self._today(pimms_id), self._zone(), errors=lines,
                                form=values, status=400, focus=focus)

    def _network_health(self):
        services = health_of(self.config.get("SERVICE_URLS") or {})
        healthy, own = health.check(self.db.storage.engine, self.config["AMQP_URI"])
        services["gateway"] = {"status": "ok" if healthy else "unhealthy", "checks": own["checks"],
                               "http_status": 200 if healthy else 503}
        overall = "ok" if all(s["status"] == "ok" for s in services.values()) else "degraded"
        return {"status": overall, "services": services}

    def _metrics_of(self, service):
        urls = self.config.get("SERVICE_URLS") or {}
        if service not in urls:
            raise NotFound(f"no service {service}: one of {', '.join(sorted(urls))}")
        text, content_type = metrics_of(urls[service])
        return Response(text, content_type=content_type)


def _chosen_scope(args, offered, principal):
    """The scope asked in the query (`perimetre=desk:lyon-8`, or scope and id for head office)."""
    if principal.role == HEAD_OFFICE:
        scope = args.get("scope") or "network"
        id_ = (args.get("id") or "").strip() or None
        if scope not in ("network", "association", "desk"):
            raise InvalidRequest({"scope": ["must be one of: association, desk, network"]})
        if scope != "network" and id_ is None:
            raise InvalidRequest({"id": [f"a {scope} scope needs its id"]})
        return (scope, None if scope == "network" else id_)
    if args.get("perimetre"):
        scope, _, id_ = args["perimetre"].partition(":")
        if (scope, id_) not in offered:
            raise Forbidden(f"{principal.login} reads the figures of their desks and association only")
        return (scope, id_)
    if not offered:
        raise Forbidden(f"the role {principal.role} reads no figures")
    return offered[0]


def _int(value, default, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default
