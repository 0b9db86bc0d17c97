"""Reporting: indexes for reading at national scale (70 desks x 10 years of months).

- stocks (agents employed, follow-ups open) are sums of every month up to the period's end of four cells:
  an index led by the cell finds those rows alone (and covers the query) instead of the whole table;
- a desk's association is found by its desk id: the primary key leads with the association.

Revision ID: reporting_0004
"""
from alembic import op

revision = "reporting_0004"
down_revision = "reporting_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_reporting_aggregates_stocks", "reporting_aggregates",
                    ["cell", "month", "association_id", "pimms_id", "value"])
    op.create_index("ix_reporting_aggregates_desk", "reporting_aggregates", ["pimms_id", "association_id"])


def downgrade():
    op.drop_index("ix_reporting_aggregates_desk", "reporting_aggregates")
    op.drop_index("ix_reporting_aggregates_stocks", "reporting_aggregates")
