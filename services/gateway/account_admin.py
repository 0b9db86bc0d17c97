"""Accounts managed from the web app: an association's manager lists, creates, disables, re-enables and
unlocks the association's accounts and resets their passwords; head office does the same for its own staff;
everyone changes their own password. Each change and its audit line (who, what, on which account; never a
password) commit together.

An account outside the manager's reach (another association's, head office's, an operator's) reads exactly
as one that does not exist (404). A password given by a manager is a temporary one, shown once and never
stored in clear: its holder changes it before anything else (access.require_changed_password), and it
logs in no more after TEMPORARY_PASSWORD_HOURS. Changing a password, resetting it or disabling the account
raises its session generation, which ends every session opened before (web.principal_for)."""
import datetime as dt

from sqlalchemy import select

from services.gateway import account_rules, accounts
from services.gateway.access import require_role
from services.gateway.errors import Forbidden
from services.gateway.models import Account, AuditEntry
from services.gateway.schemas import NewAccountRequest, PasswordChange
from shared.db import as_utc, utcnow
from shared.errors import InvalidRequest, NotFound, parse_request
from shared.idempotency import KEY_FIELD

TEMPORARY_PASSWORD_HOURS = 72  # long enough to reach a person off for the weekend, short enough not to linger


def _iso(moment):
    return None if moment is None else as_utc(moment).isoformat()


def summary(account, now):
    """What the accounts page and GET /api/accounts show of an account: never its hash."""
    return {"login": account.login, "role": account.role, "association_id": account.association_id,
            "pimms_id": account.pimms_id, "agent_id": account.agent_id,
            "state": account_rules.state(now, account.disabled_at and as_utc(account.disabled_at),
                                         account.locked_until and as_utc(account.locked_until),
                                         account.temporary_until and as_utc(account.temporary_until)),
            "created_at": _iso(account.created_at), "disabled_at": _iso(account.disabled_at),
            "locked_until": _iso(account.locked_until), "temporary_until": _iso(account.temporary_until)}


def _audit(session, principal, action, login, now):
    session.add(AuditEntry(at=now, login=principal.login, role=principal.role, action=action,
                           target=f"account:{login}"))


def _within_reach(session, principal, login, lock=False):
    """The account `login` if `principal` manages it, else NotFound worded as for an account that does not
    exist; never the principal's own (they change their password on their own page)."""
    query = select(Account).where(Account.login == login)
    account = session.scalars(query.with_for_update() if lock else query).first()
    if account is None or not account_rules.may_manage(principal.role, principal.association_id, account.role,
                                                       account.association_id):
        raise NotFound(f"no account {login}")
    if account.login == principal.login:
        raise InvalidRequest({"login": ["your own account: change your password on your own page (POST "
                                        "/api/me/password); another manager disables, unlocks or resets yours"]})
    return account


def listing(db, principal):
    """The accounts `principal` manages, by role then login."""
    require_role(principal, *account_rules.MANAGERS)
    now = utcnow()
    roles = account_rules.MANAGED[principal.role]
    with db.unit_of_work() as uow:
        query = select(Account).where(Account.role.in_(roles)).order_by(Account.role, Account.login)
        query = query.where(Account.association_id.is_(None) if principal.association_id is None
                            else Account.association_id == principal.association_id)
        return [summary(a, now) for a in uow.session.scalars(query)
                if account_rules.may_manage(principal.role, principal.association_id, a.role, a.association_id)]


def read(db, principal, login):
    require_role(principal, *account_rules.MANAGERS)
    with db.unit_of_work() as uow:
        account = uow.session.get(Account, login)
        if account is None or not account_rules.may_manage(principal.role, principal.association_id, account.role,
                                                           account.association_id):
            raise NotFound(f"no account {login}")
        return summary(account, utcnow())


def _hours(config):
    hours = float(config.get("TEMPORARY_PASSWORD_HOURS", TEMPORARY_PASSWORD_HOURS))
    return dt.timedelta(hours=hours)


