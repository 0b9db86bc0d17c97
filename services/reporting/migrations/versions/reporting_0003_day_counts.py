"""Reporting: day counts per median cell, to read the median days of follow-ups and referrals.

Revision ID: reporting_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "reporting_0003"
down_revision = "reporting_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reporting_day_counts",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("cell", sa.String(120), primary_key=True),
        sa.Column("days", sa.Integer, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_reporting_day_counts_month", "reporting_day_counts", ["month"])


def downgrade():
    op.drop_index("ix_reporting_day_counts_month", "reporting_day_counts")
    op.drop_table("reporting_day_counts")
