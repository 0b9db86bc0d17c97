"""Tally table for the platform tests.

Revision ID: tally_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "tally_0001"
down_revision = None
branch_labels = ("tally",)
depends_on = "platform_0001"


def upgrade():
    op.create_table(
        "tallied",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
    )


def downgrade():
    op.drop_table("tallied")
