"""Accounts, passwords and login tokens.

Passwords are hashed with argon2id (argon2-cffi) at OWASP's parameters (19 MiB, 2 passes, 1 lane, about
40 ms here), under a salt of their own; a hash made with older parameters, or with the scrypt of earlier
releases, is replaced by a new one at the next successful login. Hashing runs in a thread of eventlet's
pool, never on the hub: one hash does not stall every other request of the gateway, and at most
`HASHING_AT_ONCE` run together, so a flood of logins queues instead of eating memory. A token is signed with
the gateway's secret (itsdangerous, HMAC-SHA256) and carries the login, a token id (so a logout can revoke
it) and its issue time (so it expires). Roles and desks are read from the database at every request, never
trusted from the token."""
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import argon2
import eventlet
from eventlet import tpool
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, exists, select, update

from services.gateway.errors import Unauthorized
from services.gateway.models import Account, AuditEntry, RevokedToken
from services.gateway.schemas import AGENT, MANAGER
from shared import contract_terms
from shared.db import as_utc
from shared.errors import Conflict, invalid

# OWASP Password Storage Cheat Sheet (2024-2026): argon2id, m=19 MiB, t=2, p=1
HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
HASHING_AT_ONCE = 2  # a hash takes a core for 40 ms and 19 MiB: two at a time on this 2-core server
_hashing = eventlet.semaphore.Semaphore(HASHING_AT_ONCE)


def _give_hash_memory_back():
    """Make glibc return each hash's 19 MiB to the system when the hash is done. By default glibc raises its
    mmap threshold to the size of the first large block freed, so later hashes were carved from the heap of
    whichever of eventlet's 20 pool threads ran them, and each thread's heap kept its 19 MiB: the gateway
    grew to 330 MB PSS over make run's demo day (docs/benchmark.md). A fixed threshold of 1 MiB keeps every
    block that large mapped on its own, unmapped at free. Not glibc (musl, macOS): nothing to do."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        # M_TRIM_THRESHOLD as well: fixing the mmap threshold also fixes the heap's trim threshold at
        # 128 KiB, and every buffer of a few hundred KB freed then shrank the heap and the next one faulted
        # it in again (37x slower for such a loop; it slowed the whole test suite by half). 32 MiB is what
        # glibc's own adjustment reaches after a hash (twice the largest block freed)
        return libc.mallopt(-3, 1024 * 1024) == 1 and libc.mallopt(-1, 32 * 1024 * 1024) == 1
    except (OSError, AttributeError):
        return False


MEMORY_GIVEN_BACK = _give_hash_memory_back()


def _off_the_hub(fn, *args):
    with _hashing:
        return tpool.execute(fn, *args)


def hash_password(password):
    return _off_the_hub(HASHER.hash, password)


def verify_password(password, stored):
    """(matches, needs a new hash): argon2id hashes, and the scrypt ones of earlier releases."""
    if stored.startswith("$argon2"):
        try:
            _off_the_hub(HASHER.verify, stored, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False, False
        return True, HASHER.check_needs_rehash(stored)
    return _off_the_hub(_verify_scrypt, password, stored), True


def _verify_scrypt(password, stored):
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when a login is unknown or locked, so that costs the same time as a wrong password.
_DECOY = HASHER.hash(secrets.token_hex(16))


# -- accounts ---------------------------------------------------------------------------------------------------
def create_account(session, req, now, association_id):
    """`association_id` is the association this gateway serves: its staff's accounts belong to it."""
    if req["association_id"] is not None and req["association_id"] != association_id:
        raise invalid("association_id", f"this gateway serves the association {association_id}")
    if session.get(Account, req["login"]) is not None:
        raise Conflict(f"an account {req['login']} already exists")
    agent_id = req["agent_id"]
    if agent_id is None and req["role"] in (AGENT, MANAGER):
        agent_id = new_agent_code()
    account = Account(login=req["login"], role=req["role"], association_id=req["association_id"],
                      pimms_id=req["pimms_id"], agent_id=agent_id, password_hash=hash_password(req["password"]),
                      created_at=now, failed_logins=0)
    session.add(account)
    return account


def new_agent_code():
    """A code of no meaning: the login is often the person's name, and the agent's code travels in the events
    of their work up to head office (the association gives formation's code when it has one)."""
    return "agent-" + secrets.token_hex(6)


def register(unit_of_work, req, now, association_id):
    """A new account and its line in the audit log, committed together: the account's view and desks."""
    with unit_of_work() as uow:
        account = create_account(uow.session, req, now, association_id)
        uow.session.add(AuditEntry(at=now, login=account.login, role=account.role, action="account_created"))
        uow.session.flush()
        return account_view(account, desks_of(uow.session, account))


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    outcome: str  # ok, unknown, wrong_password, locked, disabled, expired (a temporary password not changed in time)


