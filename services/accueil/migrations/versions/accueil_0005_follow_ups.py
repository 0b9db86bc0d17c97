"""Accueil: follow-ups across visits (suivis) and referrals to partners (mises en relation), issue 17.

Revision ID: accueil_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0005"
down_revision = "accueil_0004"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("reference", sa.String(12), unique=True),
        sa.Column("motif_kind", sa.String(20), nullable=False),
        sa.Column("partner", sa.String(40)),
        sa.Column("domain", sa.String(40)),
        sa.Column("next_action", sa.String(300)),
        sa.Column("due_on", sa.Date, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("outcome", sa.String(20)),
        sa.Column("opened_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT),
    )
    op.create_table(
        "follow_up_visits",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("follow_ups.id"), primary_key=True),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), primary_key=True),
        sa.Column("attached_at", MOMENT, nullable=False),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("follow_ups.id"), index=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(40), nullable=False, index=True),
        sa.Column("asked", sa.String(300)),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("named", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("answer", sa.String(20)),
        sa.Column("reason", sa.String(20)),
        sa.Column("redirected_to", sa.String(40)),
        sa.Column("sent_at", MOMENT, nullable=False, index=True),
        sa.Column("acknowledged_at", MOMENT),
        sa.Column("answered_at", MOMENT),
    )


def downgrade():
    op.drop_table("referrals")
    op.drop_table("follow_up_visits")
    op.drop_table("follow_ups")
