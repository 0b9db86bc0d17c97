"""The gateway's tables on SQLite and on PostgreSQL: accounts, lockout times, revoked tokens and the audit
log read back the same (times in UTC)."""
import datetime as dt

from sqlalchemy import select

from services.gateway import accounts
from services.gateway.models import Account, AuditEntry
from services.gateway.service import MIGRATIONS
from shared.db import Storage, as_utc, utcnow


def test_accounts_tokens_and_audit_round_trip(db_url):
    storage = Storage(db_url, MIGRATIONS, "pimms-lyon")
    try:
        now, lock = utcnow(), dt.timedelta(minutes=15)
        with storage.unit_of_work() as uow:
            accounts.create_account(uow.session, {"login": "agent.lyon8", "role": "agent", "association_id":
                                                  "pimms-lyon", "pimms_id": "lyon-8", "agent_id": None,
                                                  "password": "a-long-enough-password"}, now, "pimms-lyon")
        assert accounts.authenticate(storage.unit_of_work, "agent.lyon8", "wrong", now, 1, lock).outcome == "locked"
        with storage.unit_of_work() as uow:
            uow.session.add(AuditEntry(at=now, login="agent.lyon8", role="agent", action="login_locked"))
        claims = accounts.TokenClaims("agent.lyon8", "f" * 32, now + dt.timedelta(hours=1))
        with storage.unit_of_work() as uow:
            accounts.revoke(uow.session, claims, now)
        with storage.unit_of_work() as uow:
            account = uow.session.get(Account, "agent.lyon8")
            assert as_utc(account.locked_until) == now + lock
            assert accounts.is_revoked(uow.session, "f" * 32) and not accounts.is_revoked(uow.session, "0" * 32)
            assert [e.action for e in uow.session.scalars(select(AuditEntry))] == ["login_locked"]
        assert accounts.authenticate(storage.unit_of_work, "agent.lyon8", "a-long-enough-password", now + lock * 2, 1,
                                     lock).outcome == "ok"
    finally:
        storage.dispose()
