"""The Telegram adapter: thin python-telegram-bot handlers around the dialogue engine."""

import asyncio
import contextlib
import logging
from typing import Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import Message as TgMessage
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import app
from bot.channels import caseworker_handlers as cw
from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.casework_telegram import Delivery
from bot.channels.ordering import PerChatUpdateProcessor
from bot.channels.rate_limit import UserRateLimiter
from bot.channels.telegram_context import SaathiApp, SaathiContext
from bot.engine.dialogue import DialogueEngine
from bot.engine.types import Message, Outcome, Reply
from bot.i18n import Texts
from bot.nlu.langid import LANGUAGES
from bot.ops import serve_ops
from bot.outbox import deliver_forever
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TELEGRAM_LIMIT = 4096
SEND_ATTEMPTS = 4
SEND_TIMEOUT_SECONDS = 30.0
COMMANDS = (
    "start",
    "language",
    "country",
    "topics",
    "help",
    "privacy",
    "delete_my_data",
    "mycase",
    "clear",
    "origin",
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


async def send_replies(update: Update, context: SaathiContext, outcome: Outcome) -> None:
    """Send each reply (long texts split, buttons on the last part); remember ids for /clear."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    assert user is not None
    if outcome.delete_messages:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_messages(chat.id, outcome.delete_messages[-100:])
    sent: list[int] = []
    for reply in outcome.replies:
        parts = split_text(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply) if index == len(parts) - 1 else None
            message = await send_with_retries(context, chat.id, part, markup)
            sent.append(message.message_id)
    context.engine.record_sent(CHANNEL, str(user.id), sent)


async def send_with_retries(
    context: SaathiContext, chat: int, text: str, markup: InlineKeyboardMarkup | None
) -> TgMessage:
    """Send one message; on a time-out or network error try again, so no answer is lost.

    A time-out may hide a message that did arrive: a worker may then get one answer twice,
    which is better than none.
    """
    for attempt in range(1, SEND_ATTEMPTS):
        try:
            return await context.bot.send_message(chat, text, reply_markup=markup)
        except BadRequest:
            raise  # a subclass of NetworkError that trying again will not cure
        except NetworkError:  # time-outs and lost connections
            log.warning("sendMessage failed, attempt %d of %d", attempt, SEND_ATTEMPTS)
            await asyncio.sleep(2**attempt)
    return await context.bot.send_message(chat, text, reply_markup=markup)


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
    await send_replies(update, context, outcome)


async def on_text(update: Update, context: SaathiContext) -> None:
    """Route typed text to the engine."""
    text = update.effective_message.text if update.effective_message else ""
    message_id = update.effective_message.message_id if update.effective_message else None
    outcome = await context.engine.handle(
        to_message(update, text=text or "", source_message_id=message_id)
    )
    await send_replies(update, context, outcome)


async def on_button(update: Update, context: SaathiContext) -> None:
    """Route a button press to the engine and acknowledge it."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    outcome = await context.engine.handle(to_message(update, button=query.data or ""))
    await send_replies(update, context, outcome)


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
    await send_replies(update, context, outcome)


async def throttle(update: Update, context: SaathiContext) -> None:
    """Drop a user's updates beyond the per-minute limit (one polite warning first)."""
    user = update.effective_user
    if user is None or update.effective_chat is None:
        return
    limiter: UserRateLimiter = context.application.bot_data["user_limiter"]
    verdict = limiter.check(user.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        t = context.engine.parts.catalogs.texts((user.language_code or "en").split("-")[0])
        await context.bot.send_message(
            update.effective_chat.id,
            t.pgettext(
                "error",
                "You are sending messages very fast. Please wait a minute, then write again.",
            ),
        )
    raise ApplicationHandlerStop


async def on_stranger_group(update: Update, context: SaathiContext) -> None:
    """Leave groups that are not caseworker groups: workers talk to Saathi in private."""
    chat = update.effective_chat
    if chat is None:
        return
    t = context.engine.parts.catalogs.texts(None)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(
            chat.id,
            t.pgettext("error", "Saathi works only in private chats. Please write to me directly."),
        )
        await context.bot.leave_chat(chat.id)


async def register_commands(application: SaathiApp) -> None:
    """Register the worker commands with their descriptions in every language."""
    engine: DialogueEngine = application.bot_data["engine"]
    for language in (None, *LANGUAGES):
        t = engine.parts.catalogs.texts(language)
        commands = [BotCommand(name, text) for name, text in command_descriptions(t)]
        await application.bot.set_my_commands(commands, language_code=language)


def command_descriptions(t: Texts) -> list[tuple[str, str]]:
    """Return the worker commands with their descriptions in one language."""
    return [
        ("start", t.pgettext("command", "Start again and choose your language")),
        ("topics", t.pgettext("command", "Browse the topics")),
        ("language", t.pgettext("command", "Change the language")),
        ("country", t.pgettext("command", "Change your country of work")),
        ("mycase", t.pgettext("command", "See your case with a caseworker")),
        ("origin", t.pgettext("command", "Tell me your home country (optional)")),
        ("privacy", t.pgettext("command", "What is stored and who sees it")),
        ("clear", t.pgettext("command", "Delete my messages in this chat")),
        ("delete_my_data", t.pgettext("command", "Erase your profile")),
    ]


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
        application.bot_data["caseworker_languages"] = settings.caseworker_languages
        application.bot_data["user_limiter"] = UserRateLimiter(settings.user_messages_per_minute)
        await register_commands(application)
        try:
            application.bot_data["ops"] = await serve_ops(
                settings.ops_host,
                settings.ops_port,
                sessions=parts.sessions,
                nlu_url=settings.nlu_url,
                token=settings.nlu_token.get_secret_value(),
                metrics=parts.metrics,
            )
        except OSError as error:
            log.error("health and metrics port %s unavailable: %s", settings.ops_port, error)
        application.bot_data["tasks"] = [
            asyncio.create_task(deliver_forever(parts.sessions, delivery)),
            asyncio.create_task(cw.reannounce_forever(parts, settings.reannounce_minutes)),
        ]

    async def post_shutdown(application: SaathiApp) -> None:
        for task in application.bot_data.pop("tasks", []):
            task.cancel()
        ops = application.bot_data.pop("ops", None)
        if ops is not None:
            ops.close()
        await stack.aclose()

    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .context_types(ContextTypes(context=SaathiContext))
        .concurrent_updates(PerChatUpdateProcessor(64))
        .request(AiohttpRequest(app.HTTP_POOL_SIZE, pool_timeout=SEND_TIMEOUT_SECONDS))
        .get_updates_request(AiohttpRequest(1))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.telegram_flood_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    application: SaathiApp = builder.build()
    private = filters.ChatType.PRIVATE
    staff = filters.Chat(chat_id=list(cw.groups(settings)))
    application.add_handler(TypeHandler(Update, throttle), group=-1)
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & ~staff, on_stranger_group))
    application.add_handler(CommandHandler(list(CASEWORKER_COMMANDS), cw.on_command))
    application.add_handler(CallbackQueryHandler(cw.on_button, pattern=r"^cw:"))
    application.add_handler(MessageHandler(staff & ~filters.COMMAND, cw.on_group_message))
    application.add_handler(CommandHandler(list(COMMANDS), on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, on_other))
    application.add_error_handler(on_error)
    return application


def run(settings: Settings) -> None:
    """Run the bot: a webhook server when WEBHOOK_URL is set, long polling otherwise."""
    application = build_application(settings)
    if settings.webhook_url is None:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    assert settings.webhook_secret is not None
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=settings.webhook_path,
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )
