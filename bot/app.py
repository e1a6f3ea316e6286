"""The application factory: builds the dialogue engine and its parts from Settings."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError

from bot.engine.dialogue import DialogueEngine, EngineParts
from bot.engine.escalation import Routing
from bot.i18n import Catalogs
from bot.intents import Taxonomy, load_taxonomy
from bot.knowledge.loader import KnowledgeBase, KnowledgeError, coverage_gaps, load_knowledge_base
from bot.log_format import JsonFormatter
from bot.nlu.client import NluClient
from bot.nlu.langid import LANGUAGES, build_identifier
from bot.nlu.safety import load_lexicon
from bot.nlu.service import NluProject
from bot.nlu.understanding import Understander
from bot.ops import Metrics
from bot.settings import Settings
from bot.storage.crypto import resolve_key, signing_key
from bot.storage.db import make_engine, make_sessions, upgrade
from bot.storage.sent_log import SentLog

log = logging.getLogger(__name__)
HTTP_POOL_SIZE = 16  # connections to the NLU server, and to the Bot API (bot/channels/telegram.py)


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level; message text and user ids are never logged."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    logging.captureWarnings(True)  # Python's warnings go through the same handler
    logging.getLogger("httpx").setLevel(logging.WARNING)


def nlu_project(settings: Settings) -> NluProject:
    """Return the Rasa project described by the settings."""
    return NluProject(settings.nlu_project_dir, settings.rasa_bin)


def taxonomy(settings: Settings) -> Taxonomy:
    """Load the intent taxonomy."""
    return load_taxonomy(settings.nlu_project_dir / "intents.yaml")


def knowledge(settings: Settings) -> KnowledgeBase:
    """Load the knowledge base; every rights intent needs a topic, gaps in languages are logged."""
    kb = load_knowledge_base(settings.knowledge_base_dir)
    rights = taxonomy(settings).names("rights")
    if missing := coverage_gaps(kb, rights, ["en"]):
        raise KnowledgeError(f"{settings.knowledge_base_dir}: no topic file for {missing}")
    if gaps := coverage_gaps(kb, rights, list(LANGUAGES)):
        logging.getLogger(__name__).warning(
            "knowledge base: %d topic/language pairs missing, shown in English", len(gaps)
        )
    return kb


def understander(settings: Settings, http: aiohttp.ClientSession) -> Understander:
    """Build the NLU client, safety net and language identifier."""
    folder = settings.nlu_project_dir
    return Understander(
        client=NluClient(http, settings.nlu_url, settings.nlu_token.get_secret_value()),
        taxonomy=taxonomy(settings),
        lexicon=load_lexicon(folder / "safety_lexicon"),
        identifier=build_identifier(folder / "data" / "nlu"),
        threshold=settings.nlu_fallback_threshold,
        escalation_weight=settings.nlu_escalation_weight,
        clarify_below=settings.nlu_clarify_threshold,
    )


@contextlib.asynccontextmanager
async def open_http(settings: Settings) -> AsyncIterator[aiohttp.ClientSession]:
    """Open the HTTP session used for the NLU server (aiohttp: a tenth of httpx's CPU a call)."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=HTTP_POOL_SIZE),
        timeout=aiohttp.ClientTimeout(total=settings.nlu_timeout_seconds),
    ) as http:
        yield http


@contextlib.asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[DialogueEngine]:
    """Migrate the database, load content and yield a ready dialogue engine."""
    database = make_engine(settings.database_url)
    upgrade(database)
    configured = settings.case_encryption_key
    key = resolve_key(
        configured.get_secret_value() if configured else None,
        settings.nlu_project_dir.parent / ".saathi-dev-key",
    )
    sessions = make_sessions(database)
    sent = SentLog(sessions)
    try:
        async with open_http(settings) as http, writing_in_batches(sent):
            yield DialogueEngine(
                EngineParts(
                    understander=understander(settings, http),
                    kb=knowledge(settings),
                    taxonomy=taxonomy(settings),
                    catalogs=Catalogs(settings.translations_dir),
                    sessions=sessions,
                    cipher=Fernet(key),
                    signing_key=signing_key(key),
                    metrics=Metrics(),
                    routing=Routing(settings.caseworker_groups, settings.default_caseworker_group),
                    partners=settings.partner_names,
                    sent=sent,
                    database_patience=settings.database_retry_seconds,
                )
            )
    finally:
        database.dispose()


@contextlib.asynccontextmanager
async def writing_in_batches(sent: SentLog) -> AsyncIterator[None]:
    """Write sent-message ids in the background; write what is left when closing."""
    task = asyncio.create_task(sent.flush_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await asyncio.to_thread(sent.flush)
        except OperationalError:
            log.warning("sent-message ids not written at shutdown: the database is unreachable")
