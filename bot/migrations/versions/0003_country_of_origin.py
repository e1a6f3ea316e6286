"""Country of origin, when the worker gives it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Add the country of origin to users and cases."""
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("origin", sa.String(2)))
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("country_of_origin", sa.String(2)))


def downgrade() -> None:
    """Remove the country of origin."""
    with op.batch_alter_table("cases") as cases:
        cases.drop_column("country_of_origin")
    with op.batch_alter_table("users") as users:
        users.drop_column("origin")
