"""Casework rules on both databases: take once, close with an outcome, re-announce, report."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from bot import casework
from bot.storage import repository
from bot.storage.db import make_sessions, upgrade
from bot.storage.models import AuditEntry, Case, OutboxMessage, utc_now


@pytest.fixture
def opened(database: Engine) -> Engine:
    upgrade(database)
    with make_sessions(database).begin() as session:
        user = repository.get_or_create_user(session, channel="t", external_id="1")
        case = repository.add_case(
            session,
            user=user,
            category="self_harm",
            urgent=True,
            report=b"x",
            status="awaiting_consent",
        )
        repository.open_case(session, case=case, destination="-100")
        case.announced_at = utc_now() - dt.timedelta(minutes=20)
    return database


def test_a_case_is_taken_once_and_closed_with_a_known_outcome(opened: Engine) -> None:
    sessions = make_sessions(opened)
    with sessions.begin() as session:
        case = session.scalars(select(Case)).one()
        assert casework.take(session, case=case, actor="tg:1")
        assert not casework.take(session, case=case, actor="tg:2")
        assert not casework.close(session, case=case, actor="tg:1", outcome="because")
        assert casework.close(session, case=case, actor="tg:1", outcome="resolved")
    with sessions() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["take", "close:resolved"]
        kinds = sorted(m.payload["kind"] for m in session.scalars(select(OutboxMessage)))
        assert kinds == ["case_closed", "case_opened", "case_taken"]


def test_unclaimed_urgent_cases_are_announced_again(opened: Engine) -> None:
    sessions = make_sessions(opened)
    with sessions.begin() as session:
        assert casework.reannounce_due(session, minutes=15) == 1
        assert casework.reannounce_due(session, minutes=15) == 0  # just announced
    with sessions.begin() as session:
        case = session.scalars(select(Case)).one()
        casework.take(session, case=case, actor="tg:1")
        case.announced_at = utc_now() - dt.timedelta(hours=1)
    with sessions.begin() as session:
        assert casework.reannounce_due(session, minutes=15) == 0  # taken cases are not


def test_notes_are_encrypted_and_never_queued_for_the_worker(opened: Engine) -> None:
    sessions = make_sessions(opened)
    cipher = Fernet(Fernet.generate_key())
    with sessions.begin() as session:
        case = session.scalars(select(Case)).one()
        casework.add_note(
            session, case=case, actor="tg:1", text="called the shelter", cipher=cipher
        )
    with sessions() as session:
        [event] = casework.events(session, session.scalars(select(Case)).one())
        assert b"shelter" not in event.body
        assert cipher.decrypt(event.body) == b"called the shelter"
        assert all(
            m.payload["kind"] == "case_opened" for m in session.scalars(select(OutboxMessage))
        )


def test_monthly_report_hides_counts_below_five(database: Engine) -> None:
    upgrade(database)
    sessions = make_sessions(database)
    with sessions.begin() as session:
        for _ in range(6):
            casework.count_usage(
                session, kind="topic", name="rest_day", language="ne", country="MY"
            )
        for _ in range(2):
            casework.count_usage(
                session, kind="abuse", name="self_harm", language="bn", country="SA"
            )
    with sessions() as session:
        report = casework.monthly_report(session, month=utc_now().strftime("%Y-%m"))
    assert report == {
        "topic": {"rest_day": 6},
        "abuse": {},
        "country": {"MY": 6},
        "language": {"ne": 6},
    }
