"""Shared fixtures: settings on a temporary database, the real Rasa server, both databases."""

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text

from bot import app
from bot.engine.dialogue import DialogueEngine
from bot.nlu.service import RunningServer, start_server
from bot.settings import Settings
from bot.storage.db import make_engine

TOKEN = "test-token"


def free_port() -> int:
    """Return a TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def nlu_url() -> Iterator[str]:
    """Start the real Rasa server once for the test session on a free port."""
    url = f"http://127.0.0.1:{free_port()}"
    settings = Settings(nlu_url=url)
    server: RunningServer = start_server(app.nlu_project(settings), url, TOKEN, 240)
    yield url
    server.stop()


def dead_url() -> str:
    """Return an NLU URL where nothing answers."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Return the URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'saathi.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Create a throw-away schema-free database on the real PostgreSQL server."""
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"saathi_test_{uuid.uuid4().hex[:10]}"
    admin: Engine = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Return a fresh database URL on SQLite and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    """Return an engine on a fresh database of each kind."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def make_settings(database_url: str, nlu: str) -> Settings:
    """Return settings for one test: its own database and encryption key."""
    return Settings(
        database_url=database_url,
        nlu_url=nlu,
        nlu_token=TOKEN,
        nlu_timeout_seconds=5.0,
        default_caseworker_group=-100123,
        case_encryption_key=Fernet.generate_key().decode(),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def live_engine(nlu_url: str, sqlite_url: str) -> AsyncIterator[DialogueEngine]:
    """Return a dialogue engine on the real Rasa server and a fresh SQLite database."""
    async with app.open_engine(make_settings(sqlite_url, nlu_url)) as engine:
        yield engine


@pytest.fixture
async def offline_engine(sqlite_url: str) -> AsyncIterator[DialogueEngine]:
    """Return a dialogue engine whose NLU server is down (nothing listens at its URL)."""
    async with app.open_engine(make_settings(sqlite_url, dead_url())) as engine:
        yield engine
