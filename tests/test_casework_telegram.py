"""Caseworkers in Telegram: forum topic per case, Take, two-way relay, refusals, crash safety."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.bot_process import CASEWORKERS, BotProcess, bot_env, running_bot
from tests.fake_bot_api import FakeBotApi, Fault, start

WORKER, CASEWORKER, STRANGER = 601, 9001, 9002


@pytest.fixture
async def bot(nlu_url: str, sqlite_url: str) -> AsyncIterator[BotProcess]:
    async with running_bot(nlu_url, sqlite_url) as process:
        yield process


def buttons(call: dict[str, Any]) -> list[str]:
    markup = call.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def report_with_consent(api: FakeBotApi, text: str) -> None:
    api.inject_button(WORKER, "lang:en")
    api.inject_button(WORKER, "country:MY")
    await api.wait_for(2, WORKER)
    api.inject_text(WORKER, text)
    await api.wait_for(3, WORKER)
    api.inject_button(WORKER, "consent:yes")
    await api.wait_for(4, WORKER)


@pytest.mark.integration
async def test_case_gets_a_topic_is_taken_and_relayed_both_ways(bot: BotProcess) -> None:
    api = bot.api
    await report_with_consent(api, "my employer's son touches me at night")
    await api.wait_for(1, CASEWORKERS)
    notice = api.sent(CASEWORKERS)[0]
    thread = notice["message_thread_id"]
    assert "touches me at night" in notice["text"]
    assert str(WORKER) not in notice["text"]  # the worker's Telegram identity is not shared
    take, close = buttons(notice)
    api.inject_button(CASEWORKER, take, chat=CASEWORKERS, thread=thread)
    await api.wait_for(5, WORKER)
    assert "taken" in api.sent(WORKER)[-1]["text"]
    api.inject_group_text(
        CASEWORKERS, CASEWORKER, "I am Rina from the shelter. Are you safe now?", thread=thread
    )
    await api.wait_for(6, WORKER)
    assert "Are you safe now?" in api.sent(WORKER)[-1]["text"]
    api.inject_text(WORKER, "yes i am in my room")
    await api.wait_for(3, CASEWORKERS)
    assert any("yes i am in my room" in c["text"] for c in api.sent(CASEWORKERS))
    api.inject_group_text(
        CASEWORKERS,
        CASEWORKER,
        "/note " + notice["text"].split()[2] + " first contact done",
        thread=thread,
    )
    api.inject_group_text(CASEWORKERS, CASEWORKER, "/cases", thread=thread)
    api.inject_button(CASEWORKER, close, chat=CASEWORKERS, thread=thread)
    for _ in range(100):
        outcomes = [b for c in api.sent(CASEWORKERS) for b in buttons(c) if ":out:" in b]
        if outcomes:
            break
        await asyncio.sleep(0.1)
    resolved = next(b for b in outcomes if ":resolved:" in b)
    api.inject_button(CASEWORKER, resolved, chat=CASEWORKERS, thread=thread)
    await api.wait_for(8, WORKER)  # after the acknowledgement of the worker's own reply
    assert "closed" in api.sent(WORKER)[-1]["text"]
    assert not any("first contact done" in c["text"] for c in api.sent(WORKER))


@pytest.mark.integration
async def test_strangers_and_forged_buttons_are_refused(bot: BotProcess) -> None:
    api = bot.api
    await report_with_consent(api, "my boss beat me with a belt")
    await api.wait_for(1, CASEWORKERS)
    take, _close = buttons(api.sent(CASEWORKERS)[0])
    api.inject_text(STRANGER, "/cases")
    await api.wait_for(1, STRANGER)
    assert "only for the partner organisation" in api.sent(STRANGER)[0]["text"]
    forged = take.rsplit(":", 1)[0] + ":000000000000"
    api.inject_button(CASEWORKER, forged, chat=CASEWORKERS)
    api.inject_button(STRANGER, take)  # a real button replayed from a private chat
    await api.wait_for(2, STRANGER)
    await api.wait_for(2, CASEWORKERS)
    assert "only for the partner organisation" in api.sent(CASEWORKERS)[-1]["text"]
    await asyncio.sleep(1)
    assert not any("taken" in c["text"] for c in api.sent(WORKER))


@pytest.mark.integration
async def test_kill_before_delivery_then_restart_delivers_exactly_once(
    nlu_url: str, sqlite_url: str
) -> None:
    api = FakeBotApi()
    runner, port = await start(api)
    bot = BotProcess(api, bot_env(port, nlu_url, sqlite_url, Fernet.generate_key().decode()))
    await bot.start()
    try:
        api.faults["createForumTopic"] = [Fault(200, delay=30)]  # the sender hangs here
        await report_with_consent(api, "they lock me in the house and took my passport")
        for _ in range(100):
            if any(m == "createForumTopic" for m, _p in api.calls):
                break
            await asyncio.sleep(0.1)
        await bot.kill()  # committed, not yet sent
        assert api.sent(CASEWORKERS) == []
        await bot.start()
        await api.wait_for(1, CASEWORKERS, timeout=40)
        await asyncio.sleep(3)
        assert len(api.sent(CASEWORKERS)) == 1
        assert "lock me in the house" in api.sent(CASEWORKERS)[0]["text"]
    finally:
        await bot.stop()
        await runner.cleanup()
