"""Médiation sortante's tables. Identities (name, phone, address, the partner's reference) live in
`contacts`, and are blanked once the retention delay after the campaign's close has passed; the partner's
references are also in the frozen statement, until the delay after it was sent. Each column is classified
in the register of processing (register.py)."""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    partner: Mapped[str] = mapped_column(String(40))
    label: Mapped[str | None] = mapped_column(String(120))
    channels: Mapped[list] = mapped_column(JSON)
    max_attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    opened_at = mapped_column(UtcDateTime(), nullable=False)
    closed_at = mapped_column(UtcDateTime())
    # the partner statement as it stood at close: what the partner is billed for, kept after the purge
    statement: Mapped[dict | None] = mapped_column(JSON)
    purged_at = mapped_column(UtcDateTime())  # when its contacts' identities were blanked
    statement_sent_at = mapped_column(UtcDateTime())  # when the desk sent the statement to the partner
    statement_references_purged_at = mapped_column(UtcDateTime())  # when its partner references were removed


class Contact(Base):
    """One case: a partner's customer to reach. Its id is ours, the only handle events carry."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_ref", name="uq_contacts_campaign_partner_ref"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    partner_ref: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)  # where it stood in the partner's file
    imported_at = mapped_column(UtcDateTime(), nullable=False)
    agent_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str | None] = mapped_column(String(30))
    acts: Mapped[list | None] = mapped_column(JSON)
    automatic: Mapped[bool | None] = mapped_column(Boolean)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at = mapped_column(UtcDateTime())
    purged_at = mapped_column(UtcDateTime())
    attempts: Mapped[list["Attempt"]] = relationship(order_by="Attempt.number", cascade="all, delete-orphan")


class Attempt(Base):
    __tablename__ = "attempts"
    # two agents recording at once cannot both take the same number: one of them fails at commit
    __table_args__ = (UniqueConstraint("contact_id", "number", name="uq_attempts_contact_number"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    reached: Mapped[bool] = mapped_column(Boolean)
    agent_id: Mapped[str] = mapped_column(String(64))
    at = mapped_column(UtcDateTime(), nullable=False)
    recorded_at = mapped_column(UtcDateTime(), nullable=False)
