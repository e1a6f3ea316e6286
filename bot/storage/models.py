"""The tables: users, their sent messages, cases and the outbox of notifications for caseworkers."""

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

IntPk = Annotated[int, mapped_column(primary_key=True)]
Created = Annotated[dt.datetime, mapped_column(server_default=func.now())]
Code = Annotated[str, mapped_column(String(16))]


def utc_now() -> dt.datetime:
    """Return the current UTC time without tzinfo, as every timestamp is stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of every table."""


class User(Base):
    """A worker as one channel knows them, with their choices and conversation state."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[IntPk]
    channel: Mapped[Code]
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    origin: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(32), default="new")
    state_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Created]
    updated_at: Mapped[Created]


class SentMessage(Base):
    """A message the bot sent to a user, kept for /clear while Telegram still lets it go."""

    __tablename__ = "sent_messages"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[dt.datetime] = mapped_column(index=True)


class Case(Base):
    """A report of abuse, kept encrypted, from the moment it is made until it is closed."""

    __tablename__ = "cases"

    id: Mapped[IntPk]
    number: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    country_of_work: Mapped[str | None] = mapped_column(String(2))
    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24))
    report: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Created]
    consented_at: Mapped[dt.datetime | None]
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None]
    root_message_id: Mapped[int | None]
    taken_by: Mapped[str | None] = mapped_column(String(32))
    taken_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    announced_at: Mapped[dt.datetime | None]
    announcements: Mapped[int] = mapped_column(default=0)


class CaseEvent(Base):
    """Something added to a case: the worker's words or files, a caseworker's reply, a note."""

    __tablename__ = "case_events"

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    author: Mapped[Code]  # worker, caseworker, note
    kind: Mapped[Code]  # text, voice, photo, document
    body: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    source_message_id: Mapped[int | None]
    created_at: Mapped[Created]


class AuditEntry(Base):
    """Who accessed or changed a case, and when."""

    __tablename__ = "audit_log"

    id: Mapped[IntPk]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[Created]


class UsageCount(Base):
    """Anonymous monthly counts for advocacy: no user, no text, only categories."""

    __tablename__ = "usage_counts"
    __table_args__ = (UniqueConstraint("month", "kind", "name", "language", "country"),)

    id: Mapped[IntPk]
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[Code]  # topic or abuse
    name: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2))
    count: Mapped[int] = mapped_column(default=0)


class OutboxMessage(Base):
    """A notification to deliver to caseworkers, written in the same transaction as its case."""

    __tablename__ = "outbox"

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    destination: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Created]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Created]
