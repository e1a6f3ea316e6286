"""Telegram side of casework: outbox delivery to groups and workers, caseworker commands."""

import asyncio
import hashlib
import hmac
import logging
from typing import Any

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import casework
from bot.engine.dialogue import EngineParts
from bot.i18n import Texts
from bot.outbox import DeliveryError, DueItem
from bot.storage.models import Case, CaseEvent, User, utc_now

log = logging.getLogger(__name__)


def sign(key: bytes, payload: str) -> str:
    """Return payload with a short HMAC so forged or altered button data is refused."""
    mac = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:12]
    return f"{payload}:{mac}"


def verify(key: bytes, data: str) -> str | None:
    """Return the payload of signed button data, or None when the signature is wrong."""
    payload = data.rpartition(":")[0]
    return payload if payload and hmac.compare_digest(sign(key, payload), data) else None


def case_buttons(t: Texts, key: bytes, number: str) -> InlineKeyboardMarkup:
    """Return the Take / Close buttons of a case notification."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.pgettext("caseworker", "Take"), callback_data=sign(key, f"cw:take:{number}")
                ),
                InlineKeyboardButton(
                    t.pgettext("caseworker", "Close"), callback_data=sign(key, f"cw:close:{number}")
                ),
            ]
        ]
    )


def outcome_buttons(t: Texts, key: bytes, number: str) -> InlineKeyboardMarkup:
    """Return one button per closing outcome."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    outcome.replace("_", " "), callback_data=sign(key, f"cw:out:{number}:{outcome}")
                )
            ]
            for outcome in casework.OUTCOMES
        ]
    )


def summary(t: Texts, case: Case, words: str) -> str:
    """Return the caseworker notification of a case."""
    urgency = (
        t.pgettext("caseworker", "URGENT")
        if case.urgent
        else t.pgettext("caseworker", "not urgent")
    )
    return t.fill(
        t.pgettext(
            "caseworker",
            "New case {number} ({urgency})\nCategory: {category}\nLanguage: {language}\n"
            "Country of work: {country}\n\nThe worker's words:\n{words}",
        ),
        number=case.number,
        urgency=urgency,
        category=case.category.replace("_", " "),
        language=case.language or "?",
        country=case.country_of_work or "?",
        words=words or t.pgettext("caseworker", "(the worker asked to talk to someone)"),
    )


