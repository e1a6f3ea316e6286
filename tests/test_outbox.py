"""Outbox delivery: sent once, retried with back-off, Telegram's retry_after honoured."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from bot import outbox
from bot.storage import repository
from bot.storage.db import make_sessions, upgrade
from bot.storage.models import OutboxMessage


@pytest.fixture
def opened(database: Engine) -> tuple[Engine, Fernet]:
    upgrade(database)
    cipher = Fernet(Fernet.generate_key())
    with make_sessions(database).begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="7")
        user.language, user.country = "ne", "MY"
        case = repository.add_case(
            session,
            user=user,
            category="report_physical_abuse",
            urgent=True,
            report=cipher.encrypt("साहुले कुट्यो".encode()),
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="-100")
    return database, cipher


async def test_due_notification_is_sent_once_with_the_workers_words(
    opened: tuple[Engine, Fernet],
) -> None:
    database, cipher = opened
    sessions = make_sessions(database)
    sent: list[tuple[int, str]] = []

    async def send(chat: int, text: str) -> None:
        sent.append((chat, text))

    assert await outbox.deliver_due(sessions, cipher, send) == 1
    assert await outbox.deliver_due(sessions, cipher, send) == 0
    assert sent[0][0] == -100
    assert "साहुले कुट्यो" in sent[0][1] and "URGENT" in sent[0][1] and "MY" in sent[0][1]


async def test_failure_is_retried_after_the_wait_telegram_asks_for(
    opened: tuple[Engine, Fernet],
) -> None:
    database, cipher = opened
    sessions = make_sessions(database)

    async def flooded(chat: int, text: str) -> None:
        raise outbox.DeliveryError("telegram flood limit", retry_after=30)

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert await outbox.deliver_due(sessions, cipher, flooded) == 0
    with sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.sent_at is None and row.attempts == 1
        assert row.next_attempt_at >= before + dt.timedelta(seconds=29)
        assert row.last_error == "telegram flood limit"
    assert outbox.due(sessions, cipher) == []


async def test_unrouted_cases_wait_in_the_outbox(database: Engine) -> None:
    upgrade(database)
    cipher = Fernet(Fernet.generate_key())
    sessions = make_sessions(database)
    with sessions.begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="8")
        case = repository.add_case(
            session,
            user=user,
            category="self_harm",
            urgent=True,
            report=cipher.encrypt(b"x"),
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="unrouted")
    assert outbox.due(sessions, cipher) == []
    with sessions() as session:
        assert session.scalars(select(OutboxMessage)).one().sent_at is None
