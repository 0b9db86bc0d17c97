"""Formation: agents, their weeks of work, training sessions and qualification milestones.

Revision ID: formation_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "formation_0001"
down_revision = None
branch_labels = ("formation",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "agents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("gender", sa.String(10), nullable=False),
        sa.Column("contract_type", sa.String(30), nullable=False),
        sa.Column("weekly_minutes", sa.Integer, nullable=False),
        sa.Column("hired_on", sa.Date, nullable=False),
        sa.Column("exited_on", sa.Date),
        sa.Column("exit_outcome", sa.String(30)),
        sa.Column("exit_contract_months", sa.Integer),
        sa.Column("exit_positive", sa.Boolean),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "work_weeks",
        sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.id"), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("logged_at", TS, nullable=False),
    )
    op.create_table(
        "trainings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.id"), nullable=False, index=True),
        sa.Column("week_start", sa.Date, nullable=False, index=True),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("topic", sa.String(30), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("logged_at", TS, nullable=False),
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reached_on", sa.Date, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )


def downgrade():
    for table in ("milestones", "trainings", "work_weeks", "agents"):
        op.drop_table(table)
