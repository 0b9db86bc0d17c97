"""The JSON API of accounts: a manager's (an association's, or head office's for its own staff) and each
person's own password. Routes of GatewayService, in a mixin of their own; each only delegates
(account_admin.py)."""
from services.gateway import account_admin
from services.gateway.access import ANY_ROLE
from services.gateway.account_rules import MANAGERS
from services.gateway.schemas import AccountSummary, ManagedAccount, NewAccountRequest, PasswordChange, TokenView
from services.gateway.web import IDEMPOTENCY_HEADER, api, request_json, request_key

ACCOUNT = "/api/accounts/<string:login>"


class AccountRoutes:
    """Needs the service's db, config and tokens (and what `api` needs: vouch, metrics)."""

    @api("GET", "/api/accounts", summary="The accounts you manage: an association's manager those of the "
         "association, head office its own staff's; with their state", tag="accounts", roles=MANAGERS,
         response=AccountSummary, many=True)
    def api_list_accounts(self, request, principal):
        return account_admin.listing(self.db, principal)

    @api("POST", "/api/accounts", summary="Create an account (an agent at one of the association's desks, by "
         "default) with a temporary password, shown once, changed at its first login", tag="accounts",
         roles=MANAGERS, body=NewAccountRequest, response=ManagedAccount, status=201,
         errors=(400, 401, 403, 503))
    def api_create_account(self, request, principal):
        return account_admin.create(self.db, self.config, principal, request_json(request),
                                    request_key(principal, request.headers.get(IDEMPOTENCY_HEADER)))

    @api("GET", ACCOUNT, summary="An account you manage", tag="accounts", roles=MANAGERS, response=AccountSummary)
    def api_get_account(self, request, principal, login):
        return account_admin.read(self.db, principal, login)

    @api("POST", ACCOUNT + "/disable", summary="Disable an account: it logs in no more, its sessions stop",
         tag="accounts", roles=MANAGERS, response=AccountSummary)
    def api_disable_account(self, request, principal, login):
        return account_admin.disable(self.db, principal, login, self._account_key(request, principal))

    @api("POST", ACCOUNT + "/enable", summary="Enable a disabled account again", tag="accounts", roles=MANAGERS,
         response=AccountSummary)
    def api_enable_account(self, request, principal, login):
        return account_admin.enable(self.db, principal, login, self._account_key(request, principal))

    @api("POST", ACCOUNT + "/unlock", summary="Unlock an account locked after repeated failed logins",
         tag="accounts", roles=MANAGERS, response=AccountSummary)
    def api_unlock_account(self, request, principal, login):
        return account_admin.unlock(self.db, principal, login, self._account_key(request, principal))

    @api("POST", ACCOUNT + "/password-reset", summary="A new temporary password, shown once: the account's "
         "sessions end and its holder changes it at the next login", tag="accounts", roles=MANAGERS,
         response=ManagedAccount)
    def api_reset_password(self, request, principal, login):
        return account_admin.reset_password(self.db, self.config, principal, login,
                                            self._account_key(request, principal))

    @api("POST", "/api/me/password", summary="Change your own password (the current one required): a new "
         "token, every other session ended", tag="sessions", roles=ANY_ROLE, body=PasswordChange,
         response=TokenView, errors=(400, 401, 403, 503))
    def api_change_password(self, request, principal):
        token, claims, view = account_admin.change_own(self.db, self.tokens, self.config, principal,
                                                       request_json(request))
        return {"token": token, "token_type": "Bearer", "expires_at": claims.expires_at.isoformat(), "account": view}

    @staticmethod
    def _account_key(request, principal):
        request_json(request)  # these take no body; a body that is not JSON is still refused as the API's are
        return request_key(principal, request.headers.get(IDEMPOTENCY_HEADER))
