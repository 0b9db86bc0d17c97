"""Reporting: indexes for head office's reads of the periods received (70 desks x 10 years of months and
years, each row holding its figures as JSON).

- the national figures of a period are the associations' rows of that period (exports add their desks'):
  an index on the period, the desk, then the association (the rows' order) finds them instead of reading
  every row, figures and all, of every period (with the period alone, SQLite took the desk index for
  `pimms_id = ''`, which gave the order, and read every association row of ten years: 15 ms, not 0.6);
- a desk's association is found by its desk id: the primary key leads with the association.

Revision ID: reporting_0005
"""
from alembic import op

revision = "reporting_0005"
down_revision = "reporting_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_reporting_received_periods_period", "reporting_received_periods",
                    ["period", "pimms_id", "association_id"])
    op.create_index("ix_reporting_received_periods_desk", "reporting_received_periods",
                    ["pimms_id", "association_id"])


def downgrade():
    op.drop_index("ix_reporting_received_periods_desk", "reporting_received_periods")
    op.drop_index("ix_reporting_received_periods_period", "reporting_received_periods")
