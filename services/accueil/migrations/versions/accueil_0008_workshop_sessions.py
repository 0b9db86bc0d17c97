"""Accueil: workshop sessions planned with a capacity, their registrations and attendance (issue 20).

Revision ID: accueil_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0008"
down_revision = "accueil_0006"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "workshop_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(30), nullable=False),
        sa.Column("partner", sa.String(40)),
        sa.Column("starts_at", MOMENT, nullable=False, index=True),
        sa.Column("duration_min", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("place", sa.String(120)),
        sa.Column("registres", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("planned_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT),
    )
    op.create_table(
        "workshop_registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("workshop_sessions.id"), nullable=False, index=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("reference", sa.String(12), unique=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("registered_at", MOMENT),
        sa.Column("cancelled_at", MOMENT),
        sa.Column("attended_at", MOMENT),
        sa.Column("visitor_ref", sa.String(32)),
    )


def downgrade():
    op.drop_table("workshop_registrations")
    op.drop_table("workshop_sessions")
