"""The HTTP plumbing of the gateway: who is asking (a bearer token for the JSON API, a session cookie for the
pages), the role check before the handler runs, and one answer per failure: JSON naming the error for the
API, a French page for a person. Each API route is declared once with its schemas, which the OpenAPI
description is generated from (openapi.py)."""
import functools
import io
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from services.gateway import accounts, audit
from services.gateway.access import PASSWORD_PAGE, Principal, require_changed_password
from services.gateway.errors import (
    BackendError,
    Forbidden,
    PasswordChangeRequired,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from shared.config import require_secret
from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound
from shared.http import error_body, json_response
from shared.outages import is_outage

log = logging.getLogger(__name__)

API_STATUS = {InvalidRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
              ContractViolation: 422, TooManyRequests: 429, BackendError: 502, Unavailable: 503}
MAX_BODY = 64 * 1024  # a visit or a workshop is a few hundred bytes
COOKIE = "pimms_session"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages may show a citizen's identity: never kept by a shared cache
}


class TokenAuthority(DependencyProvider):
    """Signs and reads login tokens with TOKEN_SECRET; refuses to start with a short secret."""

    def setup(self):
        import datetime as dt

        config = self.container.config
        minutes = float(config.get("TOKEN_LIFETIME_MINUTES", 480))
        if not 1 <= minutes <= 24 * 60:
            raise ValueError(f"TOKEN_LIFETIME_MINUTES must be between 1 and 1440, not {minutes}")
        secret = require_secret(config, "TOKEN_SECRET", "GATEWAY_TOKEN_SECRET")
        self.tokens = accounts.Tokens(secret, dt.timedelta(minutes=minutes))

    def get_dependency(self, worker_ctx):
        return self.tokens


def principal_for(storage, tokens, token):
    """The account behind a token, with its role and desks as the database says now."""
    claims = tokens.read(token)
    with storage.engine.connect() as conn:
        account = accounts.session_of(conn, claims.login, claims.jti)
    if account is not None and account.revoked:
        raise Unauthorized("this session was closed: log in again")
    if account is None:
        raise Unauthorized("this account no longer exists")
    if account.disabled_at is not None:
        raise Unauthorized("this account is disabled")
    if claims.generation != account.session_generation:  # password changed or reset since: log in again
        raise Unauthorized("this session was ended: log in again")
    if account.role == accounts.MANAGER:  # a manager's desks are read from the accounts and the contract
        with storage.unit_of_work() as uow:
            desks = accounts.desks_of(uow.session, account)
    else:
        desks = accounts.desks_of(None, account)
    return Principal(login=account.login, role=account.role, association_id=account.association_id,
                     pimms_id=account.pimms_id, agent_id=account.agent_id, desks=desks, jti=claims.jti,
                     must_change_password=account.temporary_until is not None), claims


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the token of POST /api/login as `Authorization: Bearer <token>`")
    return token.strip()


def cap_body(request, cap=MAX_BODY):
    """Make the body refuse more than `cap` bytes (413), whether the client said how long it is
    (Content-Length) or sent it in chunks. Eventlet's server decodes chunks but does not tell Werkzeug where
    the body ends, so Werkzeug would read a chunked body as empty (or, told, cut it at the cap without a
    word): a chunked body is read here, at most `cap` + 1 bytes, and handed on as the sized body it is."""
    environ = request.environ
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        body, stream = b"", environ["wsgi.input"]
        while len(body) <= cap:
            part = stream.read(cap + 1 - len(body))
            if not part:
                break
            body += part
        if len(body) > cap:
            raise RequestEntityTooLarge(f"the body must be at most {cap} bytes")
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        del environ["HTTP_TRANSFER_ENCODING"]
    request.max_content_length = cap
    request.max_form_memory_size = cap
    if request.content_length is not None and request.content_length > cap:
        raise RequestEntityTooLarge(f"the body must be at most {cap} bytes")


def request_json(request):
    """The request's body: a JSON object (an empty body is an empty object)."""
    raw = request.get_data(as_text=True)  # whatever the Content-Type says, the API speaks JSON
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequest({"_body": [f"not valid JSON: {exc}"]}) from None
    except RecursionError:  # `[` nested tens of thousands deep
        raise InvalidRequest({"_body": ["nested too deep"]}) from None
    if not isinstance(body, dict):
        raise InvalidRequest({"_body": [f"must be a JSON object, not {type(body).__name__}"]})
    return body


