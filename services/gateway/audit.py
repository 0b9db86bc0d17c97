"""The gateway's audit log: who did what and when (account created, login, logout, access denied, citizen
searched or read), never the data read, so the log itself discloses nobody."""
from sqlalchemy import delete, select

from services.gateway.metrics import ACCESS_DENIED
from services.gateway.models import AuditEntry
from shared import localtime
from shared.db import as_utc, utcnow

AUDIT_RETENTION_MONTHS = 12  # as accueil's trail of identity reads: long enough to answer a complaint


def write(db, principal, action, target=None):
    """`write(self.db, principal, "citizen_read", "citizen:12")`: one entry, in a transaction of its own."""
    with db.unit_of_work() as uow:
        uow.session.add(AuditEntry(at=utcnow(), login=principal and principal.login,
                                   role=principal and principal.role, action=action, target=target))


def access_denied(db, metrics, principal, route):
    """A refusal by role or desk (`route`: "POST /api/visits"), counted by role and written down."""
    metrics[ACCESS_DENIED].labels(principal.role if principal else "anonymous").inc()
    write(db, principal, "access_denied", route)


def entries(db, limit):
    """The latest `limit` entries, newest first."""
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(int(limit)))
        return [{"at": as_utc(r.at).isoformat(), "login": r.login, "role": r.role, "action": r.action,
                 "target": r.target} for r in rows]


def forget_old(db, now, months):
    """Delete the entries older than `months` (the log names staff and, by number, the citizens read): the
    daily retention. Returns how many went."""
    if months < 1:
        raise ValueError("AUDIT_RETENTION_MONTHS is at least one month")
    with db.unit_of_work() as uow:
        return uow.session.execute(delete(AuditEntry).where(
            AuditEntry.at < localtime.months_before(now, months))).rowcount
