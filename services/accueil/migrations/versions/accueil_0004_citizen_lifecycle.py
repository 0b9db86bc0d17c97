"""Accueil: the citizen's data lifecycle (issue 16). The history of each consent given or withdrawn; an
identity that can be erased (its columns emptied, the row kept as a tombstone: see models.Citizen); the
trail of a record gains what was done (read, export, consent, erasure).

Revision ID: accueil_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0004"
down_revision = "accueil_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), nullable=False, index=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("purposes", sa.JSON, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(64)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("citizens") as batch:
        for name, type_ in (("first_name", sa.String(100)), ("last_name", sa.String(100)),
                            ("consent_given_at", sa.DateTime(timezone=True)), ("consent_channel", sa.String(20)),
                            ("consent_purposes", sa.JSON)):
            batch.alter_column(name, existing_type=type_, nullable=True)
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("citizen_reads") as batch:
        batch.add_column(sa.Column("action", sa.String(10), nullable=False, server_default="read"))
    # the consents recorded so far become the first entry of each person's history
    op.execute("INSERT INTO citizen_consents (citizen_id, action, purposes, channel, given_at, recorded_by, "
               "recorded_at) SELECT id, 'given', consent_purposes, consent_channel, consent_given_at, NULL, "
               "created_at FROM citizens")


def downgrade():
    with op.batch_alter_table("citizen_reads") as batch:
        batch.drop_column("action")
    with op.batch_alter_table("citizens") as batch:
        batch.drop_column("erased_at")
    op.drop_table("citizen_consents")
