"""Outbox delivery: delivered once, retried with back-off, Telegram's retry_after honoured."""

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from bot import outbox
from bot.storage import repository
from bot.storage.db import make_sessions, upgrade
from bot.storage.models import OutboxMessage


@pytest.fixture
def opened(database: Engine) -> Engine:
    upgrade(database)
    with make_sessions(database).begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="7")
        case = repository.add_case(
            session,
            user=user,
            category="report_physical_abuse",
            urgent=True,
            report=b"x",
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="-100")
    return database


async def test_due_row_is_delivered_once(opened: Engine) -> None:
    sessions = make_sessions(opened)
    seen: list[outbox.DueItem] = []

    async def deliver(item: outbox.DueItem) -> None:
        seen.append(item)

    assert await outbox.deliver_due(sessions, deliver) == 1
    assert await outbox.deliver_due(sessions, deliver) == 0
    assert seen[0].destination == "-100"
    assert seen[0].payload["kind"] == "case_opened"


async def test_failure_is_retried_after_the_wait_telegram_asks_for(opened: Engine) -> None:
    sessions = make_sessions(opened)

    async def flooded(item: outbox.DueItem) -> None:
        raise outbox.DeliveryError("telegram flood limit", retry_after=30)

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert await outbox.deliver_due(sessions, flooded) == 0
    with sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.sent_at is None and row.attempts == 1
        assert row.next_attempt_at >= before + dt.timedelta(seconds=29)
        assert row.last_error == "telegram flood limit"
    assert outbox.due(sessions) == []


async def test_back_off_grows_without_retry_after(opened: Engine) -> None:
    sessions = make_sessions(opened)

    async def broken(item: outbox.DueItem) -> None:
        raise outbox.DeliveryError("BadGateway")

    waits = []
    for attempt in (1, 2, 3):
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        await outbox.deliver_due(sessions, broken)
        with sessions.begin() as session:
            row = session.scalars(select(OutboxMessage)).one()
            assert row.attempts == attempt
            waits.append((row.next_attempt_at - started).total_seconds())
            row.next_attempt_at = dt.datetime(2000, 1, 1)
    assert [round(w) for w in waits] == [2, 4, 8]


async def test_unrouted_cases_wait_in_the_outbox(database: Engine) -> None:
    upgrade(database)
    sessions = make_sessions(database)
    with sessions.begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="8")
        case = repository.add_case(
            session,
            user=user,
            category="self_harm",
            urgent=True,
            report=b"x",
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="unrouted")
    assert outbox.due(sessions) == []
    with sessions() as session:
        assert session.scalars(select(OutboxMessage)).one().sent_at is None
