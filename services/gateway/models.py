"""The gateway's tables: accounts (passwords hashed), revoked tokens and the audit log. No citizen's identity
is ever stored here."""
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    association_id: Mapped[str | None] = mapped_column(String(64))
    pimms_id: Mapped[str | None] = mapped_column(String(64), index=True)  # a manager's desks: its agents' accounts
    agent_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at = mapped_column(UtcDateTime(), nullable=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until = mapped_column(UtcDateTime())
    # a disabled account logs in no more and its sessions stop (account_admin.py); None: in use
    disabled_at = mapped_column(UtcDateTime())
    # set: the password is a temporary one, to be changed before anything else and refused after this instant
    temporary_until = mapped_column(UtcDateTime())
    # carried by each token: raised when the password changes or the account is disabled, it ends every
    # session opened before (tokens are not stored, so they cannot be listed and revoked one by one)
    session_generation: Mapped[int] = mapped_column(Integer, default=0)


class RevokedToken(Base):
    """A token logged out before it expired; kept until it would have expired anyway."""
    __tablename__ = "revoked_tokens"
    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    expires_at = mapped_column(UtcDateTime(), nullable=False, index=True)


class AuditEntry(Base):
    """Who did what that matters for security (logins, denials, identities read), and when. `target` names
    a record (`citizen:12`) or a route, never data read from it."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UtcDateTime(), nullable=False, index=True)
    login: Mapped[str | None] = mapped_column(String(64), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    target: Mapped[str | None] = mapped_column(String(200))
