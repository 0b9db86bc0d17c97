"""Franchise's tables: head office's register of associations and desks, the contracts with their
conventions and full history, and what compliance needs of the associations' activity (facts only: no
visitor, no visit, just which registre a desk last used, hours per agent and week, figures received)."""
from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Association(Base):
    __tablename__ = "associations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    registered_at = mapped_column(UtcDateTime(), nullable=False)


class Desk(Base):
    __tablename__ = "desks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the pimms_id
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    registered_at = mapped_column(UtcDateTime(), nullable=False)


class Contract(Base):
    """The current terms of one contract. At most one contract per association is not terminated."""

    __tablename__ = "contracts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(Integer)
    mandates: Mapped[list] = mapped_column(JSON)
    training_floor_pct: Mapped[float] = mapped_column(Float)
    valid_from = mapped_column(Date, nullable=False)
    valid_to = mapped_column(Date)
    signed_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)
    desks: Mapped[list["CoveredDesk"]] = relationship(order_by="CoveredDesk.pimms_id", cascade="all, delete-orphan")
    conventions: Mapped[list["Convention"]] = relationship(
        order_by="[Convention.partner, Convention.valid_from]", cascade="all, delete-orphan")


class CoveredDesk(Base):
    """A desk under a contract, since when (compliance counts from then on)."""

    __tablename__ = "contract_desks"
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(ForeignKey("desks.id"), primary_key=True)
    covered_since = mapped_column(Date, nullable=False)


class Convention(Base):
    __tablename__ = "conventions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    partner: Mapped[str] = mapped_column(String(40))
    scope: Mapped[list] = mapped_column(JSON)
    valid_from = mapped_column(Date, nullable=False)
    valid_to = mapped_column(Date)


class ContractRevision(Base):
    """Every change of every contract, with the full terms it produced: the contract's history."""

    __tablename__ = "contract_revisions"
    __table_args__ = (UniqueConstraint("association_id", "revision"),)  # two racing changes cannot share one
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"))
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(12))
    terms: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    changed_at = mapped_column(UtcDateTime(), nullable=False)


# -- what compliance keeps of the associations' activity ----------------------------------------------------
class RegistreUse(Base):
    """The last day a desk used a registre: all the rolling-window rules need of the visits and workshops."""

    __tablename__ = "registre_uses"
    pimms_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registre: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_used_on = mapped_column(Date, nullable=False)


class AgentWeek(Base):
    """An agent's hours at a desk in one ISO week (its Monday): worked (the week's total, the newest
    revision wins) and training (sessions add up)."""

    __tablename__ = "agent_weeks"
    pimms_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    week_start = mapped_column(Date, primary_key=True)
    worked_hours: Mapped[float] = mapped_column(Float, default=0.0)
    work_revision: Mapped[int] = mapped_column(Integer, default=0)
    training_hours: Mapped[float] = mapped_column(Float, default=0.0)


class FiguresReceived(Base):
    """When an association's figures for a month first reached head office (a later revision is a
    correction: it does not make the month late)."""

    __tablename__ = "figures_received"
    association_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    first_sent_at = mapped_column(UtcDateTime(), nullable=False)


class DeskStanding(Base):
    """A desk's last evaluation: `compliance_evaluated` is published only when its status changes."""

    __tablename__ = "desk_standings"
    pimms_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    card: Mapped[dict] = mapped_column(JSON)
    evaluated_at = mapped_column(UtcDateTime(), nullable=False)
