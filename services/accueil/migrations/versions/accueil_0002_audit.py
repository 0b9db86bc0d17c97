"""Accueil: the audit trail of citizens' identities read (who, in which role, when, which citizen).

Revision ID: accueil_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0002"
down_revision = "accueil_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_reads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), nullable=False, index=True),
        sa.Column("reader_id", sa.String(64), nullable=False),
        sa.Column("reader_role", sa.String(20), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade():
    op.drop_table("citizen_reads")
