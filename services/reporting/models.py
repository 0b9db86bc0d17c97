"""Reporting's tables (SQLAlchemy Core: rebuilds write them in bulk).

- `applied_events`: the append-only store of every event reporting applied, in order; the aggregates can
  always be rebuilt from it.
- `aggregates`: additive cells at the finest grain, one row per (association, desk, month, cell). The
  association, network and year figures are sums over it, computed in one grouped query.
- `visitors`: the set of visitor_refs per (association, desk, month), from which distinct people of any
  scope and period are counted (a union, not a sum). Pseudonymous references, and they never leave.
- `day_counts`: per (association, desk, month) and median cell, how many items took each number of days (a
  follow-up's days open, a referral's days to answer): a median of any scope and period is read from their
  sum, as distinct people are from the visitor sets. Counts of codes, nothing that names a case.
- `subjects`: what reporting remembers of an agent or an agent's week (projectors.py, `@remembering`) and
  the cells it contributed, so that a later event replaces that contribution; rebuilt with the aggregates.
- `periods`: what this association published for each closed period (revision, hash of the figures sent),
  and whether events arrived since.
- `received_periods`: at head office, the latest revision of each (association, desk, period) received.
"""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from services.reporting.cells import NO_DESK  # noqa: F401 (the tables' desk column of an association's total)
from shared.types import UtcDateTime

metadata = MetaData()
TS = UtcDateTime()

applied_events = Table(
    "reporting_applied_events", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", TS, nullable=False),
    Column("association_id", String(64), nullable=False),
    Column("pimms_id", String(64), nullable=True),
    Column("payload", Text, nullable=False),  # the payload as it travelled (JSON), re-folded on rebuild
    Column("applied_at", TS, nullable=False),
)

aggregates = Table(
    "reporting_aggregates", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("pimms_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("cell", String(120), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Index("ix_reporting_aggregates_month", "month"),
    # a stock is every month's flows up to the period's end, of a few cells: found by cell, not by scanning
    Index("ix_reporting_aggregates_stocks", "cell", "month", "association_id", "pimms_id", "value"),
    Index("ix_reporting_aggregates_desk", "pimms_id", "association_id"),  # a desk's association
)

visitors = Table(
    "reporting_visitors", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("pimms_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("visitor_ref", String(32), primary_key=True),
    sqlite_with_rowid=False,  # the primary key is the table: one B-tree to fill, not two
)

day_counts = Table(
    "reporting_day_counts", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("pimms_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("cell", String(120), primary_key=True),  # the median it feeds: "follow_ups.median_days_to_close"
    Column("days", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),  # how many items took that many days
    Index("ix_reporting_day_counts_month", "month"),
)

subjects = Table(
    "reporting_subjects", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("subject", String(160), primary_key=True),  # "agent:<agent_id>", "work:<agent_id>:<week>"
    Column("known", Text, nullable=False),  # JSON: what is known of it
    Column("cells", Text, nullable=False),  # JSON: [[desk, month, {cell: amount}], ...] it contributed
)

periods = Table(
    "reporting_periods", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("published_hash", String(64), nullable=True),
    Column("closed_at", TS, nullable=True),
    Column("dirty", Boolean, nullable=False),
)

received_periods = Table(
    "reporting_received_periods", metadata,
    Column("association_id", String(64), primary_key=True),
    Column("pimms_id", String(64), primary_key=True),  # NO_DESK: the association's total
    Column("period", String(7), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("figures", JSON, nullable=False),
    Column("suppressed", JSON, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("received_at", TS, nullable=False),
    # a period's rows, its associations' alone, in the order they are read
    Index("ix_reporting_received_periods_period", "period", "pimms_id", "association_id"),
    Index("ix_reporting_received_periods_desk", "pimms_id", "association_id"),  # a desk's association
)
