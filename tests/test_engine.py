"""Conversations through the channel-free engine, with the real Rasa server and without it."""

import pytest
from sqlalchemy import select

from bot import app
from bot.engine.dialogue import DialogueEngine
from bot.engine.types import Message
from bot.storage.models import Case, OutboxMessage, User
from tests.conftest import dead_url, make_settings


def msg(user: str, text: str = "", **fields: str) -> Message:
    return Message("test", user, text=text, **fields)  # type: ignore[arg-type]


async def onboard(engine: DialogueEngine, user: str, language: str, country: str) -> None:
    await engine.handle(msg(user, button=f"lang:{language}"))
    await engine.handle(msg(user, button=f"country:{country}"))


def cases(engine: DialogueEngine) -> list[Case]:
    with engine.parts.sessions() as session:
        return list(session.scalars(select(Case)).all())


def outbox(engine: DialogueEngine) -> list[OutboxMessage]:
    with engine.parts.sessions() as session:
        return list(session.scalars(select(OutboxMessage)).all())


@pytest.mark.integration
@pytest.mark.parametrize(
    ("language", "text", "needle"),
    [
        ("ne", "मेरो पासपोर्ट साहुले राखेको छ", "C189 Art. 9"),
        ("en", "my boss is keeping my passport, is that allowed", "C189 Art. 9"),
        ("bn", "মালিক আমার পাসপোর্ট রেখে দিয়েছে", "C189 Art. 9"),
        ("id", "paspor saya ditahan majikan, boleh gak", "C189 Art. 9"),
        ("en", "madam has not paid my salary for 3 months", "C189 Art. 12"),
        ("ne", "मलाई हप्तामा एक दिन पनि बिदा दिँदैनन्", "C189 Art. 10"),
    ],
)
async def test_rights_questions_are_answered_in_the_workers_language_with_citations(
    live_engine: DialogueEngine, language: str, text: str, needle: str
) -> None:
    user = f"u-{language}-{abs(hash(text))}"
    await onboard(live_engine, user, language, "MY")
    outcome = await live_engine.handle(msg(user, text))
    assert outcome.language == language
    body = outcome.replies[-1].text
    assert needle in body
    title = live_engine.parts.kb.topics[outcome.understanding.intent].languages[language].title  # type: ignore[union-attr]
    assert body.startswith(title)


@pytest.mark.integration
async def test_abuse_report_waits_for_consent_then_opens_a_case(
    live_engine: DialogueEngine,
) -> None:
    await onboard(live_engine, "w1", "en", "MY")
    asked = await live_engine.handle(msg("w1", "my employer beats me every night"))
    assert asked.understanding is not None and asked.understanding.escalate
    assert [b.payload for b in asked.replies[-1].buttons[0]] == ["consent:yes", "consent:no"]
    [draft] = cases(live_engine)
    assert draft.status == "awaiting_consent" and b"beats" not in draft.report
    assert outbox(live_engine) == []
    sent = await live_engine.handle(msg("w1", button="consent:yes"))
    assert sent.case_number == draft.number
    assert draft.number in sent.replies[-1].text
    [row] = outbox(live_engine)
    assert row.destination == "-100123"


@pytest.mark.integration
async def test_declined_consent_shares_nothing_and_keeps_the_door_open(
    live_engine: DialogueEngine,
) -> None:
    await onboard(live_engine, "w2", "en", "MY")
    await live_engine.handle(msg("w2", "my sir touches me at night when madam is out"))
    replies = (await live_engine.handle(msg("w2", button="consent:no"))).replies
    [case] = cases(live_engine)
    assert case.status == "declined" and case.report == b""
    assert outbox(live_engine) == []
    assert any(b.payload == "human" for r in replies for row in r.buttons for b in row)


