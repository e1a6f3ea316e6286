"""Turning knowledge-base content and choices into Replies in the worker's language."""

from bot.engine.types import Button, Reply
from bot.i18n import Texts, country_name, language_name
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Referral, Topic, TopicText
from bot.knowledge.tokens import format_tokens
from bot.nlu.langid import LANGUAGES

COUNTRIES = ("MY", "HK", "SG", "TH", "SA", "AE", "QA", "KW", "JO")
ORIGINS = ("NP", "BD", "ID", "PH", "KH", "MM", "PK", "IN", "LK", "VN")
CATEGORY_ORDER = (
    "pay",
    "time_and_rest",
    "documents",
    "contract_and_recruitment",
    "living_and_health",
    "equality",
    "moving_on",
    "getting_help",
    "instruments",
)


def category_label(t: Texts, category: str) -> str:
    """Return a category's button label."""
    labels = {
        "pay": t.pgettext("category", "Pay and wages"),
        "time_and_rest": t.pgettext("category", "Working hours and rest"),
        "documents": t.pgettext("category", "Passport and papers"),
        "contract_and_recruitment": t.pgettext("category", "Contract and agency"),
        "living_and_health": t.pgettext("category", "Living, food and health"),
        "equality": t.pgettext("category", "Fair treatment and pregnancy"),
        "moving_on": t.pgettext("category", "Changing job or going home"),
        "getting_help": t.pgettext("category", "Complaints and help"),
        "instruments": t.pgettext("category", "About the rights laws"),
    }
    return labels.get(category, category)


def language_picker(t: Texts, first: str | None = None) -> Reply:
    """Ask for the language, each named in its own script; `first` is listed first."""
    order = sorted(LANGUAGES, key=lambda code: code != first)
    buttons = [Button(language_name(code), f"lang:{code}") for code in order]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return Reply(t.pgettext("onboarding", "Please choose your language."), rows)


def country_picker(t: Texts) -> Reply:
    """Ask for the country of work."""
    buttons = [Button(country_name(c, t.language), f"country:{c}") for c in COUNTRIES]
    buttons.append(Button(t.pgettext("onboarding", "Another country"), "country:XX"))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Reply(t.pgettext("onboarding", "Which country do you work in now?"), rows)


def origin_picker(t: Texts) -> Reply:
    """Ask, optionally, for the worker's country of origin."""
    buttons = [Button(country_name(c, t.language), f"origin:{c}") for c in ORIGINS]
    buttons.append(Button(t.pgettext("onboarding", "I prefer not to say"), "origin:XX"))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return Reply(
        t.pgettext(
            "onboarding",
            "Which country are you from? If you tell me, a report you share can also reach an "
            "organisation from your home country.",
        ),
        rows,
    )


def category_menu(t: Texts, kb: KnowledgeBase, text: str) -> Reply:
    """Show the topic categories that have content."""
    present = {topic.category for topic in kb.topics.values()}
    rows = [[Button(category_label(t, c), f"cat:{c}")] for c in CATEGORY_ORDER if c in present]
    rows.append([Button(t.pgettext("button", "Talk to a caseworker"), "human")])
    return Reply(text, rows)


def topic_title(kb: KnowledgeBase, name: str, language: str) -> str:
    """Return a topic's title in the language, or in English."""
    topic = kb.topics[name]
    text = topic.languages.get(language) or topic.languages["en"]
    return text.title


def topic_menu(t: Texts, kb: KnowledgeBase, category: str) -> Reply:
    """Show the topics of one category."""
    names = [n for n, topic in kb.topics.items() if topic.category == category]
    rows = [[Button(topic_title(kb, n, t.language), f"topic:{n}")] for n in names]
    rows.append([Button(t.pgettext("button", "Back to the menu"), "menu")])
    return Reply(t.pgettext("menu", "Choose a topic."), rows)


def _localised(t: Texts, topic: Topic) -> tuple[TopicText, list[str]]:
    """Return the topic text to show and lines to put before it (when shown in English)."""
    text = topic.languages.get(t.language)
    if text is not None:
        return text, []
    note = t.fill(
        t.pgettext(
            "answer", "This answer is not yet written in {language}. Here it is in English."
        ),
        language=language_name(t.language),
    )
    return topic.languages["en"], [note]


def answer(t: Texts, kb: KnowledgeBase, name: str, country: str | None) -> Reply:
    """Render a topic: country note first, answer, steps, sources, and the disclaimer."""
    topic = kb.topics[name]
    text, preface = _localised(t, topic)
    lines = [text.title, *preface]
    note = text.country_notes.get(country or "") or topic.languages["en"].country_notes.get(
        country or ""
    )
    if note:
        where = country_name(country or "", t.language)
        note = format_tokens(note, t.language)
        lines.append(t.fill(t.pgettext("answer", "In {country}: {note}"), country=where, note=note))
    lines += [format_tokens(text.answer, t.language), "", t.pgettext("answer", "What you can do:")]
    lines += [f"• {format_tokens(step, t.language)}" for step in text.steps]
    keys = list(topic.citations) + (
        topic.countries[country].citations if country in topic.countries else []
    )
    sources = "; ".join(kb.citations[k].label for k in keys)
    lines += ["", t.fill(t.pgettext("answer", "Sources: {sources}"), sources=sources)]
    lines.append(
        t.pgettext(
            "answer",
            "This is general information, not legal advice. "
            "A caseworker can help you with your case.",
        )
    )
    buttons = [
        [
            Button(t.pgettext("button", "This helped"), f"helpful:yes:{name}"),
            Button(t.pgettext("button", "It did not help"), f"helpful:no:{name}"),
        ],
        [Button(t.pgettext("button", "Talk to a caseworker"), "human")],
    ]
    return Reply("\n".join(lines), buttons)


def contact_line(t: Texts, entry: Referral, *, abroad: bool = False) -> str:
    """Return one contact as a short line: name, phone and what they do."""
    phone = (entry.phone_from_abroad or entry.phone) if abroad else entry.phone
    reach = " / ".join(x for x in (phone, entry.whatsapp and f"WhatsApp {entry.whatsapp}") if x)
    line = f"• {entry.name}: {reach}" if reach else f"• {entry.name}"
    if entry.caution:
        line += "\n  " + t.fill(t.pgettext("contacts", "Note: {caution}"), caution=entry.caution)
    return line


def contacts(
    t: Texts,
    kb: KnowledgeBase,
    country: str | None,
    kinds: tuple[str, ...],
    origin: str | None = None,
) -> str:
    """Return the sourced contacts of the country of work and home helplines, or a general line."""
    local = kb.contacts(country, kinds)
    home = kb.contacts(origin, ("helpline",)) if origin and origin != country else []
    if not local and not home:
        return t.pgettext(
            "contacts",
            "In danger, call the emergency number of the country you are in, or go to a "
            "safe public place and ask for help.",
        )
    lines = [contact_line(t, e) for e in local]
    return "\n".join(lines + [contact_line(t, e, abroad=True) for e in home])
