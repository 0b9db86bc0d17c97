"""One history again: the waiting room (0007) and the workshop sessions (0008) were built side by side on 0006.

Revision ID: accueil_0009
Revises: accueil_0007, accueil_0008
"""
revision = "accueil_0009"
down_revision = ("accueil_0007", "accueil_0008")
branch_labels = None
depends_on = None


def upgrade():
    pass  # the two branches touch different tables: nothing to reconcile


def downgrade():
    pass
