"""The tables: users, cases and the outbox of notifications for caseworkers."""

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

IntPk = Annotated[int, mapped_column(primary_key=True)]
Created = Annotated[dt.datetime, mapped_column(server_default=func.now())]
Code = Annotated[str, mapped_column(String(16))]


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
    state: Mapped[str] = mapped_column(String(32), default="new")
    state_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Created]
    updated_at: Mapped[Created]


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
    status: Mapped[str] = mapped_column(String(24))
    report: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Created]
    consented_at: Mapped[dt.datetime | None]


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
