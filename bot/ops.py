"""Operations: Prometheus metrics and a /healthz endpoint on a local port."""

import asyncio
import json
import logging
from dataclasses import dataclass

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import OutboxMessage, utc_now

log = logging.getLogger(__name__)


class Metrics:
    """The bot's counters and histograms, in a registry of their own."""

    def __init__(self) -> None:
        """Create the registry and its metrics."""
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "saathi_messages_total", "Messages handled", ["kind"], registry=self.registry
        )
        self.intents = Counter(
            "saathi_intents_total", "Intents understood", ["intent"], registry=self.registry
        )
        self.escalations = Counter(
            "saathi_escalations_total", "Cases opened", ["category"], registry=self.registry
        )
        self.latency = Histogram(
            "saathi_engine_seconds",
            "Time to answer one message (NLU included)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "saathi_outbox_backlog", "Undelivered outbox rows", registry=self.registry
        )
        self.outbox_lag = Gauge(
            "saathi_outbox_lag_seconds", "Age of the oldest undelivered row", registry=self.registry
        )

    def render(self) -> bytes:
        """Return the metrics in Prometheus's text format."""
        return generate_latest(self.registry)


@dataclass(frozen=True)
class Health:
    """What /healthz reports."""

    database: bool
    nlu: bool
    outbox_backlog: int
    outbox_lag_seconds: float

    @property
    def ok(self) -> bool:
        """Tell whether the database answers (the NLU server may be down: the bot degrades)."""
        return self.database


def outbox_state(sessions: sessionmaker[Session]) -> tuple[int, float]:
    """Return the number of undelivered outbox rows and the age of the oldest, in seconds."""
    with sessions() as session:
        session.execute(text("SELECT 1"))
        count, oldest = session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.sent_at.is_(None)
            )
        ).one()
    return int(count), (utc_now() - oldest).total_seconds() if oldest else 0.0


async def check_health(
    sessions: sessionmaker[Session], nlu_url: str, token: str, metrics: Metrics
) -> Health:
    """Check the database, the NLU server and the outbox."""
    try:
        backlog, lag = await asyncio.to_thread(outbox_state, sessions)
        database = True
    except Exception:  # any database failure makes the bot unhealthy
        log.warning("health check: database unavailable")
        backlog, lag, database = -1, 0.0, False
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            response = await http.get(nlu_url.rstrip("/") + "/status", params={"token": token})
        nlu = response.status_code == 200
    except httpx.HTTPError:
        nlu = False
    if database:
        metrics.outbox_backlog.set(backlog)
        metrics.outbox_lag.set(lag)
    return Health(database, nlu, backlog, lag)


async def serve_ops(
    host: str,
    port: int,
    *,
    sessions: sessionmaker[Session],
    nlu_url: str,
    token: str,
    metrics: Metrics,
) -> asyncio.Server:
    """Serve GET /healthz and GET /metrics on host:port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readline()).decode(errors="replace").split()
        path = request[1] if len(request) > 1 else "/"
        if path == "/healthz":
            health = await check_health(sessions, nlu_url, token, metrics)
            body = json.dumps({**health.__dict__, "ok": health.ok}).encode()
            status, kind = (
                ("200 OK" if health.ok else "503 Service Unavailable"),
                "application/json",
            )
        elif path == "/metrics":
            await check_health(sessions, nlu_url, token, metrics)
            body, status, kind = metrics.render(), "200 OK", "text/plain; version=0.0.4"
        else:
            body, status, kind = b"not found", "404 Not Found", "text/plain"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: "
            f"{len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, host, port)
