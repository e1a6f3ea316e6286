"""Caseworker handlers: commands, Take / Close buttons and replies in case threads."""

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from telegram import Update

from bot import casework
from bot.channels.casework_telegram import (
    actor_of,
    case_detail,
    case_list,
    outcome_buttons,
    verify,
)
from bot.channels.telegram_context import SaathiContext
from bot.engine.dialogue import EngineParts
from bot.i18n import Texts
from bot.settings import Settings

log = logging.getLogger(__name__)
Result = TypeVar("Result")


def groups(settings: Settings) -> set[int]:
    """Return the chat ids of every configured caseworker group."""
    found = set(settings.caseworker_groups.values())
    if settings.default_caseworker_group is not None:
        found.add(settings.default_caseworker_group)
    return found


def _texts(context: SaathiContext, chat: int) -> Texts:
    """Return the caseworker group's language."""
    languages: dict[str, str] = context.application.bot_data.get("caseworker_languages", {})
    return context.engine.parts.catalogs.texts(languages.get(str(chat), "en"))


async def _transaction(parts: EngineParts, work: Callable[[Session], Result]) -> Result:
    """Run one use case in one transaction, off the event loop."""

    def run() -> Result:
        with parts.sessions.begin() as session:
            return work(session)

    return await asyncio.to_thread(run)


async def _refuse(update: Update, context: SaathiContext, what: str) -> None:
    """Refuse a caseworker action from outside the caseworker groups, and audit it."""
    actor = actor_of(update)
    await _transaction(
        context.engine.parts,
        lambda s: casework.audit(s, case=None, actor=actor, action=f"refused:{what}"),
    )
    chat = update.effective_chat
    if chat is not None:
        t = context.engine.parts.catalogs.texts(None)
        await context.bot.send_message(
            chat.id,
            t.pgettext(
                "caseworker", "Sorry, this is only for the partner organisation's caseworkers."
            ),
        )


def _authorised(update: Update, context: SaathiContext) -> bool:
    """Tell whether the update comes from a configured caseworker group."""
    chat = update.effective_chat
    return chat is not None and chat.id in context.application.bot_data["caseworker_groups"]


async def on_command(update: Update, context: SaathiContext) -> None:
    """Answer /cases, /case N, /note N text and /close N outcome in caseworker groups."""
    if not _authorised(update, context):
        await _refuse(update, context, "command")
        return
    message = update.effective_message
    assert message is not None
    assert update.effective_chat is not None
    words = (message.text or "").split(maxsplit=2)
    command, args = words[0][1:].split("@")[0].lower(), words[1:]
    t = _texts(context, update.effective_chat.id)
    parts, actor = context.engine.parts, actor_of(update)

    def work(session: Session) -> str:
        if command == "cases":
            casework.audit(session, case=None, actor=actor, action="list")
            return case_list(t, casework.open_cases(session))
        case = casework.case_by_number(session, args[0]) if args else None
        if case is None:
            return t.pgettext("caseworker", "No case with that number. Use /cases to list them.")
        if command == "case":
            casework.audit(session, case=case, actor=actor, action="view")
            return case_detail(t, session, case, parts.cipher)
        if command == "note" and len(args) == 2:
            casework.add_note(session, case=case, actor=actor, text=args[1], cipher=parts.cipher)
            return t.pgettext("caseworker", "Note added. The worker does not see it.")
        if (
            command == "close"
            and len(args) == 2
            and casework.close(session, case=case, actor=actor, outcome=args[1].strip())
        ):
            return t.pgettext("caseworker", "Case closed. The worker has been told.")
        return t.fill(
            t.pgettext(
                "caseworker", "Usage: /note N text, or /close N outcome (one of: {outcomes})."
            ),
            outcomes=", ".join(casework.OUTCOMES),
        )

    answer = await _transaction(parts, work)
    await context.bot.send_message(
        update.effective_chat.id, answer, message_thread_id=message.message_thread_id
    )


async def on_button(update: Update, context: SaathiContext) -> None:
    """Take or close a case from its notification's buttons (signed, group members only)."""
    query = update.callback_query
    assert query is not None
    parts = context.engine.parts
    payload = verify(parts.signing_key, query.data or "")
    if payload is None or not _authorised(update, context):
        await query.answer()
        await _refuse(update, context, "button")
        return
    _cw, action, number, *rest = payload.split(":")
    actor = actor_of(update)
    t = _texts(context, update.effective_chat.id if update.effective_chat else 0)

    def work(session: Session) -> str:
        case = casework.case_by_number(session, number)
        if case is None:
            return t.pgettext("caseworker", "No case with that number. Use /cases to list them.")
        if action == "take":
            done = casework.take(session, case=case, actor=actor)
            return t.fill(
                t.pgettext(
                    "caseworker", "You have taken case {number}. Write here to answer the worker."
                )
                if done
                else t.pgettext("caseworker", "Case {number} is already taken or closed."),
                number=number,
            )
        if (
            action == "out"
            and rest
            and casework.close(session, case=case, actor=actor, outcome=rest[0])
        ):
            return t.pgettext("caseworker", "Case closed. The worker has been told.")
        return ""

    answer = await _transaction(parts, work)
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    thread = getattr(query.message, "message_thread_id", None)
    if action == "close":
        await context.bot.send_message(
            chat.id,
            t.pgettext("caseworker", "Choose the outcome:"),
            message_thread_id=thread,
            reply_markup=outcome_buttons(t, parts.signing_key, number),
        )
    elif answer:
        await context.bot.send_message(chat.id, answer, message_thread_id=thread)


async def on_group_message(update: Update, context: SaathiContext) -> None:
    """Relay a caseworker's message in a taken case's thread to the worker."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    parts, actor = context.engine.parts, actor_of(update)
    thread = message.message_thread_id if message.is_topic_message else None
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    t = _texts(context, chat.id)

    def work(session: Session) -> str | None:
        case = casework.case_of_thread(session, group=chat.id, thread=thread, reply_to=reply_to)
        if case is None:
            return None
        if case.status != "taken":
            return t.pgettext(
                "caseworker", "Press Take first; then your messages here go to the worker."
            )
        casework.caseworker_event(
            session, case=case, actor=actor, text=message.text or "", cipher=parts.cipher
        )
        return ""

    answer = await _transaction(parts, work)
    if answer:
        await context.bot.send_message(chat.id, answer, message_thread_id=thread)


async def reannounce_forever(parts: EngineParts, minutes: float) -> None:
    """Queue reminders for urgent cases nobody took, checking every half minute."""
    while True:
        try:
            await _transaction(parts, lambda s: casework.reannounce_due(s, minutes=minutes))
        except Exception:  # keep reminding after a database outage
            log.exception("re-announcement round failed")
        await asyncio.sleep(30)
