"""Delivering the outbox: at least once, retried with back-off, never lost."""

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import Case, OutboxMessage, utc_now

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300


class DeliveryError(Exception):
    """Sending failed; `retry_after` is the wait the channel asked for, if any."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        """Keep the reason (no personal data) and the requested wait."""
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class DueItem:
    """One outbox row whose time has come."""

    outbox_id: int
    case_id: int
    destination: str
    payload: dict[str, Any]


Deliver = Callable[[DueItem], Awaitable[None]]


def due(sessions: sessionmaker[Session], limit: int = 20) -> list[DueItem]:
    """Return routed, unsent outbox rows whose time has come, urgent cases first."""
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .join(Case, Case.id == OutboxMessage.case_id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= utc_now(),
                OutboxMessage.destination != "unrouted",
            )
            .order_by(Case.urgent.desc(), OutboxMessage.id)
            .limit(limit)
        ).all()
        return [DueItem(r.id, r.case_id, r.destination, dict(r.payload)) for r in rows]


def mark(sessions: sessionmaker[Session], outbox_id: int, error: DeliveryError | None) -> None:
    """Record a delivery: sent, or failed with the next attempt time."""
    with sessions.begin() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            return
        row.attempts += 1
        if error is None:
            row.sent_at, row.last_error = utc_now(), None
            return
        wait = error.retry_after or min(2**row.attempts, MAX_BACKOFF_SECONDS)
        row.next_attempt_at = utc_now() + dt.timedelta(seconds=wait)
        row.last_error = str(error)[:200]


async def deliver_due(sessions: sessionmaker[Session], deliver: Deliver) -> int:
    """Deliver every due row once, in order; return how many were delivered."""
    sent = 0
    for item in await asyncio.to_thread(due, sessions):
        try:
            await deliver(item)
        except DeliveryError as error:
            log.warning("outbox delivery failed (%s); will retry", error)
            await asyncio.to_thread(mark, sessions, item.outbox_id, error)
            continue
        await asyncio.to_thread(mark, sessions, item.outbox_id, None)
        sent += 1
    return sent


async def deliver_forever(
    sessions: sessionmaker[Session], deliver: Deliver, interval: float = 1.0
) -> None:
    """Deliver due rows every `interval` seconds until cancelled."""
    while True:
        try:
            await deliver_due(sessions, deliver)
        except OperationalError:
            log.warning("outbox delivery round skipped: the database is unreachable")
        except Exception:  # the loop must survive whatever one round meets
            log.exception("outbox delivery round failed")
        await asyncio.sleep(interval)
