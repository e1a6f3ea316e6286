"""The dialogue engine: routes a Message to onboarding, answers, menus or an escalation."""

import asyncio
import logging
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot import casework
from bot.engine import escalation, render
from bot.engine.types import Button, Message, Outcome, Reply
from bot.i18n import Catalogs, Texts
from bot.intents import Taxonomy
from bot.knowledge.loader import KnowledgeBase
from bot.nlu.langid import LANGUAGES
from bot.nlu.understanding import Understander, Understanding
from bot.ops import Metrics
from bot.storage import repository
from bot.storage.models import Case, User
from bot.storage.sent_log import SentLog
from bot.text import clean, has_words


@dataclass(frozen=True)
class EngineParts:
    """Everything the engine uses, built once by the application factory."""

    understander: Understander
    kb: KnowledgeBase
    taxonomy: Taxonomy
    catalogs: Catalogs
    sessions: sessionmaker[Session]
    cipher: Fernet
    routing: escalation.Routing
    partners: dict[str, str]
    signing_key: bytes
    metrics: Metrics
    sent: SentLog
    database_patience: float = 300.0  # seconds to keep retrying while the database is down


log = logging.getLogger(__name__)


@dataclass
class Turn:
    """One message being answered: the open session, the user and their language."""

    session: Session
    user: User
    t: Texts
    case_number: str | None = None
    delete_messages: list[int] | None = None


