"""Reporting: what it remembers of agents and agents' weeks, to fold formation's events.

Revision ID: reporting_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "reporting_0002"
down_revision = "reporting_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reporting_subjects",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(160), primary_key=True),
        sa.Column("known", sa.Text, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("reporting_subjects")
