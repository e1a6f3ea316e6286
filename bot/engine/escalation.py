"""The worker's side of an escalation: emergency contacts, consent, and the persisted case."""

from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from bot.engine import render
from bot.engine.types import Button, Reply
from bot.i18n import Texts
from bot.knowledge.loader import KnowledgeBase
from bot.storage import repository
from bot.storage.models import Case, User

URGENT_KINDS = ("emergency", "helpline")
SUPPORT_KINDS = ("helpline", "labour_department", "ngo")
DECLINED_TOPIC = {
    "report_physical_abuse": "file_complaint",
    "report_sexual_abuse": "file_complaint",
    "report_forced_labour": "communication_and_movement",
    "talk_to_human": "legal_help",
}


@dataclass(frozen=True)
class Routing:
    """Where caseworker notifications go, by country of work."""

    groups: dict[str, int]
    default_group: int | None

    def destination(self, country: str | None) -> str:
        """Return the caseworker chat for a country, the default one, or 'unrouted'."""
        chat = self.groups.get(country or "", self.default_group)
        return str(chat) if chat is not None else "unrouted"

    def origin_copies(self, origin: str | None, handling: str) -> tuple[str, ...]:
        """Return the group configured for the worker's country of origin, if another one."""
        chat = self.groups.get(f"origin:{origin}") if origin else None
        return (str(chat),) if chat is not None and str(chat) != handling else ()


def urgent_first(t: Texts, kb: KnowledgeBase, intent: str, user: User) -> Reply:
    """Return the first reply to an urgent report: care, then emergency contacts."""
    if intent == "self_harm":
        opening = t.pgettext(
            "escalation",
            "I am glad you wrote to me. You matter, and you do not have to face this alone.",
        )
    else:
        opening = t.pgettext("escalation", "Thank you for telling me. Your safety comes first.")
    call = t.pgettext("escalation", "If you can, call one of these numbers now:")
    return Reply(
        "\n".join([opening, call, render.contacts(t, kb, user.country, URGENT_KINDS, user.origin)])
    )


def consent_question(t: Texts, partner: str) -> Reply:
    """Ask whether the report may be shared with a caseworker."""
    text = t.fill(
        t.pgettext(
            "escalation",
            "Thank you for telling me. A trained caseworker from {partner} can help you. "
            "If you agree, I will send them your message, your language and your country of "
            "work. I will not send your name or phone number. Shall I send it?",
        ),
        partner=partner,
    )
    buttons = [
        [
            Button(t.pgettext("button", "Yes, send it"), "consent:yes"),
            Button(t.pgettext("button", "No, not now"), "consent:no"),
        ]
    ]
    return Reply(text, buttons)


def start(
    session: Session,
    user: User,
    *,
    intent: str,
    urgent: bool,
    report: str,
    cipher: Fernet,
) -> Case:
    """Persist the report as a case awaiting consent (or opened at once when urgent)."""
    case = repository.add_case(
        session,
        user=user,
        category=intent,
        urgent=urgent,
        report=cipher.encrypt(report.encode()),
        status="awaiting_consent",
    )
    repository.set_state(user, "awaiting_consent", case_id=case.id)
    return case


def confirm_sent(t: Texts, case: Case) -> Reply:
    """Tell the worker the case went to a caseworker, with its number."""
    return Reply(
        t.fill(
            t.pgettext(
                "escalation",
                "Your message is with a caseworker now. Your case number is {number}. "
                "They will answer you here. You can write more details at any time.",
            ),
            number=case.number,
        )
    )


def declined(t: Texts, kb: KnowledgeBase, case: Case, user: User) -> list[Reply]:
    """Tell the worker nothing was shared, and give the rights answer and contacts."""
    replies = [
        Reply(
            t.pgettext(
                "escalation",
                "All right. I have not shared anything. You can change your mind at any time: "
                'press "Talk to a caseworker".',
            )
        )
    ]
    topic = DECLINED_TOPIC.get(case.category)
    if topic in kb.topics:
        replies.append(render.answer(t, kb, topic, user.country))
    people = render.contacts(t, kb, user.country, SUPPORT_KINDS, user.origin)
    replies.append(
        Reply(
            t.pgettext("contacts", "These organisations can also help you:") + "\n" + people,
            [[Button(t.pgettext("button", "Talk to a caseworker"), "human")]],
        )
    )
    return replies
