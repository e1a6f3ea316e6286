"""Production set-ups: a PostgreSQL restart mid-conversation, two webhook workers, one database."""

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.bot_process import SAATHI, bot_env, running_bot
from tests.conftest import free_port
from tests.fake_bot_api import FakeBotApi, start

SECRET = "two-workers-secret"


def postgres(action: str) -> None:
    """Stop or start the machine's PostgreSQL cluster and wait until it is as asked."""
    version = next(Path("/etc/postgresql").iterdir()).name
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    subprocess.run(command + (["-m", "fast"] if action == "stop" else []), check=True, timeout=60)
    want_up = action == "start"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        up = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0
        if up == want_up:
            return
        time.sleep(0.2)
    raise TimeoutError(f"PostgreSQL did not {action}")


@pytest.fixture
def restartable_postgres() -> Iterator[None]:
    """Make sure PostgreSQL is running again after the test, whatever happened."""
    yield
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode != 0:
        postgres("start")


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.usefixtures("restartable_postgres")
async def test_a_postgresql_restart_loses_no_message(nlu_url: str, postgres_url: str) -> None:
    async with running_bot(nlu_url, postgres_url) as bot:
        api, worker = bot.api, 811
        api.inject_text(worker, "/start", "ne")
        await api.wait_for(1, worker)
        await asyncio.to_thread(postgres, "stop")
        api.inject_button(worker, "lang:ne")  # arrives while the database is down
        await asyncio.sleep(3)
        assert len(api.sent(worker)) == 1
        await asyncio.to_thread(postgres, "start")
        await api.wait_for(2, worker, timeout=60)
        assert "country:MY" in str(api.sent(worker)[1]["reply_markup"])
        api.inject_button(worker, "country:MY")
        await api.wait_for(3, worker)
        api.inject_text(worker, "मेरो पासपोर्ट साहुले राखेको छ")
        await api.wait_for(4, worker)
        answer = api.sent(worker)[3]["text"]
        assert "ILO C189 Art. 9" in answer
        assert "मलेसिया" in answer  # the language and country chosen around the restart held


async def start_worker(api_port: int, nlu_url: str, database_url: str, key: str) -> tuple[Any, int]:
    """Start one `saathi run` webhook worker; return the process and its webhook port."""
    port = free_port()
    env = bot_env(
        api_port,
        nlu_url,
        database_url,
        key,
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    return await asyncio.create_subprocess_exec(SAATHI, "run", env=env), port


async def post(http: httpx.AsyncClient, port: int, update: dict[str, Any]) -> None:
    """Deliver one update to a worker's webhook as Telegram would, waiting for it to listen."""
    for _ in range(200):
        try:
            response = await http.post(
                f"http://127.0.0.1:{port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert response.status_code == 200
            return
        except httpx.ConnectError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"no webhook listening on {port}")


@pytest.fixture
async def two_workers(
    nlu_url: str, postgres_url: str
) -> AsyncIterator[tuple[FakeBotApi, int, int]]:
    """Start the fake Bot API and two webhook workers sharing one PostgreSQL database."""
    api = FakeBotApi()
    runner, api_port = await start(api)
    key = Fernet.generate_key().decode()
    first, first_port = await start_worker(api_port, nlu_url, postgres_url, key)
    second, second_port = await start_worker(api_port, nlu_url, postgres_url, key)
    try:
        yield api, first_port, second_port
    finally:
        for process in (first, second):
            if process.returncode is None:
                process.terminate()
            await process.wait()
        await runner.cleanup()


@pytest.mark.integration
@pytest.mark.postgres
async def test_two_webhook_workers_continue_one_conversation(
    two_workers: tuple[FakeBotApi, int, int],
) -> None:
    api, first, second = two_workers
    worker = 812
    steps = [
        (first, api.text_update(worker, "/start", "id")),
        (second, api.button_update(worker, "lang:id")),
        (first, api.button_update(worker, "country:MY")),
        (second, api.text_update(worker, "majikan simpan paspor saya, boleh gak")),
    ]
    async with httpx.AsyncClient() as http:
        for count, (port, update) in enumerate(steps, start=1):
            await post(http, port, update)
            await api.wait_for(count, worker)
    country_question, welcome, answer = (m["text"] for m in api.sent(worker)[1:4])
    assert "Malaysia" in str(api.sent(worker)[1]["reply_markup"])
    assert country_question != welcome
    assert "ILO C189 Art. 9" in answer
    assert "Paspor" in answer  # answered in Indonesian, chosen on the other worker
