"""Formation's tables. Agents' identities never leave this database: events carry the agent_id only.
Durations are whole minutes, so sums over a year are exact; the API speaks decimal hours."""
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    # empty once AGENT_RETENTION_MONTHS have passed since the exit (identity_erased_at): what the figures
    # need of the agent stays, the name goes
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(10))
    contract_type: Mapped[str] = mapped_column(String(30))
    weekly_minutes: Mapped[int] = mapped_column(Integer)
    hired_on = mapped_column(Date, nullable=False)
    exited_on = mapped_column(Date)
    exit_outcome: Mapped[str | None] = mapped_column(String(30))
    exit_contract_months: Mapped[int | None] = mapped_column(Integer)
    exit_positive: Mapped[bool | None] = mapped_column(Boolean)
    created_at = mapped_column(UtcDateTime(), nullable=False)
    identity_erased_at = mapped_column(UtcDateTime())
    milestones: Mapped[list["Milestone"]] = relationship(
        order_by="[Milestone.reached_on, Milestone.id]", cascade="all, delete-orphan")


class WorkWeek(Base):
    """The hours an agent worked in one ISO week (its Monday): one row per week, corrected in place."""

    __tablename__ = "work_weeks"
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    week_start = mapped_column(Date, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    logged_at = mapped_column(UtcDateTime(), nullable=False)


class Training(Base):
    """One training session, or time spent on the professional project, within one week's work time."""

    __tablename__ = "trainings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    week_start = mapped_column(Date, nullable=False, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    topic: Mapped[str] = mapped_column(String(30))
    provider: Mapped[str] = mapped_column(String(64))
    logged_at = mapped_column(UtcDateTime(), nullable=False)


class Milestone(Base):
    """A step of the agent's qualification path (positioning, training started, certification...)."""

    __tablename__ = "milestones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    reached_on = mapped_column(Date, nullable=False)
    recorded_at = mapped_column(UtcDateTime(), nullable=False)
