"""The real bot process (python-telegram-bot, long polling) against the fake Bot API server."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.channels.telegram import split_text
from bot.nlu.safety import load_lexicon
from bot.paths import project_root
from tests.bot_process import CASEWORKERS, SAATHI, bot_env, running_bot
from tests.conftest import free_port
from tests.fake_bot_api import FakeBotApi, Fault, start


@pytest.fixture
async def api(nlu_url: str, sqlite_url: str) -> AsyncIterator[FakeBotApi]:
    """Start the fake Bot API and a real `saathi run` process polling it."""
    async with running_bot(nlu_url, sqlite_url) as bot:
        yield bot.api


def buttons_of(call: dict[str, object]) -> list[str]:
    """Return the callback data of a sendMessage call's inline keyboard."""
    markup = call.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.mark.integration
async def test_nepali_worker_is_onboarded_and_answered_with_a_citation(api: FakeBotApi) -> None:
    worker = 501
    api.inject_text(worker, "/start", language="ne")
    await api.wait_for(1, worker)
    picker = api.sent(worker)[-1]
    assert buttons_of(picker)[0] == "lang:ne"
    api.inject_button(worker, "lang:ne")
    await api.wait_for(2, worker)
    assert "country:MY" in buttons_of(api.sent(worker)[-1])
    api.inject_button(worker, "country:MY")
    await api.wait_for(3, worker)
    api.inject_text(worker, "मेरो पासपोर्ट साहुले राखेको छ")
    await api.wait_for(4, worker)
    answer = api.sent(worker)[-1]["text"]
    assert "C189" in answer and "पासपोर्ट" in answer
    assert "answerCallbackQuery" in [m for m, _p in api.calls]


@pytest.mark.integration
async def test_sticker_gets_a_clear_reply_and_the_bot_goes_on(api: FakeBotApi) -> None:
    worker = 502
    api.inject_sticker(worker)
    await api.wait_for(1, worker)
    api.inject_text(worker, "hello")
    await api.wait_for(2, worker)


@pytest.mark.integration
async def test_abuse_report_reaches_caseworkers_after_consent_despite_a_429(
    api: FakeBotApi,
) -> None:
    worker = 503
    api.inject_button(worker, "lang:en")
    api.inject_button(worker, "country:MY")
    await api.wait_for(2, worker)
    api.inject_text(worker, "my madam beats me every day with a stick")
    await api.wait_for(3, worker)
    assert buttons_of(api.sent(worker)[-1]) == ["consent:yes", "consent:no"]
    api.chat_faults[CASEWORKERS] = [Fault(429, retry_after=1), Fault(502)]
    api.inject_button(worker, "consent:yes")
    await api.wait_for(4, worker)
    await api.wait_for(1, CASEWORKERS, timeout=40)
    note = api.sent(CASEWORKERS)[-1]["text"]
    assert "beats me every day" in note
    assert "report physical abuse" in note
    await asyncio.sleep(3)
    assert len(api.sent(CASEWORKERS)) == 1
    topics = [m for m, p in api.calls if m == "createForumTopic"]
    assert len(topics) == 3  # 429 (retried after retry_after), 502 (backed off), success


@pytest.mark.integration
async def test_logs_are_json_lines_without_message_text_or_telegram_ids(
    nlu_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    log, worker = tmp_path / "bot.log", 987654321
    async with running_bot(nlu_url, sqlite_url, log=log) as bot:
        bot.api.inject_button(worker, "lang:en")
        bot.api.inject_button(worker, "country:MY")
        bot.api.inject_text(worker, "my sir hits me with his belt every night")
        await bot.api.wait_for(3, worker)
        bot.api.inject_button(worker, "consent:yes")
        await bot.api.wait_for(1, CASEWORKERS, timeout=40)
    text = log.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert any(r["level"] == "INFO" for r in records)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert "belt" not in text
    assert str(worker) not in text


@pytest.mark.integration
async def test_an_answer_that_meets_a_bad_gateway_is_sent_again(api: FakeBotApi) -> None:
    worker = 504
    api.chat_faults[worker] = [Fault(502)]
    api.inject_text(worker, "/start")
    await api.wait_for(2, worker)
    failed, delivered = api.sent(worker)
    assert failed["text"] == delivered["text"]


def test_long_text_is_split_under_telegrams_limit() -> None:
    text = ("line of an answer " * 30 + "\n") * 20
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


@pytest.mark.integration
async def test_webhook_mode_refuses_a_wrong_secret_token(nlu_url: str, sqlite_url: str) -> None:
    fake = FakeBotApi()
    runner, port = await start(fake)
    hook_port = free_port()
    env = bot_env(
        port,
        nlu_url,
        sqlite_url,
        Fernet.generate_key().decode(),
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET="s3cret-token",
        WEBHOOK_PORT=str(hook_port),
    )
    process = await asyncio.create_subprocess_exec(SAATHI, "run", env=env)
    try:
        for _ in range(600):
            if any(m == "setWebhook" for m, _p in fake.calls):
                break
            await asyncio.sleep(0.05)
        [hook] = [p for m, p in fake.calls if m == "setWebhook"]
        assert hook["secret_token"] == "s3cret-token"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": 0,
                "text": "hello",
                "from": {"id": 701, "is_bot": False, "first_name": "W"},
                "chat": {"id": 701, "type": "private"},
            },
        }
        url = f"http://127.0.0.1:{hook_port}/telegram"
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                try:
                    wrong = await http.post(
                        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
                    )
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
            assert wrong.status_code == 403
            right = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            )
            assert right.status_code == 200
        await fake.wait_for(1, 701)
        assert len(fake.sent(701)) == 1  # the refused update was not handled
    finally:
        process.terminate()
        await process.wait()
        await runner.cleanup()


CONVERSATIONS = [
    ("ne", "मेरो पासपोर्ट साहुले राखेको छ"),
    ("bn", "মালিক আমার পাসপোর্ট রেখে দিয়েছে"),
    ("id", "paspor saya ditahan majikan, boleh gak"),
    ("tl", "kinuha ng amo ko ang passport ko, pwede ba yun"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("language", "question"), CONVERSATIONS)
async def test_whole_conversation(api: FakeBotApi, language: str, question: str) -> None:
    worker = 800 + CONVERSATIONS.index((language, question))
    steps: list[tuple[str, str]] = [
        ("text", "/start"),
        ("button", f"lang:{language}"),
        ("button", "country:MY"),
        ("text", question),
        ("button", "helpful:yes:passport_retention"),
        ("text", "/language"),
        ("button", f"lang:{language}"),
        ("text", "zxqv wrrrk plmo"),
        ("sticker", ""),
        ("text", "/clear"),
        ("text", "/delete_my_data"),
    ]
    for number, (kind, value) in enumerate(steps, start=1):
        before = len(api.sent(worker))
        if kind == "text":
            api.inject_text(worker, value, language=language)
        elif kind == "button":
            api.inject_button(worker, value)
        else:
            api.inject_sticker(worker)
        await api.wait_for(before + 1, worker)
        if number == 4:
            assert "C189 Art. 9" in api.sent(worker)[-1]["text"]
    texts = [c["text"] for c in api.sent(worker)]
    assert all(b.startswith("lang:") for b in buttons_of(api.sent(worker)[5]))  # /language
    deleted = [p for m, p in api.calls if m == "deleteMessages" and int(p["chat_id"]) == worker]
    assert deleted and len(deleted[0]["message_ids"]) >= 8
    lexicon = load_lexicon(project_root() / "nlu_data" / "safety_lexicon")
    assert all(lexicon.match(text.splitlines()[0]) is None for text in texts)  # discreet previews