def create(db, config, principal, body, key):
    """A new account of the principal's association (or head office's), with a temporary password:
    {"account": summary, "temporary_password": shown this once (None when `key` repeats a request done)}."""
    require_role(principal, *account_rules.MANAGERS)
    req = parse_request(NewAccountRequest, body)
    problems, forbidden = account_rules.new_account_problems(principal.role, principal.desks, req)
    if forbidden:
        raise Forbidden(forbidden)
    if problems:
        raise InvalidRequest(problems)
    password = account_rules.temporary_password()
    hashed = accounts.hash_password(password)  # before the transaction: no row held while it hashes

    def work(uow, req):
        now = utcnow()
        if uow.session.get(Account, req["login"]) is not None:
            raise InvalidRequest({"login": [f"an account {req['login']} already exists: choose another login"]})
        agent_id = req["agent_id"]
        if agent_id is None and req["role"] != "head_office":
            agent_id = accounts.new_agent_code()
        account = Account(login=req["login"], role=req["role"], association_id=principal.association_id,
                          pimms_id=req["pimms_id"], agent_id=agent_id, password_hash=hashed, created_at=now,
                          failed_logins=0, temporary_until=now + _hours(config), session_generation=0)
        uow.session.add(account)
        _audit(uow.session, principal, "account_created", account.login, now)
        uow.session.flush()
        return {"account": summary(account, now), "temporary_password": None}

    answer = db.once("gateway.create_account", {**req, KEY_FIELD: key}, None, work)
    return {**answer, "temporary_password": None if db.replayed else password}


def _change(db, principal, login, key, operation, change):
    """Apply `change(account, now)` to an account the principal manages (it returns the audit action, or None
    when there was nothing to change), once per idempotency key."""
    require_role(principal, *account_rules.MANAGERS)

    def work(uow, _):
        now = utcnow()
        account = _within_reach(uow.session, principal, login, lock=True)
        action = change(account, now)
        if action:
            _audit(uow.session, principal, action, login, now)
        uow.session.flush()
        return summary(account, now)

    return db.once(operation, {"login": login, KEY_FIELD: key}, None, work)


def disable(db, principal, login, key):
    def change(account, now):
        if account.disabled_at is not None:
            return None
        account.disabled_at = now
        account.session_generation += 1  # its open sessions stop at their next request
        return "account_disabled"
    return _change(db, principal, login, key, "gateway.disable_account", change)


def enable(db, principal, login, key):
    def change(account, now):
        if account.disabled_at is None:
            return None
        account.disabled_at = None
        return "account_enabled"
    return _change(db, principal, login, key, "gateway.enable_account", change)


def unlock(db, principal, login, key):
    def change(account, now):
        if account.locked_until is None and not account.failed_logins:
            return None
        account.locked_until, account.failed_logins = None, 0
        return "account_unlocked"
    return _change(db, principal, login, key, "gateway.unlock_account", change)


def reset_password(db, config, principal, login, key):
    """A new temporary password for an account the principal manages: its sessions end, a lock is lifted,
    and its holder changes the password at the next login. Same answer as `create`."""
    require_role(principal, *account_rules.MANAGERS)
    password = account_rules.temporary_password()
    hashed = accounts.hash_password(password)

    def change(account, now):
        account.password_hash, account.temporary_until = hashed, now + _hours(config)
        account.locked_until, account.failed_logins = None, 0
        account.session_generation += 1
        return "password_reset"

    answer = _change(db, principal, login, key, "gateway.reset_password", change)
    return {"account": answer, "temporary_password": None if db.replayed else password}


def change_own(db, tokens, config, principal, body):
    """A person changes their own password, the current one given: (token, claims, view) of a new session,
    every other one ended. The current password is checked as a login is (its failures count toward the
    lock). Not replayed by idempotency key: the answer is a credential, never kept; a repeat finds the
    password changed and is refused, naming the field."""
    req = parse_request(PasswordChange, body)
    problems = account_rules.new_password_problems(principal.login, req["current_password"], req["new_password"])
    if problems:
        raise InvalidRequest({"new_password": problems})
    now = utcnow()
    lock = dt.timedelta(minutes=float(config.get("LOGIN_LOCK_MINUTES", 15)))
    checked = accounts.authenticate(db.unit_of_work, principal.login, req["current_password"], now,
                                    int(config.get("LOGIN_MAX_FAILURES", 5)), lock)
    if checked.outcome not in ("ok", "expired"):  # an expired temporary one still opened this session
        with db.unit_of_work() as uow:
            uow.session.add(AuditEntry(at=now, login=principal.login, role=principal.role,
                                       action="password_change_failed", target=f"account:{principal.login}"))
        raise InvalidRequest({"current_password": ["does not match the account's password (after repeated "
                                                   "failures the account is locked for a while)"]})
    hashed = accounts.hash_password(req["new_password"])
    with db.unit_of_work() as uow:
        account = uow.session.scalars(select(Account).where(Account.login == principal.login)
                                      .with_for_update()).one()
        account.password_hash, account.temporary_until = hashed, None
        account.session_generation += 1
        _audit(uow.session, principal, "password_changed", principal.login, now)
        uow.session.flush()
        generation = account.session_generation
        view = accounts.account_view(account, accounts.desks_of(uow.session, account))
    token, claims = tokens.issue(principal.login, generation)
    return token, claims, view