def _retry(error: Exception) -> DeliveryError:
    """Turn a Telegram error into a DeliveryError with Telegram's wait when it gave one."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
        return DeliveryError("telegram flood limit", seconds)
    return DeliveryError(type(error).__name__)


class Delivery:
    """Delivers outbox rows through the bot: case notifications, relays, status messages."""

    def __init__(
        self, bot: Any, parts: EngineParts, group_languages: dict[str, str], key: bytes
    ) -> None:
        """Keep the bot, the engine parts and the caseworker groups' languages."""
        self.bot, self.parts, self.languages, self.key = bot, parts, group_languages, key

    def texts_for_group(self, chat: int) -> Texts:
        """Return the caseworker group's configured language."""
        return self.parts.catalogs.texts(self.languages.get(str(chat), "en"))

    async def __call__(self, item: DueItem) -> None:
        """Deliver one row; raise DeliveryError to have it retried."""
        handlers = {
            "case_opened": self._opened,
            "case_copy": self._copy,
            "to_caseworkers": self._to_group,
            "reannounce": self._reannounce,
            "case_taken": self._to_worker,
            "case_closed": self._to_worker,
            "to_worker": self._to_worker,
        }
        handler = handlers.get(str(item.payload.get("kind")))
        if handler is None:
            log.error("outbox row %s has an unknown kind; dropped", item.outbox_id)
            return
        try:
            await handler(item)
        except (RetryAfter, NetworkError, Forbidden, BadRequest, TelegramError) as error:
            raise _retry(error) from error

    def _load(self, case_id: int) -> tuple[Case, User | None, list[CaseEvent]]:
        """Load a case, its worker and its events."""
        with self.parts.sessions() as session:
            case = session.get(Case, case_id)
            assert case is not None
            user = session.get(User, case.user_id) if case.user_id else None
            return case, user, casework.events(session, case)

    def _save(self, case_id: int, **fields: Any) -> None:
        """Store delivery facts on a case (thread, root message, announcement time)."""
        with self.parts.sessions.begin() as session:
            case = session.get(Case, case_id)
            assert case is not None
            for name, value in fields.items():
                setattr(case, name, value)

    async def _thread(self, case: Case, group: int) -> int | None:
        """Create the case's forum topic; None where the group has no topics."""
        try:
            topic = await self.bot.create_forum_topic(group, f"{case.number} {case.category}")
        except BadRequest:
            return None
        return int(topic.message_thread_id)

    async def _opened(self, item: DueItem) -> None:
        """Post a new case in its own topic (or as a thread root) with Take / Close."""
        case, _user, _events = self._load(item.case_id)
        if case.root_message_id is not None:
            return  # already posted before a crash; never post twice
        group = int(item.destination)
        thread = case.thread_id if case.group_chat_id == group else await self._thread(case, group)
        await asyncio.to_thread(self._save, case.id, group_chat_id=group, thread_id=thread)
        words = self.parts.cipher.decrypt(case.report).decode() if case.report else ""
        t = self.texts_for_group(group)
        sent = await self.bot.send_message(
            group,
            summary(t, case, words),
            message_thread_id=thread,
            reply_markup=case_buttons(t, self.key, case.number),
        )
        await asyncio.to_thread(
            self._save, case.id, root_message_id=sent.message_id, announced_at=utc_now()
        )

    async def _copy(self, item: DueItem) -> None:
        """Tell the group of the worker's country of origin about the case (no buttons)."""
        case, _user, _events = self._load(item.case_id)
        group = int(item.destination)
        words = self.parts.cipher.decrypt(case.report).decode() if case.report else ""
        await self.bot.send_message(group, summary(self.texts_for_group(group), case, words))

    async def _to_group(self, item: DueItem) -> None:
        """Relay a worker's message or file into the case's thread."""
        case, user, events = self._load(item.case_id)
        if case.group_chat_id is None:
            raise DeliveryError("case not posted yet", 2)
        event = next(e for e in events if e.id == item.payload["event"])
        t = self.texts_for_group(case.group_chat_id)
        where: dict[str, Any] = {"message_thread_id": case.thread_id}
        if case.thread_id is None:
            where = {"reply_to_message_id": case.root_message_id}
        if event.kind != "text" and user is not None and event.source_message_id:
            await self.bot.copy_message(
                case.group_chat_id, int(user.external_id), event.source_message_id, **where
            )
            return
        text = self.parts.cipher.decrypt(event.body).decode()
        await self.bot.send_message(
            case.group_chat_id,
            t.fill(
                t.pgettext("caseworker", "Worker ({number}): {text}"), number=case.number, text=text
            ),
            **where,
        )

    async def _reannounce(self, item: DueItem) -> None:
        """Remind the group of an urgent case nobody has taken."""
        case, _user, _events = self._load(item.case_id)
        if case.status != "open" or case.group_chat_id is None:
            return
        t = self.texts_for_group(case.group_chat_id)
        await self.bot.send_message(
            case.group_chat_id,
            t.fill(
                t.pgettext("caseworker", "Urgent case {number} is still waiting for a caseworker."),
                number=case.number,
            ),
            message_thread_id=case.thread_id,
            reply_markup=case_buttons(t, self.key, case.number),
        )

    async def _to_worker(self, item: DueItem) -> None:
        """Send the worker a status message or their caseworker's reply, in their language."""
        case, user, events = self._load(item.case_id)
        if user is None:
            log.info("a worker erased their data; their case message is not sent")
            return
        t = self.parts.catalogs.texts(user.language)
        kind = item.payload["kind"]
        if kind == "case_taken":
            text = t.pgettext(
                "case", "A caseworker has taken your case {number}. You can write to them here."
            )
        elif kind == "case_closed":
            text = t.pgettext(
                "case", "Your case {number} is now closed. You can write to me again at any time."
            )
        else:
            event = next(e for e in events if e.id == item.payload["event"])
            reply = self.parts.cipher.decrypt(event.body).decode()
            text = t.pgettext("case", "Message from your caseworker ({number}):") + "\n" + reply
        await self.bot.send_message(int(user.external_id), t.fill(text, number=case.number))


def is_caseworker_chat(parts_groups: set[int], update: Update) -> bool:
    """Tell whether the update comes from a configured caseworker group."""
    chat = update.effective_chat
    return chat is not None and chat.id in parts_groups


def actor_of(update: Update) -> str:
    """Return the audit name of the caseworker acting (their Telegram id, staff only)."""
    user = update.effective_user
    return f"tg:{user.id}" if user else "tg:?"


def case_list(t: Texts, cases: list[Case]) -> str:
    """Return the open cases, one line each."""
    if not cases:
        return t.pgettext("caseworker", "No open cases.")
    return "\n".join(
        f"{c.number} · {c.category.replace('_', ' ')} · "
        f"{'URGENT' if c.urgent else '-'} · {c.status} · {c.country_of_work or '?'}"
        for c in cases
    )


def case_detail(t: Texts, session: Session, case: Case, cipher: Any) -> str:
    """Return a case with its events (the worker's words, replies and notes)."""
    lines = [summary(t, case, cipher.decrypt(case.report).decode() if case.report else "")]
    lines.append(f"Status: {case.status} {case.outcome or ''}".strip())
    for event in casework.events(session, case):
        body = cipher.decrypt(event.body).decode()
        lines.append(f"[{event.author}/{event.kind}] {body}")
    return "\n".join(lines)
