"""Who acts, vouched for by the gateway: the account behind a request travels with the RPC calls it causes,
signed, and the service that acts for that person verifies the signature instead of trusting a field the
caller writes (`get_citizen(citizen_id, reader)` once took the reader's word).

The gateway signs `{login, role, association_id, desks, agent_id}` with the association's PRINCIPAL_KEY
(itsdangerous, HMAC-SHA256, valid a few minutes) into the worker's nameko context data; nameko sends it
as the message header `nameko.pimms_principal` with every call that worker makes. A service reads it back
with the `Caller` dependency: `self.caller.principal` (None for a call that acts for nobody, as the stack's
own jobs), `self.caller.staff()` (the verified principal of the association's staff, or Forbidden).

    with ClusterRpcProxy(config, context_data=principal.context(agent, key)) as rpc:   # a script, as agent
"""
import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from nameko.extensions import DependencyProvider

from shared.config import require_secret
from shared.errors import Forbidden

CONTEXT_KEY = "pimms_principal"
LIFETIME_S = 300  # a call made with a principal reaches its service within the caller's timeout
STAFF_ROLES = ("agent", "manager")
FIELDS = ("login", "role", "association_id", "desks", "agent_id")


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="pimms-principal", signer_kwargs={"digest_method": hashlib.sha256})


def sign(principal: dict, key: str) -> str:
    """The principal as the header that vouches for it."""
    return _serializer(key).dumps({name: principal.get(name) for name in FIELDS})


def context(principal: dict, key: str) -> dict:
    """nameko context data that makes every call of a worker (or a standalone proxy) act as `principal`."""
    return {CONTEXT_KEY: sign(principal, key)}


def verify(token: str, key: str, max_age: float = LIFETIME_S) -> dict:
    """The principal a header vouches for; Forbidden when it is forged, altered or stale."""
    try:
        principal = _serializer(key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Forbidden("the caller's signed identity has expired") from None
    except BadSignature:
        raise Forbidden("the caller's identity is not signed by this association's gateway") from None
    if not isinstance(principal, dict) or not isinstance(principal.get("login"), str):
        raise Forbidden("the caller's signed identity is malformed")
    principal["desks"] = list(principal.get("desks") or [])
    return principal


class Acting:
    """What a worker knows of the person it acts for."""

    def __init__(self, token, key, association_id):
        self.association_id = association_id
        self._token, self._key, self._principal = token, key, None

    @property
    def principal(self):
        """The verified principal, or None when the call carries none (Forbidden when it carries a bad one)."""
        if self._token is None:
            return None
        if self._principal is None:
            self._principal = verify(self._token, self._key)
        return self._principal

    def staff(self) -> dict:
        """The verified principal of one of this association's staff (agent or manager, with desks)."""
        principal = self.principal
        if principal is None:
            raise Forbidden("this acts for a person: the call must carry the signed identity of the "
                            "association's staff member (through the gateway)")
        if principal["role"] not in STAFF_ROLES or principal["association_id"] != self.association_id:
            raise Forbidden(f"{principal['login']} ({principal['role']}) is not staff of {self.association_id}")
        if not principal["desks"]:
            raise Forbidden(f"{principal['login']} has no desk")
        return principal


class Caller(DependencyProvider):
    """The person a call acts for, verified with PRINCIPAL_KEY (env PIMMS_PRINCIPAL_KEY); the service
    refuses to start without the key."""

    def setup(self):
        self.key = require_secret(self.container.config, "PRINCIPAL_KEY", "PIMMS_PRINCIPAL_KEY")
        self.association_id = self.container.config["ASSOCIATION_ID"]

    def get_dependency(self, worker_ctx):
        return Acting(worker_ctx.data.get(CONTEXT_KEY), self.key, self.association_id)


class Vouch(DependencyProvider):
    """The gateway's side: `self.vouch(principal)` makes the worker's next RPC calls act as `principal`."""

    def setup(self):
        self.key = require_secret(self.container.config, "PRINCIPAL_KEY", "PIMMS_PRINCIPAL_KEY")

    def get_dependency(self, worker_ctx):
        def vouch(principal: dict):
            worker_ctx.data[CONTEXT_KEY] = sign(principal, self.key)

        return vouch
