"""Engines, sessions and migrations for SQLite and PostgreSQL."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_LOCK = 0x5AA7_4109  # the advisory lock id Saathi's migrations hold on PostgreSQL


def _configure_sqlite(connection: Any, _record: Any) -> None:
    """Enforce foreign keys, as PostgreSQL does; write-ahead log, so readers never wait."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # every commit is still synced (synchronous=FULL)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine with a pre-pinged pool; SQLite may be used from worker threads."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration; workers starting together on PostgreSQL take turns."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: a second worker waits, then finds it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