class DialogueEngine:
    """Channel-free: takes Messages, returns Outcomes; never imports a channel library."""

    def __init__(self, parts: EngineParts) -> None:
        """Keep the parts."""
        self.parts = parts

    async def handle(self, message: Message) -> Outcome:
        """Understand the message (off the database), then answer it in one transaction."""
        started = time.perf_counter()
        text = clean(message.text)
        understanding = None
        if message.button is None and message.command is None and message.attachment is None:
            understanding = await self.parts.understander.understand(text)
        outcome = await self._respond_once_the_database_answers(message, text, understanding)
        self._measure(message, outcome, time.perf_counter() - started)
        return outcome

    async def _respond_once_the_database_answers(
        self, message: Message, text: str, seen: Understanding | None
    ) -> Outcome:
        """Answer; while the database is unreachable, wait and try again (nothing was committed)."""
        delay, deadline = 0.5, time.monotonic() + self.parts.database_patience
        while True:
            try:
                return await asyncio.to_thread(self._respond, message, text, seen)
            except OperationalError:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("database unreachable; retrying the message in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _measure(self, message: Message, outcome: Outcome, seconds: float) -> None:
        """Count the message, its intent and any case opened; record the latency."""
        metrics = self.parts.metrics
        kind = "button" if message.button else "command" if message.command else "text"
        metrics.messages.labels(kind).inc()
        metrics.latency.observe(seconds)
        if outcome.understanding is not None:
            metrics.intents.labels(outcome.understanding.intent).inc()
        if outcome.case_number is not None and outcome.understanding is not None:
            metrics.escalations.labels(outcome.understanding.intent).inc()

    def _respond(self, message: Message, text: str, seen: Understanding | None) -> Outcome:
        """Answer within one transaction: the single commit point of every use case."""
        with self.parts.sessions.begin() as session:
            user = repository.get_or_create_user(
                session, channel=message.channel, external_id=message.user_id
            )
            turn = Turn(
                session, user, self.parts.catalogs.texts(self._language(user, message, seen))
            )
            if message.attachment is not None:
                replies = self._attachment(turn, message, text)
            elif message.command is not None:
                replies = self._command(turn, message)
            elif message.button is not None:
                replies = self._button(turn, message.button)
            else:
                replies = self._text(turn, text, seen, message.source_message_id)
            return Outcome(
                replies, turn.t.language, seen, turn.case_number, turn.delete_messages or []
            )

    def record_sent(self, channel: str, user_id: str, message_ids: list[int]) -> None:
        """Remember the ids of the bot's last messages to a user, for /clear."""
        self.parts.sent.add(channel, user_id, message_ids)

    @staticmethod
    def _language(user: User, message: Message, seen: Understanding | None) -> str:
        """Pick the reply language: the user's choice, else what they wrote in, else the hint."""
        if user.language:
            return user.language
        if seen is not None and seen.language is not None and seen.language.language in LANGUAGES:
            return seen.language.language
        hint = (message.language_hint or "").split("-")[0]
        return hint if hint in LANGUAGES else "en"

    def _command(self, turn: Turn, message: Message) -> list[Reply]:
        """Answer a slash command."""
        t, user = turn.t, turn.user
        match message.command:
            case "start" | "language":
                user.state = "choose_language"
                hint = (message.language_hint or "").split("-")[0]
                return [render.language_picker(t, hint if hint in LANGUAGES else None)]
            case "country":
                return [render.country_picker(t)]
            case "origin":
                return [render.origin_picker(t)]
            case "privacy":
                return [self._privacy(t)]
            case "delete_my_data":
                return self._delete(turn)
            case "mycase":
                return [self._case_status(turn)]
            case "clear":
                turn.delete_messages = self.parts.sent.take(turn.session, user)
                return [
                    Reply(
                        t.pgettext(
                            "privacy",
                            "I deleted my recent messages in this chat. To delete yours, "
                            "press and hold a message and choose Delete, or delete the whole chat.",
                        )
                    )
                ]
            case _:
                return [self._menu(t)]

    def _button(self, turn: Turn, payload: str) -> list[Reply]:
        """Answer a button press; an unknown or tampered payload gets the menu."""
        t, user = turn.t, turn.user
        kind, _, value = payload.partition(":")
        if kind == "lang" and value in LANGUAGES:
            user.language = value
            turn.t = t = self.parts.catalogs.texts(value)
            if user.country is None:
                user.state = "choose_country"
                return [render.country_picker(t)]
            user.state = "ready"
            return [self._menu(t)]
        if kind == "country" and (value in render.COUNTRIES or value == "XX"):
            user.country = None if value == "XX" else value
            user.state = "ready"
            return [self._welcome(t)]
        if kind == "origin" and (value in render.ORIGINS or value == "XX"):
            user.origin = None if value == "XX" else value
            return [Reply(t.pgettext("feedback", "Thank you for telling me."))]
        if kind == "cat" and value in render.CATEGORY_ORDER:
            return [render.topic_menu(t, self.parts.kb, value)]
        if kind == "topic" and value in self.parts.kb.topics:
            return [self._answer(turn, value)]
        if kind == "consent" and value in ("yes", "no"):
            return self._consent(turn, value == "yes")
        if kind == "human":
            return self._escalate(turn, "talk_to_human", urgent=False, report="")
        if kind == "helpful":
            return [Reply(t.pgettext("feedback", "Thank you for telling me."))]
        return [self._menu(t, t.pgettext("menu", "That button is no longer active."))]

    def _text(
        self, turn: Turn, text: str, seen: Understanding | None, message_id: int | None
    ) -> list[Reply]:
        """Answer typed text from what was understood."""
        t, user = turn.t, turn.user
        if seen is None or not has_words(text):
            return [
                self._menu(
                    t, t.pgettext("menu", "Please type your question in words, or choose a topic.")
                )
            ]
        active = casework.active_case_of(turn.session, user)
        if active is not None:
            return self._relay(turn, active, seen, text, message_id)
        if seen.escalate:
            return self._escalate(turn, seen.intent, urgent=seen.urgent, report=text)
        if user.state == "awaiting_consent" and seen.intent in ("affirm", "deny"):
            return self._consent(turn, seen.intent == "affirm")
        if seen.intent in self.parts.kb.topics and not seen.confident:
            return [self._clarify(t, [seen.intent, *seen.alternatives])]
        if seen.intent in self.parts.kb.topics:
            return [self._answer(turn, seen.intent)]
        if not seen.nlu_available:
            return [
                self._menu(
                    t,
                    t.pgettext(
                        "menu", "Sorry, I cannot read free text right now. Please choose a topic."
                    ),
                )
            ]
        return self._conversation(turn, seen)

    def _conversation(self, turn: Turn, seen: Understanding) -> list[Reply]:
        """Answer greetings, menu requests and everything that is not a rights topic."""
        t = turn.t
        match seen.intent:
            case "greet":
                return [self._welcome(t)]
            case "goodbye":
                return [
                    Reply(t.pgettext("conversation", "Take care. You can write to me at any time."))
                ]
            case "thanks":
                return [
                    Reply(
                        t.pgettext("conversation", "You are welcome. I am here when you need me.")
                    )
                ]
            case "change_language":
                return [render.language_picker(t)]
            case "privacy":
                return [self._privacy(t)]
            case "out_of_scope":
                return [
                    self._menu(
                        t,
                        t.pgettext(
                            "conversation", "I can only help with work and your rights as a worker."
                        ),
                    )
                ]
            case "help" | "affirm" | "deny":
                return [self._menu(t)]
            case name if self.parts.taxonomy.get(name) is not None:
                return [
                    self._menu(
                        t,
                        t.pgettext(
                            "answer",
                            "I do not have an answer on this yet. Please choose a topic or "
                            "talk to a caseworker.",
                        ),
                    )
                ]
            case _:
                return [self._clarify(t, seen.alternatives)]

    def _clarify(self, t: Texts, alternatives: list[str]) -> Reply:
        """Ask which of the likeliest topics the worker meant."""
        kb = self.parts.kb
        options = [n for n in dict.fromkeys(alternatives) if n in kb.topics][:3]
        if not options:
            return self._menu(
                t, t.pgettext("menu", "I am not sure I understood. Please choose a topic.")
            )
        rows = [[Button(render.topic_title(kb, n, t.language), f"topic:{n}")] for n in options]
        rows.append([Button(t.pgettext("button", "Something else"), "menu")])
        return Reply(
            t.pgettext("menu", "I am not sure I understood. Is it about one of these?"), rows
        )

    def _escalate(self, turn: Turn, intent: str, *, urgent: bool, report: str) -> list[Reply]:
        """Start the hand-off: urgent cases open at once, others wait for consent."""
        t, user, kb = turn.t, turn.user, self.parts.kb
        case = escalation.start(
            turn.session,
            user,
            intent=intent,
            urgent=urgent,
            report=report,
            cipher=self.parts.cipher,
        )
        if not urgent:
            partner = self.parts.partners.get(user.country or "") or t.pgettext(
                "escalation", "a partner organisation"
            )
            return [escalation.consent_question(t, partner)]
        self._open(turn, case)
        return [
            escalation.urgent_first(t, kb, intent, user),
            escalation.confirm_sent(t, case),
        ]

    def _consent(self, turn: Turn, agreed: bool) -> list[Reply]:
        """Act on the worker's answer to the consent question."""
        t, user = turn.t, turn.user
        case_id = (user.state_data or {}).get("case_id")
        case = repository.find_case(turn.session, case_id=case_id) if case_id else None
        if case is None or case.status != "awaiting_consent":
            return [self._menu(t, t.pgettext("menu", "That button is no longer active."))]
        if not agreed:
            case.status, case.report = "declined", b""
            repository.set_state(user, "ready")
            return escalation.declined(t, self.parts.kb, case, user)
        self._open(turn, case)
        return [escalation.confirm_sent(t, case)]

    def _open(self, turn: Turn, case: Case) -> None:
        """Open a case: queue the caseworker notification and count it for the monthly report."""
        user = turn.user
        handling = self.parts.routing.destination(user.country)
        repository.open_case(
            turn.session,
            case=case,
            destination=handling,
            also=self.parts.routing.origin_copies(user.origin, handling),
        )
        casework.count_usage(
            turn.session,
            kind="abuse",
            name=case.category,
            language=turn.t.language,
            country=user.country,
        )
        repository.set_state(user, "case_open", case_id=case.id)
        turn.case_number = case.number

    def _answer(self, turn: Turn, topic: str) -> Reply:
        """Answer a rights topic and count it (anonymously) for the monthly report."""
        casework.count_usage(
            turn.session,
            kind="topic",
            name=topic,
            language=turn.t.language,
            country=turn.user.country,
        )
        return render.answer(turn.t, self.parts.kb, topic, turn.user.country)

    def _relay(
        self, turn: Turn, case: Case, seen: Understanding, text: str, message_id: int | None
    ) -> list[Reply]:
        """Pass the worker's message to their caseworker; urgent ones also get contacts."""
        t = turn.t
        casework.worker_event(
            turn.session,
            case=case,
            kind="text",
            text=text,
            cipher=self.parts.cipher,
            source_message_id=message_id,
        )
        sent = Reply(
            t.fill(
                t.pgettext("case", "Sent to your caseworker (case {number})."), number=case.number
            )
        )
        if seen.urgent:
            return [escalation.urgent_first(t, self.parts.kb, seen.intent, turn.user), sent]
        return [sent]

    def _attachment(self, turn: Turn, message: Message, caption: str) -> list[Reply]:
        """Keep a voice note, photo or file for the caseworker when a case is open."""
        t = turn.t
        case = casework.active_case_of(turn.session, turn.user)
        if case is None or message.attachment not in ("voice", "photo", "document"):
            return [
                self._menu(
                    t,
                    t.pgettext(
                        "error",
                        "I can only read text for now. Please type your question, or "
                        "choose a topic.",
                    ),
                )
            ]
        casework.worker_event(
            turn.session,
            case=case,
            kind=message.attachment,
            text=caption,
            cipher=self.parts.cipher,
            source_message_id=message.source_message_id,
        )
        return [
            Reply(
                t.fill(
                    t.pgettext("case", "Sent to your caseworker (case {number})."),
                    number=case.number,
                )
            )
        ]

    def _case_status(self, turn: Turn) -> Reply:
        """Tell the worker where their newest case stands."""
        t = turn.t
        case = casework.latest_case_of(turn.session, turn.user)
        if case is None:
            return self._menu(t, t.pgettext("case", "You have no case with a caseworker."))
        status = {
            "open": t.pgettext("case", "Case {number}: waiting for a caseworker."),
            "taken": t.pgettext(
                "case", "Case {number}: a caseworker is working on it. Write here to reach them."
            ),
            "closed": t.pgettext("case", "Case {number}: closed."),
        }[case.status]
        return Reply(t.fill(status, number=case.number))

    def _delete(self, turn: Turn) -> list[Reply]:
        """Erase the worker's profile; cases already shared stay with the organisation."""
        repository.erase_user(turn.session, user=turn.user)
        return [
            Reply(
                turn.t.pgettext(
                    "privacy",
                    "Your profile and settings are erased. Reports you already sent to a "
                    "caseworker stay with the organisation as their case record.",
                )
            )
        ]

    def _welcome(self, t: Texts) -> Reply:
        """Say what Saathi does, that it is anonymous, and how to reach a caseworker."""
        return self._menu(
            t,
            t.pgettext(
                "onboarding",
                "Welcome to Saathi. I answer questions about your rights at work, in your "
                "language. I do not ask your name. If someone hurts you, I can connect you with a "
                "trained caseworker. Type your question or choose a topic.",
            ),
        )

    def _privacy(self, t: Texts) -> Reply:
        """Explain what is stored, for how long, and who can see it."""
        what = t.pgettext(
            "privacy",
            "Saathi keeps only your language and country of work. Your questions are not "
            "saved. A report is saved, encrypted, only when you tell me about abuse; it is "
            "shared with a caseworker only if you agree, or at once if your life is in danger. "
            "Only the partner organisation's caseworkers can read it. Send /delete_my_data to "
            "erase your profile.",
        )
        how_long = t.pgettext(
            "privacy",
            "How long: your language and country are kept until you send /delete_my_data. A "
            "report you did not agree to share is erased at once. A report you shared is kept "
            "by the partner organisation as their case record.",
        )
        return Reply(f"{what}\n\n{how_long}")

    def _menu(self, t: Texts, text: str | None = None) -> Reply:
        """Show the topic categories with a lead sentence."""
        lead = text or t.pgettext("menu", "What would you like to know? Choose a topic.")
        return render.category_menu(t, self.parts.kb, lead)
