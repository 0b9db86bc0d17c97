"""The gateway's entries in the register of processing (shared/register.py): the accounts of the people who
use the platform, the sessions they logged out of, and the audit log of what they did. No citizen's identity:
a citizen appears only as a record number, in the audit log of who read which record."""
from shared.register import EMPLOYMENT, SECURITY, Personal

HOLDER = ("a person with an account: the association's agents and managers, head office's staff, operators, "
          "by login")
ACCOUNT_KEPT = ("as long as the account exists: a manager (or head office, for its own staff) disables an account "
                "on the accounts page, which stops its logins and sessions but keeps it for the audit log; it "
                "stays until removed from the gateway's database")
ACCOUNT = Personal(
    HOLDER, "the login the association gave the person (it may be their name), their role, their desk and "
    "when the account was made", "let the person work with the rights of their job (which pages, which desks) "
    "and name them in the audit log", EMPLOYMENT, ACCOUNT_KEPT,
    "the person (their own account, at login); the association's manager on the accounts page (the accounts "
    "of their association), head office (its own staff's accounts); the platform's administrators, who create "
    "accounts over RPC; a manager's desks are read from their agents' accounts")
ACCOUNT_STATE = Personal(
    HOLDER, "when the account was disabled (it then logs in no more)", "stop a person who left, or whose account "
    "is misused, from working with the platform, while keeping who did what in the audit log", EMPLOYMENT,
    ACCOUNT_KEPT, "the association's manager and head office on the accounts page, for the accounts they manage")
AGENT_CODE = Personal(
    "an agent médiateur or manager", "the agent's code, under which accueil records their visits and workshops "
    "(formation's code when the association gives it, else a random one: never derived from the login)",
    "record the work under the agent who did it, as formation and accueil know them", EMPLOYMENT,
    ACCOUNT_KEPT, "the person (at login); through the events of their work: accueil, reporting and, at head "
    "office, franchise")
CREDENTIALS = Personal(
    HOLDER, "the password as an argon2id hash (never the password itself); failed logins in a row, and until "
    "when the account is locked after LOGIN_MAX_FAILURES of them; until when a temporary password (given at "
    "creation or reset) logs in, before it must be changed; the generation of its sessions (raised when the "
    "password changes or the account is disabled, ending the sessions opened before)",
    "check the password and stop guessing (LOGIN_MAX_FAILURES, LOGIN_LOCK_MINUTES)", SECURITY,
    ACCOUNT_KEPT + "; the failure count is reset by a successful login, the temporary password's deadline by "
    "the password's change", "nobody sees the hash; the account's manager sees whether it is locked or waits for "
    "a new password, on the accounts page")
LOGGED_OUT = Personal(
    HOLDER, "the login of a session ended by logging out, and when its token would have expired",
    "refuse a token once its holder logged out", SECURITY,
    "until the token would have expired anyway (TOKEN_LIFETIME_MINUTES, 480), then deleted at the next "
    "logout, of anyone", "nobody: checked at each request, never shown")
TRAIL = Personal(
    HOLDER + " and, by record number, the citizen whose record was read",
    "who did what and when: account created, disabled, enabled, unlocked, its password reset or changed (who "
    "did it, on which account: never a password), login, failed, locked or refused login (a known login only), "
    "logout, "
    "access denied (the method and path asked), citizens searched (how many found, never who), a citizen's "
    "record read (`citizen:<number>`); never the data read",
    "account for every login and every access to a citizen's identity", SECURITY,
    "AUDIT_RETENTION_MONTHS (12), then deleted by the gateway's daily job",
    "the platform's administrators, over RPC (`gateway.audit_entries`); no page shows it")

PERSONAL = {
    "accounts.login": ACCOUNT, "accounts.role": ACCOUNT, "accounts.pimms_id": ACCOUNT, "accounts.created_at": ACCOUNT,
    "accounts.agent_id": AGENT_CODE,
    "accounts.password_hash": CREDENTIALS, "accounts.failed_logins": CREDENTIALS,
    "accounts.locked_until": CREDENTIALS, "accounts.temporary_until": CREDENTIALS,
    "accounts.session_generation": CREDENTIALS, "accounts.disabled_at": ACCOUNT_STATE,
    "revoked_tokens.login": LOGGED_OUT, "revoked_tokens.expires_at": LOGGED_OUT,
    "audit_log.at": TRAIL, "audit_log.login": TRAIL, "audit_log.role": TRAIL, "audit_log.action": TRAIL,
    "audit_log.target": TRAIL,
}
NOT_PERSONAL = {
    "accounts": ("association_id",),
    "revoked_tokens": ("jti",),  # a random token id
    "audit_log": ("id",),
}
