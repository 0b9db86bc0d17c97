"""Accueil: the waiting room's tickets and their numbering per desk and day, and appointments (issue 20).

Revision ID: accueil_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0007"
down_revision = "accueil_0006"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def _motif():
    return [sa.Column("motif_kind", sa.String(20), nullable=False), sa.Column("partner", sa.String(40)),
            sa.Column("domain", sa.String(40))]


def upgrade():
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        *_motif(),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("arrived_at", MOMENT, nullable=False, index=True),
        sa.Column("served_at", MOMENT),
        sa.Column("left_at", MOMENT),
        sa.Column("counter", sa.Integer),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), unique=True),
        sa.UniqueConstraint("pimms_id", "day", "number", name="uq_tickets_desk_day_number"),
    )
    op.create_table(
        "ticket_days",
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("agent_id", sa.String(64), nullable=False, index=True),
        sa.Column("starts_at", MOMENT, nullable=False, index=True),
        sa.Column("duration_min", sa.Integer, nullable=False),
        *_motif(),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("reference", sa.String(12), unique=True),
        sa.Column("slot_key", sa.String(120), unique=True),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("booked_at", MOMENT, nullable=False),
        sa.Column("arrived_at", MOMENT),
        sa.Column("seen_at", MOMENT),
        sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), unique=True),
        sa.Column("cancelled_at", MOMENT),
        sa.Column("missed_at", MOMENT),
        sa.Column("missed_by", sa.String(12)),
    )


def downgrade():
    for table in ("appointments", "ticket_days", "tickets"):
        op.drop_table(table)
