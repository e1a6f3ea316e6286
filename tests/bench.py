"""`make bench`: simulated workers through the real stack, with figures printed, not asserted.

Fake Bot API server → `saathi run` (python-telegram-bot, long polling) → Rasa server →
knowledge base → database → sendMessage. Latency is measured from the moment an update is
offered to the bot to the moment its sendMessage reaches the fake server.
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot import app
from bot.engine.types import Message
from bot.nlu.service import start_server
from bot.settings import Settings
from tests.bot_process import BotProcess, bot_env
from tests.conftest import TOKEN, free_port
from tests.fake_bot_api import FakeBotApi, start

QUESTIONS = [
    "my boss keeps my passport is it allowed",
    "मेरो तलब ३ महिनादेखि आएको छैन",
    "amar beton dey na 2 mash",
    "majikan tidak kasih libur sama sekali",
    "how many hours can they make me work",
    "ahente ko kinuha ang passport ko",
]


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def closed_loop(api: FakeBotApi, workers: int, rounds: int) -> list[float]:
    """Each worker sends a question and waits for its answer, `rounds` times."""

    async def worker(chat: int) -> list[float]:
        api.inject_button(chat, "lang:en")
        api.inject_button(chat, "country:MY")
        await api.wait_for(2, chat, timeout=60)
        latencies = []
        for n in range(rounds):
            before = len(api.sent(chat))
            sent = time.monotonic()
            api.inject_text(chat, QUESTIONS[(chat + n) % len(QUESTIONS)])
            await api.wait_for(before + 1, chat, timeout=60)
            latencies.append((api.sent_times[chat][before] - sent) * 1000)
        return latencies

    results = await asyncio.gather(*(worker(10_000 + i) for i in range(workers)))
    return [x for r in results for x in r]


async def open_loop(
    api: FakeBotApi, rate: float, seconds: float, first_chat: int
) -> tuple[int, list[float], float]:
    """Offer new workers' messages at a fixed rate; return offered, latencies and drain time."""
    chats = list(range(first_chat, first_chat + int(rate * seconds)))
    offered_at: dict[int, float] = {}
    started = time.monotonic()
    for index, chat in enumerate(chats):
        offered_at[chat] = time.monotonic()
        api.inject_text(chat, QUESTIONS[index % len(QUESTIONS)])
        await asyncio.sleep(max(0.0, started + (index + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(1 for c in chats if c in api.sent_times) < len(chats):
        await asyncio.sleep(0.05)
    latencies = [
        (api.sent_times[c][0] - offered_at[c]) * 1000 for c in chats if api.sent_times.get(c)
    ]
    return len(chats), latencies, time.monotonic() - started


async def engine_only(database_url: str, nlu_url: str, count: int) -> list[float]:
    """Time the engine alone on button presses (no NLU call)."""
    settings = Settings(database_url=database_url, nlu_url=nlu_url, nlu_token=TOKEN, _env_file=None)  # type: ignore[call-arg]
    latencies = []
    async with app.open_engine(settings) as engine:
        for n in range(count):
            started = time.perf_counter()
            await engine.handle(Message("bench", f"b{n % 50}", button="topic:rest_day"))
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def fresh_database(kind: str, folder: Path) -> str:
    """Return a new empty SQLite file or PostgreSQL database."""
    if kind == "sqlite":
        return f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
    name = f"saathi_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_bench_databases() -> None:
    """Drop the PostgreSQL databases the benchmark created."""
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        names = connection.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'saathi_bench_%'")
        ).scalars()
        for name in list(names):
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def report(label: str, values: list[float], seconds: float) -> None:
    """Print one line of figures."""
    print(
        f"{label}: {len(values)} messages in {seconds:.1f} s = {len(values) / seconds:.1f}/s; "
        f"latency ms p50 {percentile(values, 0.5):.1f} p95 {percentile(values, 0.95):.1f} "
        f"p99 {percentile(values, 0.99):.1f} mean {statistics.fmean(values):.1f}"
    )


async def run(kind: str, nlu_url: str, rasa_pid: int, args: argparse.Namespace) -> None:
    """Benchmark one database kind."""
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    database = fresh_database(kind, folder)
    api = FakeBotApi()
    runner, port = await start(api)
    env = bot_env(
        port,
        nlu_url,
        database,
        Fernet.generate_key().decode(),
        USER_MESSAGES_PER_MINUTE="100000",
        TELEGRAM_FLOOD_LIMIT="false",
        LOG_LEVEL="WARNING",
    )
    bot = BotProcess(api, env)
    await bot.start()
    try:
        started = time.monotonic()
        latencies = await closed_loop(api, args.workers, args.rounds)
        report(
            f"[{kind}] closed loop, {args.workers} workers", latencies, time.monotonic() - started
        )
        assert bot.process is not None
        pids = {"bot": bot.process.pid, "Rasa": rasa_pid}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        offered, latencies, took = await open_loop(api, args.rate, args.seconds, 20_000)
        report(f"[{kind}] open loop at {args.rate:.0f}/s for {args.seconds:.0f} s", latencies, took)
        used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        print(
            f"[{kind}]   {len(latencies)} of {offered} answered; CPU "
            + ", ".join(
                f"{name} {100 * spent / took:.0f} % of a core "
                f"({1000 * spent / offered:.1f} ms a message)"
                for name, spent in used.items()
            )
        )
        offered, latencies, took = await open_loop(api, 3 * args.rate, args.seconds, 60_000)
        print(
            f"[{kind}] open loop at 3x ({3 * args.rate:.0f}/s for {args.seconds:.0f} s): "
            f"{len(latencies)} of {offered} answered, all drained after {took:.1f} s "
            f"({len(latencies) / took:.0f}/s); "
            f"latency ms p50 {percentile(latencies, 0.5):.0f} p95 {percentile(latencies, 0.95):.0f}"
        )
        print(
            f"[{kind}] resident memory: bot {rss_mb(bot.process.pid):.0f} MB, "
            f"Rasa {rss_mb(rasa_pid):.0f} MB"
        )
    finally:
        await bot.stop()
        await runner.cleanup()
    engine = await engine_only(fresh_database(kind, folder), nlu_url, args.engine_count)
    report(f"[{kind}] engine alone (button presses, NLU excluded)", engine, sum(engine) / 1000)


def main() -> None:
    """Start Rasa once and benchmark SQLite, then PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100, help="messages/s of the open loop")
    parser.add_argument("--engine-count", type=int, default=500)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{free_port()}"
    server = start_server(app.nlu_project(Settings(_env_file=None)), url, TOKEN, 240)  # type: ignore[call-arg]
    try:
        for kind in ("sqlite", "postgresql"):
            asyncio.run(run(kind, url, server.process.pid, args))
    finally:
        server.stop()
        drop_bench_databases()


if __name__ == "__main__":
    main()
