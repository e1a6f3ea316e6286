"""Caseworker side: case threads and outcomes, case events, audit log, usage counts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add casework columns and tables."""
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("group_chat_id", sa.BigInteger))
        cases.add_column(sa.Column("thread_id", sa.Integer))
        cases.add_column(sa.Column("root_message_id", sa.Integer))
        cases.add_column(sa.Column("taken_by", sa.String(32)))
        cases.add_column(sa.Column("taken_at", sa.DateTime))
        cases.add_column(sa.Column("closed_at", sa.DateTime))
        cases.add_column(sa.Column("outcome", sa.String(32)))
        cases.add_column(sa.Column("announced_at", sa.DateTime))
        cases.add_column(sa.Column("announcements", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("source_message_id", sa.Integer),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "usage_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("month", "kind", "name", "language", "country"),
    )


def downgrade() -> None:
    """Remove casework columns and tables."""
    op.drop_table("usage_counts")
    op.drop_table("audit_log")
    op.drop_table("case_events")
    with op.batch_alter_table("cases") as cases:
        for column in (
            "group_chat_id",
            "thread_id",
            "root_message_id",
            "taken_by",
            "taken_at",
            "closed_at",
            "outcome",
            "announced_at",
            "announcements",
        ):
            cases.drop_column(column)