def authenticate(unit_of_work, login, password, now, max_failures, lock_for):
    """Check a login and password, counting failures: after `max_failures` in a row the account is locked
    for `lock_for`. Returns a LoginResult, never saying which part was wrong.

    Each attempt is counted *before* its password is checked, in one atomic update, so that parallel
    attempts get `max_failures` guesses between them and not one each; a success resets the count. The
    password is checked between two short transactions, so no database connection or row lock is held
    while it is hashed."""
    mine = Account.login == login
    with unit_of_work() as uow:
        account = uow.session.get(Account, login)
        counted = None
        if account is not None and account.disabled_at is not None:  # no guess counts: it logs in no more
            verify_password(password, _DECOY)
            return LoginResult(account, "disabled")
        if account is not None:
            unlocked = (Account.locked_until.is_(None)) | (Account.locked_until <= now)
            counted = uow.session.execute(
                update(Account).where(mine, unlocked).values(failed_logins=Account.failed_logins + 1)
                .returning(Account.failed_logins).execution_options(synchronize_session=False)).scalar()
            if counted is not None and counted > max_failures:  # others are guessing right now: lock it
                _lock(uow.session, mine, now + lock_for)
    if account is None or counted is None or counted > max_failures:
        verify_password(password, _DECOY)
        return LoginResult(account, "unknown" if account is None else "locked")
    matches, stale = verify_password(password, account.password_hash)
    with unit_of_work() as uow:
        if not matches:
            if counted >= max_failures:
                _lock(uow.session, mine, now + lock_for)
                return LoginResult(account, "locked")
            return LoginResult(account, "wrong_password")
        values = {"failed_logins": 0, "locked_until": None}
        if account.temporary_until is not None and as_utc(account.temporary_until) <= now:
            # a temporary password not changed in time: the right one, but its holder asks for a new one
            uow.session.execute(update(Account).where(mine).values(**values)
                                .execution_options(synchronize_session=False))
            return LoginResult(account, "expired")
        if stale:  # the parameters changed since this hash was made: a new one, now that the password is known
            values["password_hash"] = hash_password(password)
        uow.session.execute(update(Account).where(mine).values(**values)
                            .execution_options(synchronize_session=False))
        return LoginResult(uow.session.get(Account, login), "ok")


def _lock(session, which, until):
    session.execute(update(Account).where(which).values(failed_logins=0, locked_until=until)
                    .execution_options(synchronize_session=False))


_ACCOUNT = Account.__table__.c
_SESSION_OF = select(_ACCOUNT.login, _ACCOUNT.role, _ACCOUNT.association_id, _ACCOUNT.pimms_id, _ACCOUNT.agent_id,
                     _ACCOUNT.disabled_at, _ACCOUNT.temporary_until, _ACCOUNT.session_generation,
                     exists().where(RevokedToken.__table__.c.jti == bindparam("jti")).label("revoked")) \
    .where(_ACCOUNT.login == bindparam("login"))


def session_of(conn, login, jti):
    """What every request checks of its token's account, in one statement: the account's row (None if it no
    longer exists) with `revoked`, whether that token was logged out. Through the ORM these were two
    lookups and a session, 1.5 ms of each request (docs/benchmark.md)."""
    return conn.execute(_SESSION_OF, {"login": login, "jti": jti}).first()


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
            "pimms_id": account.pimms_id, "agent_id": account.agent_id, "desks": list(desks),
            "must_change_password": account.temporary_until is not None}


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
    generation: int = 0  # the account's session_generation when issued: a raised one ends this session


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

    def issue(self, login, generation=0):
        jti = uuid.uuid4().hex
        token = self._serializer.dumps({"sub": login, "jti": jti, "gen": generation})
        return token, TokenClaims(login, jti, self._expiry(self.clock()), generation)

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
        generation = claims.get("gen", 0)  # tokens of earlier releases carry none: the first generation
        if type(generation) is not int:
            raise Unauthorized("the token is not valid")
        return TokenClaims(claims["sub"], str(claims["jti"]), self._expiry(issued.timestamp()), generation)

    def csrf(self, jti):
        """The anti-forgery value of the pages' forms: bound to one login session, useless in another."""
        return hmac.new(self._csrf_key, jti.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_ok(self, jti, value):
        return isinstance(value, str) and hmac.compare_digest(self.csrf(jti), value)

    def login_csrf(self, nonce):
        """The login form's anti-forgery value, bound to the random nonce of the browser's login cookie:
        a page of another site can neither read the cookie nor compute the value."""
        return hmac.new(self._csrf_key, b"login:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def login_csrf_ok(self, nonce, value):
        return bool(nonce) and isinstance(value, str) and hmac.compare_digest(self.login_csrf(nonce), value)

    def _expiry(self, issued_epoch):
        return dt.datetime.fromtimestamp(int(issued_epoch), dt.timezone.utc) + self.lifetime


def revoke(session, claims, now):
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))  # expired anyway
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, login=claims.login, expires_at=claims.expires_at))


def is_revoked(session, jti):
    return session.get(RevokedToken, jti) is not None
