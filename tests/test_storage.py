"""Storage on SQLite and on the real PostgreSQL server: migrations, cases and the outbox."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from bot.storage import repository
from bot.storage.db import make_engine, make_sessions, upgrade
from bot.storage.models import Case, OutboxMessage, User


@pytest.fixture
def migrated(database: Engine) -> Engine:
    upgrade(database)
    return database


def test_migrations_create_every_table_and_are_idempotent(migrated: Engine) -> None:
    upgrade(migrated)
    assert {"users", "cases", "outbox", "alembic_version"} <= set(
        inspect(migrated).get_table_names()
    )


def test_user_is_created_once_per_channel_identity(migrated: Engine) -> None:
    sessions = make_sessions(migrated)
    with sessions.begin() as session:
        first = repository.get_or_create_user(session, channel="telegram", external_id="42")
        first.language = "ne"
    with sessions.begin() as session:
        again = repository.get_or_create_user(session, channel="telegram", external_id="42")
        assert again.id == first.id and again.language == "ne"
        other = repository.get_or_create_user(session, channel="terminal", external_id="42")
        assert other.id != first.id


def test_case_and_outbox_commit_together_or_not_at_all(migrated: Engine) -> None:
    sessions = make_sessions(migrated)
    with sessions.begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="1")
        case = repository.add_case(
            session,
            user=user,
            category="report_physical_abuse",
            urgent=False,
            report=b"secret",
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="-100")
    with pytest.raises(IntegrityError), sessions.begin() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        repository.open_case(session, case=stored, destination="-100")  # same idempotency key
    with sessions() as session:
        assert session.scalar(select(Case).where(Case.id == case.id)).status == "open"
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_erasing_a_user_keeps_shared_cases_and_drops_unshared_ones(migrated: Engine) -> None:
    sessions = make_sessions(migrated)
    with sessions.begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="9")
        shared = repository.add_case(
            session,
            user=user,
            category="report_sexual_abuse",
            urgent=False,
            report=b"x",
            status="awaiting_consent",
        )
        repository.open_case(session, case=shared, destination="-1")
        repository.add_case(
            session,
            user=user,
            category="talk_to_human",
            urgent=False,
            report=b"y",
            status="awaiting_consent",
        )
    with sessions.begin() as session:
        repository.erase_user(session, user=session.get(User, user.id))
    with sessions() as session:
        cases = session.scalars(select(Case)).all()
        assert [(c.number, c.user_id, c.status) for c in cases] == [(shared.number, None, "open")]
        assert session.get(User, user.id) is None


@pytest.mark.postgres
def test_workers_starting_together_migrate_one_after_the_other(postgres_url: str) -> None:
    engines = [make_engine(postgres_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(upgrade, engines))  # raises if two migrations collided
        assert "cases" in inspect(engines[0]).get_table_names()
    finally:
        for engine in engines:
            engine.dispose()
