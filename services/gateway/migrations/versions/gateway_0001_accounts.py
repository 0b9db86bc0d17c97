"""Gateway: accounts, revoked tokens, audit log.

Revision ID: gateway_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "gateway_0001"
down_revision = None
branch_labels = ("gateway",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("login", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("association_id", sa.String(64)),
        sa.Column("pimms_id", sa.String(64), index=True),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", TS),
    )
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(32), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False, index=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("login", sa.String(64), index=True),
        sa.Column("role", sa.String(20)),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("target", sa.String(200)),
    )


def downgrade():
    for table in ("audit_log", "revoked_tokens", "accounts"):
        op.drop_table(table)
