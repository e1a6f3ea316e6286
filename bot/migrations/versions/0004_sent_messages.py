"""Sent-message ids in a table of their own, written in batches, instead of in users.state_data.

Revision ID: 0004
Revises: 0003
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Create sent_messages and move the ids remembered in users.state_data into it."""
    sent = op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False, index=True),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("state_data", sa.JSON))
    connection = op.get_bind()
    moved = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for user_id, data in connection.execute(sa.select(users.c.id, users.c.state_data)).all():
        if not isinstance(data, dict) or "sent" not in data:
            continue
        rows = [{"user_id": user_id, "message_id": m, "sent_at": moved} for m in data["sent"]]
        if rows:
            connection.execute(sa.insert(sent), rows)
        rest = {k: v for k, v in data.items() if k != "sent"}
        connection.execute(sa.update(users).where(users.c.id == user_id).values(state_data=rest))


def downgrade() -> None:
    """Drop sent_messages (the ids are not moved back: /clear then deletes nothing older)."""
    op.drop_table("sent_messages")
