"""Accounts, passwords and login tokens.

Passwords are hashed with scrypt (hashlib, memory-hard) under a salt of their own and compared in constant
time. A token is signed with the gateway's secret (itsdangerous, HMAC-SHA256) and carries the login, a token
id (so a logout can revoke it) and its issue time (so it expires). Roles and desks are read from the
database at every request, never trusted from the token."""
import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, select

from services.gateway.errors import Unauthorized
from services.gateway.models import Account, RevokedToken
from services.gateway.schemas import AGENT, MANAGER
from shared import contract_terms
from shared.errors import Conflict, invalid
from shared.db import as_utc

# 16 MiB and about 50 ms per hash: slow for a guesser, quick enough for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


def hash_password(password):
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password, stored):
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password, salt, n, r, p, length=32):
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=length)


def _b64(raw):
    return base64.b64encode(raw).decode()


# Checked against when a login is unknown, so an unknown login costs the same time as a wrong password.
_DECOY = hash_password(secrets.token_hex(16))


# -- accounts ---------------------------------------------------------------------------------------------------
def create_account(session, req, now, association_id):
    """`association_id` is the association this gateway serves: its staff's accounts belong to it."""
    if req["association_id"] is not None and req["association_id"] != association_id:
        raise invalid("association_id", f"this gateway serves the association {association_id}")
    if session.get(Account, req["login"]) is not None:
        raise Conflict(f"an account {req['login']} already exists")
    agent_id = req["agent_id"]
    if agent_id is None and req["role"] in (AGENT, MANAGER):
        agent_id = req["login"].replace(".", "-")  # accueil's agent ids are codes without dots
    account = Account(login=req["login"], role=req["role"], association_id=req["association_id"],
                      pimms_id=req["pimms_id"], agent_id=agent_id, password_hash=hash_password(req["password"]),
                      created_at=now, failed_logins=0)
    session.add(account)
    return account


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    outcome: str  # ok, unknown, wrong_password, locked


def authenticate(session, login, password, now, max_failures, lock_for):
    """Check a login and password, counting failures: after `max_failures` in a row the account is locked
    for `lock_for`. Returns a LoginResult (the caller commits the counters and the audit entry, then
    refuses), never saying which part was wrong."""
    account = session.get(Account, login)
    if account is None:
        verify_password(password, _DECOY)
        return LoginResult(None, "unknown")
    if account.locked_until is not None and as_utc(account.locked_until) > now:
        verify_password(password, _DECOY)
        return LoginResult(account, "locked")
    if not verify_password(password, account.password_hash):
        account.failed_logins = (account.failed_logins or 0) + 1
        if account.failed_logins >= max_failures:
            account.failed_logins, account.locked_until = 0, now + lock_for
            return LoginResult(account, "locked")
        return LoginResult(account, "wrong_password")
    account.failed_logins, account.locked_until = 0, None
    return LoginResult(account, "ok")


def desks_of(session, account):
    """The desks an account may act on: an agent its own; a manager every desk of its association, those
    of the franchise contract (when the gateway received it) and those its agents work at."""
    if account.role == AGENT:
        return (account.pimms_id,)
    if account.role != MANAGER:
        return ()
    desks = set(session.scalars(select(Account.pimms_id).where(
        Account.association_id == account.association_id, Account.pimms_id.is_not(None))))
    terms = contract_terms.current_terms(session, account.association_id)
    if terms is not None:
        desks.update(terms.pimms_ids)
    return tuple(sorted(desks))


def account_view(account, desks):
    return {"login": account.login, "role": account.role, "association_id": account.association_id,
            "pimms_id": account.pimms_id, "agent_id": account.agent_id, "desks": list(desks)}


# -- tokens -----------------------------------------------------------------------------------------------------
class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer on an injectable clock, so expiry is testable without waiting."""

    def __init__(self, *args, clock=time.time, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self):
        return int(self.clock())


@dataclass(frozen=True)
class TokenClaims:
    login: str
    jti: str
    expires_at: dt.datetime


class Tokens:
    def __init__(self, secret, lifetime, clock=time.time):
        if not isinstance(secret, str) or len(secret) < 16:
            raise ValueError("TOKEN_SECRET must be at least 16 characters")
        self.lifetime = lifetime
        self.clock = clock
        self._serializer = URLSafeTimedSerializer(
            secret, salt="pimms-gateway-token", signer=_ClockedSigner,
            signer_kwargs={"clock": clock, "digest_method": hashlib.sha256})
        self._csrf_key = hashlib.sha256(b"pimms-gateway-csrf:" + secret.encode()).digest()

    def issue(self, login):
        jti = uuid.uuid4().hex
        token = self._serializer.dumps({"sub": login, "jti": jti})
        return token, TokenClaims(login, jti, self._expiry(self.clock()))

    def read(self, token):
        """The claims of a valid token; Unauthorized when it is forged, malformed or expired."""
        try:
            claims, issued = self._serializer.loads(token, max_age=int(self.lifetime.total_seconds()),
                                                    return_timestamp=True)
        except SignatureExpired:
            raise Unauthorized("the session has expired: log in again") from None
        except BadSignature:
            raise Unauthorized("the token is not valid") from None
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not claims.get("jti"):
            raise Unauthorized("the token is not valid")
        return TokenClaims(claims["sub"], str(claims["jti"]), self._expiry(issued.timestamp()))

    def csrf(self, jti):
        """The anti-forgery value of the pages' forms: bound to one login session, useless in another."""
        return hmac.new(self._csrf_key, jti.encode(), hashlib.sha256).hexdigest()[:32]

    def _expiry(self, issued_epoch):
        return dt.datetime.fromtimestamp(int(issued_epoch), dt.timezone.utc) + self.lifetime


def revoke(session, claims, now):
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))  # expired anyway
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, login=claims.login, expires_at=claims.expires_at))


def is_revoked(session, jti):
    return session.get(RevokedToken, jti) is not None
