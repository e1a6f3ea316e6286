"""The ids kept for /clear, on SQLite and on the real PostgreSQL server."""

import datetime as dt
import json

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import repository
from bot.storage.db import MIGRATIONS, make_engine, make_sessions, upgrade
from bot.storage.models import SentMessage, User
from bot.storage.sent_log import SentLog


@pytest.fixture
def sessions(database: Engine) -> sessionmaker[Session]:
    upgrade(database)
    return make_sessions(database)


def user_named(sessions: sessionmaker[Session], external_id: str) -> User:
    with sessions.begin() as session:
        return repository.get_or_create_user(session, channel="telegram", external_id=external_id)


def take(sessions: sessionmaker[Session], log: SentLog, user: User) -> list[int]:
    with sessions.begin() as session:
        return log.take(session, user)


def rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SentMessage)) or 0


def test_clear_gets_written_and_pending_ids_in_order_and_only_the_users(
    sessions: sessionmaker[Session],
) -> None:
    log = SentLog(sessions)
    ana, ben = user_named(sessions, "1"), user_named(sessions, "2")
    log.add("telegram", "1", [10, 11])
    log.add("telegram", "2", [50])
    assert log.flush() == 3
    log.add("telegram", "1", [12])  # sent, not yet written
    assert take(sessions, log, ana) == [10, 11, 12]
    assert log.flush() == 1
    assert take(sessions, log, ana) == [12]  # the pending one was written after the first /clear
    assert take(sessions, log, ana) == []
    assert take(sessions, log, ben) == [50]


def test_clear_deletes_at_most_the_newest_hundred(sessions: sessionmaker[Session]) -> None:
    log = SentLog(sessions)
    ana = user_named(sessions, "1")
    log.add("telegram", "1", list(range(1, 151)))
    log.flush()
    assert take(sessions, log, ana) == list(range(51, 151))
    assert rows(sessions) == 0


def test_ids_of_an_erased_worker_are_dropped_and_no_row_comes_back(
    sessions: sessionmaker[Session],
) -> None:
    log = SentLog(sessions)
    user_named(sessions, "9")
    log.add("telegram", "9", [7])
    log.flush()
    log.add("telegram", "9", [8])  # the confirmation of /delete_my_data
    with sessions.begin() as session:
        erased = repository.find_user(session, channel="telegram", external_id="9")
        assert erased is not None
        repository.erase_user(session, user=erased)
    assert log.flush() == 1
    with sessions() as session:
        assert session.scalars(select(User)).all() == []
    assert rows(sessions) == 0  # the written id went with the user


def test_messages_too_old_for_telegram_to_delete_are_pruned(
    sessions: sessionmaker[Session],
) -> None:
    log = SentLog(sessions, prune_every=0.0)
    ana = user_named(sessions, "1")
    log.add("telegram", "1", [1, 2])
    log.flush()
    with sessions.begin() as session:
        old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=49)
        session.execute(update(SentMessage).where(SentMessage.message_id == 1).values(sent_at=old))
    log.add("telegram", "1", [3])
    log.flush()
    assert rows(sessions) == 2
    assert take(sessions, log, ana) == [2, 3]


def test_ids_wait_in_memory_while_the_database_is_down(sessions: sessionmaker[Session]) -> None:
    down = make_engine("sqlite:////nonexistent-folder/saathi.db")
    log = SentLog(make_sessions(down))
    ana = user_named(sessions, "1")
    log.add("telegram", "1", [5])
    with pytest.raises(OperationalError):
        log.flush()
    assert take(sessions, log, ana) == [5]  # still pending, not lost
    down.dispose()


def test_migration_moves_the_ids_kept_in_the_users_state(database: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            text(
                "INSERT INTO users (channel, external_id, state, state_data) "
                "VALUES ('telegram', '1', 'ready', :data)"
            ),
            {"data": json.dumps({"sent": [4, 5], "case_id": 3})},
        )
    upgrade(database)
    sessions = make_sessions(database)
    ana = user_named(sessions, "1")
    assert ana.state_data == {"case_id": 3}
    assert take(sessions, SentLog(sessions), ana) == [4, 5]
