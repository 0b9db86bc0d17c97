"""Accueil: Point Conseil Budget's dossiers, action plans, creditor interventions, orientations and
over-indebtedness files (issue 18).

Revision ID: accueil_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "accueil_0006"
down_revision = "accueil_0005"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def _of_a_dossier():
    return sa.Column("dossier_id", sa.String(36), sa.ForeignKey("budget_dossiers.id"), nullable=False, index=True)


def upgrade():
    op.create_table(
        "budget_dossiers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("citizen_id", sa.Integer, sa.ForeignKey("citizens.id"), index=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("household", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("outcome", sa.String(20)),
        sa.Column("diagnosis", sa.JSON),
        sa.Column("remaining_cents", sa.Integer),
        sa.Column("recommendations", sa.String(2000)),
        sa.Column("diagnosed_at", MOMENT),
        sa.Column("opened_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT),
    )
    op.create_table(
        "budget_steps", sa.Column("id", sa.Integer, primary_key=True), _of_a_dossier(),
        sa.Column("label", sa.String(300)), sa.Column("due_on", sa.Date, nullable=False), sa.Column("done_on", sa.Date),
    )
    op.create_table(
        "creditor_interventions", sa.Column("id", sa.Integer, primary_key=True), _of_a_dossier(),
        sa.Column("creditor", sa.String(100)), sa.Column("asked", sa.String(300)),
        sa.Column("asked_on", sa.Date, nullable=False), sa.Column("answer", sa.String(20)),
        sa.Column("answered_on", sa.Date),
    )
    op.create_table(
        "budget_orientations", sa.Column("id", sa.Integer, primary_key=True), _of_a_dossier(),
        sa.Column("to", sa.String(20), nullable=False), sa.Column("on", sa.Date, nullable=False),
    )
    op.create_table(
        "overindebtedness_files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("dossier_id", sa.String(36), sa.ForeignKey("budget_dossiers.id"), nullable=False, unique=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("built_on", sa.Date, nullable=False),
        sa.Column("filed_on", sa.Date), sa.Column("admissibility_on", sa.Date), sa.Column("admissible", sa.Boolean),
        sa.Column("orientation", sa.String(30)), sa.Column("orientation_on", sa.Date), sa.Column("closed_on", sa.Date),
    )


def downgrade():
    for table in ("overindebtedness_files", "budget_orientations", "creditor_interventions", "budget_steps",
                  "budget_dossiers"):
        op.drop_table(table)
