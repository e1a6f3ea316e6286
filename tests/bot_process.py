"""Running the real `saathi run` process against the fake Bot API server."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from tests.conftest import TOKEN, free_port
from tests.fake_bot_api import FakeBotApi, start

SAATHI = str(Path(sys.executable).parent / "saathi")
CASEWORKERS = -100200


@dataclass
class BotProcess:
    """One bot process; can be started again on the same database after a crash."""

    api: FakeBotApi
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    extra: list[str] = field(default_factory=list)
    log: Path | None = None  # where the process's stderr (its log) goes; inherited when None

    async def start(self) -> None:
        """Start the bot and wait until it polls for updates."""
        polls = sum(m == "getUpdates" for m, _p in self.api.calls)
        stderr = self.log.open("ab") if self.log is not None else None
        try:
            self.process = await asyncio.create_subprocess_exec(
                SAATHI, "run", env=self.env, stderr=stderr
            )
        finally:
            if stderr is not None:
                stderr.close()
        for _ in range(600):
            if sum(m == "getUpdates" for m, _p in self.api.calls) > polls:
                return
            assert self.process.returncode is None, "the bot exited while starting"
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not start polling")

    async def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a crash would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """Stop the process politely."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def bot_env(port: int, nlu_url: str, database_url: str, key: str, **more: str) -> dict[str, str]:
    """Return the environment of a bot process talking to the fake API on port."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "NLU_URL": nlu_url,
        "NLU_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "DEFAULT_CASEWORKER_GROUP": str(CASEWORKERS),
        "CASE_ENCRYPTION_KEY": key,
        "OPS_PORT": str(free_port()),
        **more,
    }


@contextlib.asynccontextmanager
async def running_bot(
    nlu_url: str, database_url: str, log: Path | None = None
) -> AsyncIterator[BotProcess]:
    """Start the fake Bot API and a real `saathi run` process polling it; stop both after."""
    api = FakeBotApi()
    runner, port = await start(api)
    env = bot_env(port, nlu_url, database_url, Fernet.generate_key().decode())
    bot = BotProcess(api, env, log=log)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        await runner.cleanup()
