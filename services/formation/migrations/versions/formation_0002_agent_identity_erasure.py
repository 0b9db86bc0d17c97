"""Formation: an agent's name can be erased once AGENT_RETENTION_MONTHS have passed since the exit (issue 16):
first and last name become nullable, and the row says when they went.

Revision ID: formation_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "formation_0002"
down_revision = "formation_0001"
branch_labels = None
depends_on = None


def upgrade():
    # on SQLite batch mode copies `agents`, which weeks, trainings and milestones point at: shared.db.migrate
    # runs it with foreign keys unenforced, and checks them before the commit
    with op.batch_alter_table("agents") as batch:
        for name in ("first_name", "last_name"):
            batch.alter_column(name, existing_type=sa.String(100), nullable=True)
        batch.add_column(sa.Column("identity_erased_at", sa.DateTime(timezone=True)))


def downgrade():
    # an erased name cannot come back: refuse rather than invent one
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM agents WHERE identity_erased_at IS NOT NULL")):
        raise RuntimeError("agents' names have been erased: formation_0002 cannot be undone")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("identity_erased_at")
        for name in ("first_name", "last_name"):
            batch.alter_column(name, existing_type=sa.String(100), nullable=False)