IDEMPOTENCY_HEADER = "Idempotency-Key"
CLIENT_KEY = re.compile(r"[!-~]{1,128}")  # visible ASCII: a UUID, a ULID, a client's own counter


def request_key(principal, supplied, part=None):
    """The idempotency key of a request as the services behind record it: the client's key (the
    `Idempotency-Key` header, or the hidden key of a desk form) within the caller's account, so two
    accounts never share one; a fresh key when the client sent none, so that an RPC request delivered
    twice by the broker is still done once. `part` tells apart the calls one form makes."""
    if supplied is None:
        key = f"auto:{uuid.uuid4()}"
    elif CLIENT_KEY.fullmatch(supplied):
        key = f"client:{supplied}"
    else:
        raise InvalidRequest({IDEMPOTENCY_HEADER: ["must be 1 to 128 visible ASCII characters (a UUID, say)"]})
    return f"gateway:{principal.login}:{key}" + (f":{part}" if part else "")


def api_error(exc):
    status = next(code for kind, code in API_STATUS.items() if isinstance(exc, kind))
    response = json_response(error_body(exc), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pimms"'
    if status == 429:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


# -- the JSON API ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiRoute:
    method: str
    url: str
    summary: str
    tag: str
    roles: tuple  # empty: no login needed
    body: type = None
    query: type = None
    response: type = None
    many: bool = False
    status: int = 200
    content_type: str = "application/json"
    errors: tuple = field(default=(400, 401, 403, 404, 503))


API_ROUTES = []


def api(method, url, *, summary, tag, roles, body=None, query=None, response=None, many=False, status=200,
        content_type="application/json", errors=None):
    """Declare an API route: the handler `(self, request, principal, **path)` returns a JSON-able value
    (or a Response), or raises a typed error; the caller's role is checked before it runs."""
    errors = tuple(errors) if errors is not None else ((400, 401, 403, 404, 503) if roles else (400, 503))
    if method == "POST" and 413 not in errors:  # every body is capped
        errors = tuple(sorted(errors + (413,)))
    route = ApiRoute(method, url, summary, tag, tuple(roles), body, query, response, many, status, content_type,
                     errors)
    API_ROUTES.append(route)

    def decorate(fn):
        @functools.wraps(fn)
        def entry(self, request, **path):
            principal = None
            try:
                cap_body(request)
                if route.roles:
                    principal, _ = principal_for(self.db.storage, self.tokens, bearer_token(request))
                    require_changed_password(principal, route.url)
                    if principal.role not in route.roles:
                        raise Forbidden(f"the role {principal.role} may not use {route.method} {route.url}")
                    self.vouch(principal.claims())  # every call this request makes acts as this account
                result = fn(self, request, principal, **path)
            except PasswordChangeRequired as exc:  # not a refusal to write down: the person is on their way
                return api_error(exc)
            except Forbidden as exc:
                audit.access_denied(self.db, self.metrics, principal, f"{request.method} {request.path}"[:200])
                return api_error(exc)
            except tuple(API_STATUS) as exc:
                return api_error(exc)
            except RequestEntityTooLarge:
                return json_response({"error": "PayloadTooLarge", "message": f"the body must be at most {MAX_BODY} "
                                                                             "bytes"}, 413)
            except Exception as exc:
                if is_outage(exc):  # the gateway's own database is away: say "try again", not "bug"
                    log.warning("%s %s: %s", request.method, request.path, exc)
                    return api_error(Unavailable("the gateway cannot reach its database: try again shortly"))
                log.exception("%s %s failed", request.method, request.path)
                return json_response({"error": "InternalError", "message": "unexpected error: see the gateway's "
                                                                           "log"}, 500)
            if isinstance(result, Response):
                return result
            return json_response(result, route.status)

        return http(method, url)(entry)

    return decorate


def unknown_api_route(request):
    """Any other /api path: a JSON 404, or 405 naming the methods the path has."""
    try:
        Map([Rule(r.url, methods=[r.method]) for r in API_ROUTES]).bind("gateway").match(request.path, request.method)
    except MethodNotAllowed as exc:
        response = json_response({"error": "MethodNotAllowed", "message": f"{request.method} is not allowed on "
                                  f"{request.path}", "allowed": sorted(exc.valid_methods)}, 405)
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response
    except NoRoute:
        pass
    return json_response({"error": "NotFound", "message": f"no API route {request.path}: see /api/openapi.json"},
                         404)


# -- the pages ---------------------------------------------------------------------------------------------------
def page(method, url, *, roles=None, public=False):
    """Declare a page: the handler `(self, request, principal, **path)` returns a Response. Without a
    valid session cookie a person is sent to the login page; a POST must carry the form's anti-forgery
    field; a refusal or a failure is a French page with its status."""
    from services.gateway import html

    def decorate(fn):
        @functools.wraps(fn)
        def entry(self, request, **path):
            principal = None
            try:
                cap_body(request)
                if not public:
                    token = request.cookies.get(COOKIE)
                    if not token:
                        raise Unauthorized("no session")
                    principal, _ = principal_for(self.db.storage, self.tokens, token)
                    self.vouch(principal.claims())
                    if request.method == "POST" and not self.tokens.csrf_ok(principal.jti, request.form.get("_csrf")):
                        raise Forbidden("the form's anti-forgery field is missing or stale: reload the page")
                    require_changed_password(principal, request.path)
                    if roles and principal.role not in roles:
                        raise Forbidden(f"the role {principal.role} may not open {request.path}")
                response = fn(self, request, principal, **path)
            except Unauthorized:
                target = request.full_path.rstrip("?") if request.method == "GET" else "/"
                response = redirect(f"/login?suite={quote(target)}")
                response.delete_cookie(COOKIE, path="/")
            except PasswordChangeRequired:
                response = redirect(PASSWORD_PAGE)
            except Forbidden as exc:
                audit.access_denied(self.db, self.metrics, principal, f"{request.method} {request.path}"[:200])
                response = html.error_page(principal, self.tokens, 403, "Accès refusé", _forbidden_text(principal),
                                           str(exc))
            except NotFound as exc:
                response = html.error_page(principal, self.tokens, 404, "Introuvable",
                                           "Cette fiche n'existe pas, ou pas dans votre périmètre.", str(exc))
            except (Unavailable, BackendError) as exc:
                response = html.error_page(principal, self.tokens, 503, "Service indisponible",
                                           "Un service ne répond pas pour l'instant : réessayez dans un moment.",
                                           str(exc))
            except (InvalidRequest, Conflict, ContractViolation) as exc:
                response = html.error_page(principal, self.tokens, API_STATUS[type(exc)], "Demande refusée",
                                           "La demande n'a pas pu être enregistrée.", str(exc))
            except RequestEntityTooLarge:
                response = html.error_page(principal, self.tokens, 413, "Demande trop longue",
                                           "Le formulaire envoyé dépasse la taille permise.", "")
            except Exception as exc:
                if is_outage(exc):  # the gateway's own database is away
                    log.warning("%s %s: %s", request.method, request.path, exc)
                    response = html.error_page(principal, self.tokens, 503, "Service indisponible",
                                               "Un service ne répond pas pour l'instant : réessayez dans un moment.",
                                               "")
                else:
                    log.exception("%s %s failed", request.method, request.path)
                    response = html.error_page(principal, self.tokens, 500, "Erreur", "Une erreur inattendue est "
                                               "survenue ; elle est consignée dans le journal du service.", "")
            response.headers.extend(SECURITY_HEADERS)
            return response

        return http(method, url)(entry)

    return decorate


def _forbidden_text(principal):
    if principal is not None and principal.role == "head_office":
        return "Le siège consulte les chiffres agrégés du réseau, jamais l'identité d'une personne ni ses visites."
    if principal is not None and principal.role == "operator":
        return "Le compte d'exploitation consulte l'état et les métriques des services, rien d'autre."
    return "Cette page est en dehors de votre périmètre (votre rôle ou votre PIMMS)."


def redirect(location, status=303):
    return Response("", status=status, headers={"Location": location})


def local_path(target):
    """`target` if it is a path of this site, else None. Browsers read `/\\evil.example` and `//evil.example`
    as another site, and ignore tabs and newlines inside a URL: only a single `/` followed by something
    that is neither `/` nor `\\`, with no control character and no backslash anywhere, stays here."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7f for c in target):
        return None
    if target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


LOGIN_COOKIE = "pimms_login"


def login_guard(response, nonce, secure):
    """The cookie that binds the login form's anti-forgery value to this browser, for the form only."""
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path="/login", httponly=True, secure=bool(secure),
                        samesite="Strict")
    return response


def session_cookie(response, token, claims, secure):
    response.set_cookie(COOKIE, token, expires=claims.expires_at, path="/", httponly=True, secure=bool(secure),
                        samesite="Strict")
    return response
