"""The ids of the bot's own messages to each worker, kept for /clear and written in batches."""

import asyncio
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import SentMessage, User, utc_now

CLEARABLE = dt.timedelta(hours=48)  # Telegram lets a bot delete its messages for 48 hours
CLEARED_AT_ONCE = 100  # deleteMessages takes at most 100 ids
PRUNE_EVERY = 60.0  # seconds between deletions of rows too old to clear
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """One message the bot sent, not yet written to the database."""

    channel: str
    external_id: str
    message_id: int
    sent_at: dt.datetime


class SentLog:
    """Buffers sent-message ids and writes them in one transaction every fraction of a second.

    Writing them with each answer was a second transaction per message (a sixth of the bot's
    CPU). A crash loses at most the last interval's ids: /clear then leaves those messages.
    """

    def __init__(self, sessions: sessionmaker[Session], prune_every: float = PRUNE_EVERY) -> None:
        """Start with an empty buffer."""
        self._sessions = sessions
        self._pending: list[Sent] = []
        self._lock = threading.Lock()
        self._prune_every = prune_every
        self._pruned_at = -prune_every

    def add(self, channel: str, external_id: str, message_ids: list[int]) -> None:
        """Remember the ids of messages just sent to a user."""
        at = utc_now()
        with self._lock:
            self._pending += [Sent(channel, external_id, m, at) for m in message_ids]

    def take(self, session: Session, user: User) -> list[int]:
        """Return the newest clearable ids of a user's messages and forget the written ones."""
        since = utc_now() - CLEARABLE
        written = session.scalars(
            select(SentMessage.message_id)
            .where(SentMessage.user_id == user.id, SentMessage.sent_at >= since)
            .order_by(SentMessage.id)
        ).all()
        session.execute(delete(SentMessage).where(SentMessage.user_id == user.id))
        with self._lock:  # still pending: written later; deleting twice is harmless on Telegram
            pending = [
                p.message_id
                for p in self._pending
                if (p.channel, p.external_id) == (user.channel, user.external_id)
            ]
        return [*written, *pending][-CLEARED_AT_ONCE:]

    def flush(self) -> int:
        """Write the pending ids in one transaction; ids of erased users are dropped."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            self._write(batch)
        except OperationalError:
            with self._lock:  # kept for the next round, in order
                self._pending = batch + self._pending
            raise
        return len(batch)

    def _write(self, batch: list[Sent]) -> None:
        """Insert the batch's rows for the users that still exist; now and then prune old rows."""
        with self._sessions.begin() as session:
            known = session.execute(
                select(User.channel, User.external_id, User.id).where(
                    User.external_id.in_({s.external_id for s in batch})
                )
            ).all()
            ids = {(channel, external): user_id for channel, external, user_id in known}
            rows = [
                {"user_id": ids[key], "message_id": s.message_id, "sent_at": s.sent_at}
                for s in batch
                if (key := (s.channel, s.external_id)) in ids
            ]
            if rows:
                session.execute(insert(SentMessage), rows)
            if time.monotonic() - self._pruned_at >= self._prune_every:
                too_old = SentMessage.sent_at < utc_now() - CLEARABLE
                session.execute(delete(SentMessage).where(too_old))
                self._pruned_at = time.monotonic()

    async def flush_forever(self, interval: float = 0.2) -> None:
        """Flush every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.flush)
            except OperationalError:
                log.warning("sent-message ids kept in memory: the database is unreachable")
            except Exception:  # the loop must survive whatever one round meets
                log.exception("writing sent-message ids failed")
