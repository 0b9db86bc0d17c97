"""Who manages which account, what state an account is in, and which passwords the gateway hands out or
accepts: plain functions over plain data (account_admin.py applies them to the database). No database, no
broker.

    may_manage("manager", "pimms-lyon", "agent", "pimms-lyon")  # True
    may_manage("manager", "pimms-lyon", "head_office", None)     # False: reads as no such account
"""
import secrets

from services.gateway.schemas import ACCOUNT_STATES, AGENT, HEAD_OFFICE, MANAGER

# The roles each manager of accounts manages and creates: never above their own (an association's manager
# its agents and fellow managers, head office its own staff); operators' accounts stay with the platform's
# administrators (RPC).
MANAGED = {MANAGER: (AGENT, MANAGER), HEAD_OFFICE: (HEAD_OFFICE,)}
MANAGERS = tuple(MANAGED)
STATES = ACCOUNT_STATES
# Letters and digits a person reads aloud or copies without a doubt (no 0/o, 1/l/i): 16 of them, about 79 bits.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
MIN_DISTINCT = 5


def may_manage(manager_role, manager_association, role, association_id):
    """May an account of `manager_role` (of `manager_association`) manage an account of `role` (of
    `association_id`)? Head office's accounts belong to no association."""
    if role not in MANAGED.get(manager_role, ()):
        return False
    if manager_role == HEAD_OFFICE:
        return association_id is None
    return association_id is not None and association_id == manager_association


def state(now, disabled_at, locked_until, temporary_until):
    """The one state shown for an account, the one that stops it first: disabled, locked (after repeated
    failures, until `locked_until`), password_expired (a temporary password not changed in time),
    must_change_password (a temporary password), else active."""
    if disabled_at is not None:
        return "disabled"
    if locked_until is not None and locked_until > now:
        return "locked"
    if temporary_until is not None:
        return "password_expired" if temporary_until <= now else "must_change_password"
    return "active"


def new_account_problems(manager_role, desks, request):
    """What is wrong with a new account asked by a manager of `manager_role` whose desks are `desks`:
    ({field: [rule]}, forbidden) where `forbidden` says a role above the manager's was asked."""
    role = request["role"]
    if role not in MANAGED.get(manager_role, ()):
        return {}, f"a {manager_role} creates accounts of role {' or '.join(MANAGED.get(manager_role, ()))} only"
    problems = {}
    if role == AGENT:
        if not request.get("pimms_id"):
            problems["pimms_id"] = ["an agent works at one desk of the association: choose it"]
        elif request["pimms_id"] not in desks:
            known = ", ".join(desks) or "none yet (the franchise contract has not reached this gateway)"
            problems["pimms_id"] = [f"{request['pimms_id']} is not a desk of the association (its desks: {known})"]
    elif request.get("pimms_id"):
        problems["pimms_id"] = [f"an account of role {role} has no desk of its own"]
    if role == HEAD_OFFICE and request.get("agent_id"):
        problems["agent_id"] = ["head office's accounts record no activity"]
    return problems, None


def temporary_password():
    """A password given once (at creation or reset) and changed at the first login: `k7dm-q2xp-9wfr-h3tn`."""
    chars = "".join(secrets.choice(READABLE) for _ in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def new_password_problems(login, current, new):
    """Why a person may not choose `new` (beyond the schema's 12 to 200 characters): the rules in English,
    field `new_password`."""
    problems = []
    if new == current:
        problems.append("must differ from the current password")
    if login and login.lower() in new.lower():
        problems.append("must not contain the login")
    if len(set(new)) < MIN_DISTINCT:
        problems.append(f"too easy to guess: use at least {MIN_DISTINCT} different characters")
    return problems
