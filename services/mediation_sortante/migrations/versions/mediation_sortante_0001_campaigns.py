"""Médiation sortante: campaigns, contacts, attempts.

Revision ID: mediation_sortante_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "mediation_sortante_0001"
down_revision = None
branch_labels = ("mediation_sortante",)
depends_on = "platform_0001"

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pimms_id", sa.String(64), nullable=False, index=True),
        sa.Column("partner", sa.String(40), nullable=False),
        sa.Column("label", sa.String(120)),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("statement", sa.JSON),
        sa.Column("purged_at", TS),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id"), nullable=False, index=True),
        sa.Column("partner_ref", sa.String(40)),
        sa.Column("name", sa.String(100)),
        sa.Column("phone", sa.String(20)),
        sa.Column("address", sa.String(300)),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("agent_id", sa.String(64), index=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(30)),
        sa.Column("acts", sa.JSON),
        sa.Column("automatic", sa.Boolean),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at", TS),
        sa.Column("purged_at", TS),
        sa.UniqueConstraint("campaign_id", "partner_ref", name="uq_contacts_campaign_partner_ref"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("contact_id", sa.String(36), sa.ForeignKey("contacts.id"), nullable=False, index=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("reached", sa.Boolean, nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.UniqueConstraint("contact_id", "number", name="uq_attempts_contact_number"),
    )


def downgrade():
    for table in ("attempts", "contacts", "campaigns"):
        op.drop_table(table)
