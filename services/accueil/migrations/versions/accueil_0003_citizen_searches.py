"""Accueil: the audit trail of searches of citizens by name (who, role, when, which record numbers found).

Revision ID: accueil_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0003"
down_revision = "accueil_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_searches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reader_id", sa.String(64), nullable=False, index=True),
        sa.Column("reader_role", sa.String(20), nullable=False),
        sa.Column("found", sa.JSON, nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade():
    op.drop_table("citizen_searches")
