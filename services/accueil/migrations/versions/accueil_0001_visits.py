"""Accueil: citizens, visits, participants, acts, workshops.

Revision ID: accueil_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0001"
down_revision = None
branch_labels = ("accueil",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "citizens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("email", sa.String(254)),
        sa.Column("consent_given_at", TS, nullable=False),
        sa.Column("consent_channel", sa.String(20), nullable=False),
        sa.Column("consent_purposes", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("motif_kind", sa.String(20), nullable=False),
        sa.Column("partner", sa.String(40)),
        sa.Column("domain", sa.String(40)),
        sa.Column("waiting_min", sa.Integer),
        sa.Column("duration_min", sa.Integer),
        sa.Column("outcome", sa.String(20)),
        sa.Column("registres", sa.JSON),
        sa.Column("opened_at", TS, nullable=False, index=True),
        sa.Column("closed_at", TS),
    )
    op.create_table(
        "visit_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), nullable=False, index=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("gender", sa.String(10)),
        sa.Column("age_band", sa.String(10)),
        sa.Column("commune", sa.String(5)),
        sa.Column("visitor_ref", sa.String(32), nullable=False, index=True),
        sa.Column("first_visit", sa.Boolean, nullable=False),
    )
    op.create_table(
        "visit_acts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("partner", sa.String(40)),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("theme", sa.String(30), nullable=False),
        sa.Column("partner", sa.String(40)),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("attendees", sa.Integer, nullable=False),
        sa.Column("duration_min", sa.Integer, nullable=False),
        sa.Column("registres", sa.JSON, nullable=False),
    )


def downgrade():
    for table in ("workshops", "visit_acts", "visit_participants", "visits", "citizens"):
        op.drop_table(table)
