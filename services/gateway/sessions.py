"""Sessions: a login throttled, checked, audited and turned into a signed token (for a browser, its cookie),
a logout revoking it; the API and the login page share each step, so a person and a script meet one limit."""
import datetime as dt
import secrets

from services.gateway import access, accounts, html
from services.gateway.errors import TooManyRequests, Unauthorized
from services.gateway.metrics import LOGINS, LOGINS_THROTTLED
from services.gateway.models import AuditEntry
from services.gateway.web import COOKIE, LOGIN_COOKIE, local_path, login_guard, principal_for, redirect, session_cookie
from shared.db import utcnow


class PasswordExpired(Unauthorized):
    """The right temporary password, not changed in time (401)."""


def throttle_attempt(throttle, metrics, request, login):
    """TooManyRequests when this address or this login tried too often lately; every attempt counts."""
    wait = throttle.wait_before(request, login)
    if wait:
        metrics[LOGINS_THROTTLED].inc()
        raise TooManyRequests(wait)


def log_in(db, tokens, metrics, config, login, password):
    """(token, its claims, the account's view), or Unauthorized without saying which part was wrong.
    Config LOGIN_MAX_FAILURES (5) failures in a row lock the account for LOGIN_LOCK_MINUTES (15)."""
    now = utcnow()
    lock = dt.timedelta(minutes=float(config.get("LOGIN_LOCK_MINUTES", 15)))
    result = accounts.authenticate(db.unit_of_work, login, password, now, int(config.get("LOGIN_MAX_FAILURES", 5)),
                                   lock)
    with db.unit_of_work() as uow:
        account = result.account
        action = {"ok": "login", "locked": "login_locked", "disabled": "login_disabled",
                  "expired": "login_expired"}.get(result.outcome, "login_failed")
        # an unknown login is not written down: it may be a password typed in the wrong field
        uow.session.add(AuditEntry(at=now, login=account and account.login, role=account and account.role,
                                   action=action))
        view = result.outcome == "ok" and accounts.account_view(account, accounts.desks_of(uow.session, account))
    metrics[LOGINS].labels(result.outcome).inc()
    if result.outcome == "expired":  # the password was right: saying so tells its holder what to do
        raise PasswordExpired("this temporary password has expired: ask the account's manager for a new one")
    if result.outcome != "ok":
        raise Unauthorized("wrong login or password, or the account is locked for a while after repeated "
                           "failures")
    token, claims = tokens.issue(account.login, account.session_generation)
    return token, claims, view


def log_out(db, tokens, principal):
    """Revoke the session's token (kept revoked until it would have expired) and write the logout down."""
    token_claims = accounts.TokenClaims(principal.login, principal.jti, utcnow() + tokens.lifetime)
    now = utcnow()
    with db.unit_of_work() as uow:
        accounts.revoke(uow.session, token_claims, now)
        uow.session.add(AuditEntry(at=now, login=principal.login, role=principal.role, action="logout"))


# -- the browser's side ------------------------------------------------------------------------------------------
def landing(storage, tokens, request):
    """Where `/` sends a browser: its role's first page with a valid session, else the login page."""
    token = request.cookies.get(COOKIE)
    if not token:
        return redirect("/login")
    try:
        principal, _ = principal_for(storage, tokens, token)
    except Unauthorized:
        return redirect("/login")
    return redirect(access.home(principal))


def login_form(tokens, config, target, error=None, login="", status=200):
    """The login form with a fresh anti-forgery value and the cookie it is bound to."""
    nonce = secrets.token_urlsafe(16)
    return login_guard(html.login_page(tokens.login_csrf(nonce), target, error, login, status=status),
                       nonce, config.get("COOKIE_SECURE"))


def log_in_from_form(db, tokens, throttle, metrics, config, request):
    """POST /login: the session cookie and a redirect to the page asked (of this site only) or the role's
    first page; refused, the form again saying why, in French, with the status the API would answer."""
    form = request.form
    login, target = form.get("login", "").strip()[:64], form.get("suite", "")
    if not tokens.login_csrf_ok(request.cookies.get(LOGIN_COOKIE), form.get("_csrf")):
        return login_form(tokens, config, target, "Le formulaire a expiré : saisissez à nouveau vos identifiants.",
                          login, status=403)
    try:
        throttle_attempt(throttle, metrics, request, login)
        token, claims, view = log_in(db, tokens, metrics, config, login, form.get("password", ""))
    except TooManyRequests as exc:
        page = login_form(tokens, config, target, "Trop de tentatives : réessayez dans quelques minutes.", login,
                          status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except PasswordExpired:
        return login_form(tokens, config, target, "Ce mot de passe provisoire a expiré : demandez-en un nouveau à "
                          "votre responsable.", login, status=401)
    except Unauthorized:
        return login_form(tokens, config, target, "Identifiant ou mot de passe incorrect, ou compte verrouillé "
                          "quelques minutes après plusieurs échecs.", login, status=401)
    target = local_path(target) if target != "/" else None  # only a path of this site, never another address
    if view["must_change_password"]:  # a temporary password: changed before anything else
        target = access.PASSWORD_PAGE
    response = session_cookie(redirect(target or access.HOMES[view["role"]]), token, claims,
                              config.get("COOKIE_SECURE"))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def log_out_browser(db, tokens, principal):
    """POST /logout: the token revoked, the cookie dropped, back to the login page."""
    log_out(db, tokens, principal)
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response