@pytest.mark.integration
async def test_urgent_report_shows_emergency_contacts_first_and_opens_the_case(
    live_engine: DialogueEngine,
) -> None:
    await onboard(live_engine, "w3", "en", "MY")
    outcome = await live_engine.handle(msg("w3", "i want to kill myself"))
    assert outcome.understanding is not None and outcome.understanding.urgent
    first = outcome.replies[0].text
    assert "999" in first
    assert not any(word in first.splitlines()[0].lower() for word in ("suicide", "kill", "abuse"))
    assert outbox(live_engine) and cases(live_engine)[0].status == "open"


@pytest.mark.integration
async def test_replayed_consent_button_does_not_open_a_second_case(
    live_engine: DialogueEngine,
) -> None:
    await onboard(live_engine, "w4", "en", "MY")
    await live_engine.handle(msg("w4", "my agent keeps me locked in the house and takes my pay"))
    await live_engine.handle(msg("w4", button="consent:yes"))
    again = await live_engine.handle(msg("w4", button="consent:yes"))
    assert again.case_number is None
    assert len(outbox(live_engine)) == 1


async def test_nlu_outage_still_escalates_through_the_safety_net(
    offline_engine: DialogueEngine,
) -> None:
    await onboard(offline_engine, "w5", "en", "MY")
    outcome = await offline_engine.handle(msg("w5", "please help he beat me again"))
    assert outcome.understanding is not None and outcome.understanding.escalate
    assert outcome.understanding.source == "safety_net_only"
    menu = await offline_engine.handle(msg("w5", "when is my day off"))
    assert any(b.payload.startswith("cat:") for row in menu.replies[-1].buttons for b in row)


@pytest.mark.parametrize(
    "text", ["", "   ", "😭😭🙏", "\x00\x07\u200b", "a" * 10000, "पासपोर्ट passport পাসপোর্ট"]
)
async def test_bad_input_gets_a_clear_reply(offline_engine: DialogueEngine, text: str) -> None:
    outcome = await offline_engine.handle(msg("w6", text))
    assert outcome.replies and outcome.replies[0].text.strip()


async def test_tampered_button_gets_the_menu(offline_engine: DialogueEngine) -> None:
    for payload in ("topic:../../etc", "lang:xx", "consent:maybe", "country:ZZ", "??"):
        outcome = await offline_engine.handle(msg("w7", button=payload))
        assert outcome.replies[-1].buttons


async def test_delete_my_data_erases_the_profile(offline_engine: DialogueEngine) -> None:
    await onboard(offline_engine, "w8", "bn", "MY")
    outcome = await offline_engine.handle(msg("w8", command="delete_my_data"))
    assert outcome.language == "bn"
    fresh = await offline_engine.handle(msg("w8", command="help"))
    assert fresh.language == "en"  # the chosen language is gone with the profile


async def test_recording_the_answer_to_an_erasure_keeps_no_row(
    offline_engine: DialogueEngine,
) -> None:
    await onboard(offline_engine, "w9", "en", "MY")
    await offline_engine.handle(msg("w9", command="delete_my_data"))
    offline_engine.record_sent("test", "w9", [101])  # the channel sent the confirmation
    offline_engine.parts.sent.flush()
    with offline_engine.parts.sessions() as session:
        assert session.scalars(select(User).where(User.external_id == "w9")).all() == []


async def test_a_case_also_reaches_the_group_of_the_workers_country_of_origin(
    sqlite_url: str,
) -> None:
    settings = make_settings(sqlite_url, dead_url()).model_copy(
        update={"caseworker_groups": {"MY": -100, "origin:NP": -300}}
    )
    async with app.open_engine(settings) as engine:
        await onboard(engine, "w9", "ne", "MY")
        asked = await engine.handle(msg("w9", command="origin"))
        assert "origin:NP" in [b.payload for row in asked.replies[0].buttons for b in row]
        await engine.handle(msg("w9", button="origin:NP"))
        await engine.handle(msg("w9", "please help he beat me again"))
        await engine.handle(msg("w9", button="consent:yes"))
        rows = sorted((r.destination, r.payload["kind"]) for r in outbox(engine))
        assert rows == [("-100", "case_opened"), ("-300", "case_copy")]
        assert cases(engine)[0].country_of_origin == "NP"
