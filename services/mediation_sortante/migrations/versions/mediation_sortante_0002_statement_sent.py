"""Médiation sortante: retention of partner statements (issue 16). When a closed campaign's statement was
sent to the partner, and when the partner references were removed from it (the statement's counts stay).

Revision ID: mediation_sortante_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "mediation_sortante_0002"
down_revision = "mediation_sortante_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    # batch mode: SQLite alters a table by copying it
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("statement_sent_at", TS))
        batch.add_column(sa.Column("statement_references_purged_at", TS))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("statement_references_purged_at")
        batch.drop_column("statement_sent_at")
