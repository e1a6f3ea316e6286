"""The Telegram adapter: thin python-telegram-bot handlers around the dialogue engine."""

import asyncio
import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import app
from bot.channels import caseworker_handlers as cw
from bot.channels.casework_telegram import Delivery
from bot.channels.telegram_context import SaathiApp, SaathiContext
from bot.engine.types import Message, Reply
from bot.outbox import deliver_forever
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TELEGRAM_LIMIT = 4096
COMMANDS = (
    "start",
    "language",
    "country",
    "topics",
    "help",
    "privacy",
    "delete_my_data",
    "mycase",
)
CASEWORKER_COMMANDS = ("cases", "case", "note", "close")


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split text into chunks Telegram accepts, at line breaks or spaces where possible."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*chunks, text] if text else chunks


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Return the reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
            for row in reply.buttons
        ]
    )


async def send_replies(update: Update, context: SaathiContext, replies: list[Reply]) -> None:
    """Send each reply; long texts are split and the buttons go with the last part."""
    chat = update.effective_chat
    assert chat is not None
    for reply in replies:
        parts = split_text(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            await context.bot.send_message(chat.id, part, reply_markup=markup)


def to_message(update: Update, **fields: Any) -> Message:
    """Build an engine Message for the update's user."""
    user = update.effective_user
    assert user is not None
    return Message(CHANNEL, str(user.id), language_hint=user.language_code, **fields)


async def on_command(update: Update, context: SaathiContext) -> None:
    """Route a slash command to the engine."""
    text = update.effective_message.text if update.effective_message else ""
    command = (text or "/").split()[0][1:].split("@")[0].lower()
    outcome = await context.engine.handle(to_message(update, command=command))
    await send_replies(update, context, outcome.replies)


async def on_text(update: Update, context: SaathiContext) -> None:
    """Route typed text to the engine."""
    text = update.effective_message.text if update.effective_message else ""
    message_id = update.effective_message.message_id if update.effective_message else None
    outcome = await context.engine.handle(
        to_message(update, text=text or "", source_message_id=message_id)
    )
    await send_replies(update, context, outcome.replies)


async def on_button(update: Update, context: SaathiContext) -> None:
    """Route a button press to the engine and acknowledge it."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    outcome = await context.engine.handle(to_message(update, button=query.data or ""))
    await send_replies(update, context, outcome.replies)


def attachment_kind(update: Update) -> str:
    """Return voice, photo, document, or other for a non-text message."""
    message = update.effective_message
    if message is None:
        return "other"
    for kind in ("voice", "photo", "document"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def on_other(update: Update, context: SaathiContext) -> None:
    """Keep voice notes, photos and files for an open case; answer anything else clearly."""
    message = update.effective_message
    outcome = await context.engine.handle(
        to_message(
            update,
            attachment=attachment_kind(update),
            text=(message.caption if message else "") or "",
            source_message_id=message.message_id if message else None,
        )
    )
    await send_replies(update, context, outcome.replies)


async def on_error(update: object, context: SaathiContext) -> None:
    """Log handler errors without message content."""
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)


def build_application(settings: Settings) -> SaathiApp:
    """Build the Telegram Application; the engine opens in post_init and closes at shutdown."""
    assert settings.telegram_bot_token is not None
    stack = contextlib.AsyncExitStack()

    async def post_init(application: SaathiApp) -> None:
        engine = await stack.enter_async_context(app.open_engine(settings))
        application.bot_data["engine"] = engine
        parts = engine.parts
        delivery = Delivery(
            application.bot, parts, settings.caseworker_languages, parts.signing_key
        )
        application.bot_data["caseworker_groups"] = cw.groups(settings)
        application.bot_data["tasks"] = [
            asyncio.create_task(deliver_forever(parts.sessions, delivery)),
            asyncio.create_task(cw.reannounce_forever(parts, settings.reannounce_minutes)),
        ]

    async def post_shutdown(application: SaathiApp) -> None:
        for task in application.bot_data.pop("tasks", []):
            task.cancel()
        await stack.aclose()

    application: SaathiApp = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .context_types(ContextTypes(context=SaathiContext))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    private = filters.ChatType.PRIVATE
    staff = filters.Chat(chat_id=list(cw.groups(settings)))
    application.add_handler(CommandHandler(list(CASEWORKER_COMMANDS), cw.on_command))
    application.add_handler(CallbackQueryHandler(cw.on_button, pattern=r"^cw:"))
    application.add_handler(MessageHandler(staff & ~filters.COMMAND, cw.on_group_message))
    application.add_handler(CommandHandler(list(COMMANDS), on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, on_other))
    application.add_error_handler(on_error)
    return application


def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    build_application(settings).run_polling(allowed_updates=Update.ALL_TYPES)
