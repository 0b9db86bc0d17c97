"""Reporting: the applied-event store, aggregates, visitor sets, closed and received periods.

Revision ID: reporting_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "reporting_0001"
down_revision = None
branch_labels = ("reporting",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "reporting_applied_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("association_id", sa.String(64), nullable=False),
        sa.Column("pimms_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("applied_at", TS, nullable=False),
    )
    op.create_table(
        "reporting_aggregates",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("cell", sa.String(120), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_reporting_aggregates_month", "reporting_aggregates", ["month"])
    op.create_table(
        "reporting_visitors",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("visitor_ref", sa.String(32), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reporting_periods",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("published_hash", sa.String(64), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("dirty", sa.Boolean, nullable=False),
    )
    op.create_table(
        "reporting_received_periods",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("suppressed", sa.JSON, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("received_at", TS, nullable=False),
    )


def downgrade():
    for table in ("reporting_received_periods", "reporting_periods", "reporting_visitors", "reporting_aggregates",
                  "reporting_applied_events"):
        op.drop_table(table)
