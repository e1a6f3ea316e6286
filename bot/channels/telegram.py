"""The Telegram adapter: thin python-telegram-bot handlers around the dialogue engine."""

import asyncio
import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot import app
from bot.engine.dialogue import DialogueEngine
from bot.engine.types import Message, Reply
from bot.outbox import DeliveryError, deliver_forever
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TELEGRAM_LIMIT = 4096
COMMANDS = ("start", "language", "country", "topics", "help", "privacy", "delete_my_data")


class SaathiContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context that hands handlers the dialogue engine."""

    @property
    def engine(self) -> DialogueEngine:
        """Return the engine opened in post_init."""
        engine: DialogueEngine = self.application.bot_data["engine"]
        return engine


SaathiApp = Application[Any, SaathiContext, Any, Any, Any, Any]


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
    outcome = await context.engine.handle(to_message(update, text=text or ""))
    await send_replies(update, context, outcome.replies)


async def on_button(update: Update, context: SaathiContext) -> None:
    """Route a button press to the engine and acknowledge it."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    outcome = await context.engine.handle(to_message(update, button=query.data or ""))
    await send_replies(update, context, outcome.replies)


async def on_other(update: Update, context: SaathiContext) -> None:
    """Answer stickers, voice notes, photos and the like with a clear sentence."""
    outcome = await context.engine.handle(to_message(update, command="unsupported"))
    await send_replies(update, context, outcome.replies)


async def on_error(update: object, context: SaathiContext) -> None:
    """Log handler errors without message content."""
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)


def _send_to_caseworkers(application: SaathiApp) -> Any:
    """Return the outbox send function bound to the bot."""

    async def send(chat_id: int, text: str) -> None:
        try:
            for part in split_text(text):
                await application.bot.send_message(chat_id, part)
        except RetryAfter as error:
            raise DeliveryError("telegram flood limit", _seconds(error.retry_after)) from error
        except (NetworkError, TelegramError) as error:
            raise DeliveryError(type(error).__name__) from error

    return send


def _seconds(value: Any) -> float:
    """Return a retry_after value (int or timedelta) in seconds."""
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


def build_application(settings: Settings) -> SaathiApp:
    """Build the Telegram Application; the engine opens in post_init and closes at shutdown."""
    assert settings.telegram_bot_token is not None
    stack = contextlib.AsyncExitStack()

    async def post_init(application: SaathiApp) -> None:
        engine = await stack.enter_async_context(app.open_engine(settings))
        application.bot_data["engine"] = engine
        parts = engine.parts
        application.bot_data["outbox"] = asyncio.create_task(
            deliver_forever(parts.sessions, parts.cipher, _send_to_caseworkers(application))
        )

    async def post_shutdown(application: SaathiApp) -> None:
        task = application.bot_data.pop("outbox", None)
        if task is not None:
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
    application.add_handler(CommandHandler(list(COMMANDS), on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, on_other))
    application.add_error_handler(on_error)
    return application


def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted."""
    build_application(settings).run_polling(allowed_updates=Update.ALL_TYPES)
