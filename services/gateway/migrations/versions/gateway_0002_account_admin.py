"""Gateway: accounts managed from the web app: disabled, temporary password, sessions' generation.

Revision ID: gateway_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("disabled_at", TS))
        batch.add_column(sa.Column("temporary_until", TS))
        batch.add_column(sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("accounts") as batch:
        for column in ("session_generation", "temporary_until", "disabled_at"):
            batch.drop_column(column)
