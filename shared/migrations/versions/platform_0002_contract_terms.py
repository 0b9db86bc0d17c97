"""Platform table: each enforcing service's local copy of its association's franchise contract.

Revision ID: platform_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contract_terms",
        sa.Column("association_id", sa.String(64), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("contract_terms")
