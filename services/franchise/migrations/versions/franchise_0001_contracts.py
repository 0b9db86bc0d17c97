"""Franchise: associations, desks, contracts (covered desks, conventions, history) and compliance facts.

Revision ID: franchise_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "franchise_0001"
down_revision = None
branch_labels = ("franchise",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "associations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
    )
    op.create_table(
        "desks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("association_id", sa.String(64), sa.ForeignKey("associations.id"), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("association_id", sa.String(64), sa.ForeignKey("associations.id"), nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("mandates", sa.JSON, nullable=False),
        sa.Column("training_floor_pct", sa.Float, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "contract_desks",
        sa.Column("contract_id", sa.String(36), sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("pimms_id", sa.String(64), sa.ForeignKey("desks.id"), primary_key=True),
        sa.Column("covered_since", sa.Date, nullable=False),
    )
    op.create_table(
        "conventions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_id", sa.String(36), sa.ForeignKey("contracts.id"), nullable=False, index=True),
        sa.Column("partner", sa.String(40), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
    )
    op.create_table(
        "contract_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("association_id", sa.String(64), sa.ForeignKey("associations.id"), nullable=False),
        sa.Column("contract_id", sa.String(36), sa.ForeignKey("contracts.id"), nullable=False, index=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("change", sa.String(12), nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("changed_at", TS, nullable=False),
        sa.UniqueConstraint("association_id", "revision"),
    )
    op.create_table(
        "registre_uses",
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("registre", sa.String(20), primary_key=True),
        sa.Column("last_used_on", sa.Date, nullable=False),
    )
    op.create_table(
        "agent_weeks",
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("worked_hours", sa.Float, nullable=False),
        sa.Column("work_revision", sa.Integer, nullable=False),
        sa.Column("training_hours", sa.Float, nullable=False),
    )
    op.create_table(
        "figures_received",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("first_sent_at", TS, nullable=False),
    )
    op.create_table(
        "desk_standings",
        sa.Column("pimms_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("card", sa.JSON, nullable=False),
        sa.Column("evaluated_at", TS, nullable=False),
    )


def downgrade():
    for table in ("desk_standings", "figures_received", "agent_weeks", "registre_uses", "contract_revisions",
                  "conventions", "contract_desks", "contracts", "desks", "associations"):
        op.drop_table(table)
