"""The caseworker's side of a case, channel-free: take, relay, note, close, audit, re-announce."""

import datetime as dt

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import (
    AuditEntry,
    Case,
    CaseEvent,
    OutboxMessage,
    UsageCount,
    User,
    utc_now,
)

OUTCOMES = ("resolved", "referred", "no_action_wanted", "unreachable", "duplicate", "other")
ACTIVE = ("open", "taken")


def audit(session: Session, *, case: Case | None, actor: str, action: str) -> None:
    """Write one audit-log entry."""
    session.add(AuditEntry(case_id=case.id if case else None, actor=actor, action=action))


def queue(
    session: Session, *, case: Case, key: str, destination: str, payload: dict[str, object]
) -> None:
    """Add an outbox row (delivered at least once, deduplicated by key)."""
    session.add(
        OutboxMessage(
            case_id=case.id,
            idempotency_key=key,
            destination=destination,
            payload=payload,
            attempts=0,
        )
    )


def case_by_number(session: Session, number: str) -> Case | None:
    """Return the case with this number (any letter case)."""
    return session.scalar(select(Case).where(Case.number == number.strip().upper()))


def open_cases(session: Session) -> list[Case]:
    """Return the cases not yet closed, urgent first, oldest first."""
    return list(
        session.scalars(
            select(Case).where(Case.status.in_(ACTIVE)).order_by(Case.urgent.desc(), Case.id)
        )
    )


def case_of_thread(
    session: Session, *, group: int, thread: int | None, reply_to: int | None
) -> Case | None:
    """Return the active case a caseworker's group message belongs to (topic or reply)."""
    query = select(Case).where(Case.group_chat_id == group, Case.status.in_(ACTIVE))
    if thread is not None:
        found = session.scalar(query.where(Case.thread_id == thread))
        if found is not None:
            return found
    if reply_to is not None:
        return session.scalar(query.where(Case.root_message_id == reply_to))
    return None


def events(session: Session, case: Case) -> list[CaseEvent]:
    """Return a case's events in order."""
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def _to_worker(session: Session, case: Case, key: str, payload: dict[str, object]) -> None:
    """Queue a message for the worker of a case (resolved to their chat at send time)."""
    queue(session, case=case, key=key, destination=f"worker:{case.id}", payload=payload)


def take(session: Session, *, case: Case, actor: str) -> bool:
    """Assign an open case to a caseworker and tell the worker; False if not open."""
    if case.status != "open":
        return False
    case.status, case.taken_by, case.taken_at = "taken", actor, utc_now()
    audit(session, case=case, actor=actor, action="take")
    _to_worker(session, case, f"taken:{case.number}", {"kind": "case_taken", "case": case.number})
    return True


def close(session: Session, *, case: Case, actor: str, outcome: str) -> bool:
    """Close an active case with an outcome and tell the worker; False if not active."""
    if case.status not in ACTIVE or outcome not in OUTCOMES:
        return False
    case.status, case.outcome, case.closed_at = "closed", outcome, utc_now()
    audit(session, case=case, actor=actor, action=f"close:{outcome}")
    _to_worker(session, case, f"closed:{case.number}", {"kind": "case_closed", "case": case.number})
    return True


def add_note(session: Session, *, case: Case, actor: str, text: str, cipher: Fernet) -> None:
    """Add an internal note the worker never sees."""
    session.add(
        CaseEvent(case_id=case.id, author="note", kind="text", body=cipher.encrypt(text.encode()))
    )
    audit(session, case=case, actor=actor, action="note")


def worker_event(
    session: Session,
    *,
    case: Case,
    kind: str,
    text: str,
    cipher: Fernet,
    source_message_id: int | None,
) -> CaseEvent:
    """Attach what the worker sent to their case and queue it for the caseworkers."""
    event = CaseEvent(
        case_id=case.id,
        author="worker",
        kind=kind,
        body=cipher.encrypt(text.encode()),
        source_message_id=source_message_id,
    )
    session.add(event)
    session.flush()
    if case.group_chat_id is not None or case.status in ACTIVE:
        queue(
            session,
            case=case,
            key=f"event:{event.id}",
            destination="case-thread",
            payload={"kind": "to_caseworkers", "case": case.number, "event": event.id},
        )
    return event


def caseworker_event(
    session: Session, *, case: Case, actor: str, text: str, cipher: Fernet
) -> CaseEvent:
    """Record a caseworker's reply and queue it for the worker."""
    event = CaseEvent(
        case_id=case.id, author="caseworker", kind="text", body=cipher.encrypt(text.encode())
    )
    session.add(event)
    session.flush()
    audit(session, case=case, actor=actor, action="reply")
    _to_worker(
        session,
        case,
        f"event:{event.id}",
        {"kind": "to_worker", "case": case.number, "event": event.id},
    )
    return event


def active_case_of(session: Session, user: User) -> Case | None:
    """Return the worker's newest case that is still open or taken."""
    return session.scalar(
        select(Case)
        .where(Case.user_id == user.id, Case.status.in_(ACTIVE))
        .order_by(Case.id.desc())
    )


def latest_case_of(session: Session, user: User) -> Case | None:
    """Return the worker's newest shared case, whatever its status."""
    return session.scalar(
        select(Case)
        .where(Case.user_id == user.id, Case.status.in_((*ACTIVE, "closed")))
        .order_by(Case.id.desc())
    )


def reannounce_due(session: Session, *, minutes: float) -> int:
    """Queue a new announcement for urgent cases nobody took within `minutes`."""
    cutoff = utc_now() - dt.timedelta(minutes=minutes)
    stale = session.scalars(
        select(Case).where(
            Case.status == "open",
            Case.urgent.is_(True),
            Case.announced_at.is_not(None),
            Case.announced_at <= cutoff,
        )
    )
    count = 0
    for case in stale:
        case.announcements += 1
        case.announced_at = utc_now()
        queue(
            session,
            case=case,
            key=f"reannounce:{case.number}:{case.announcements}",
            destination="case-thread",
            payload={"kind": "reannounce", "case": case.number},
        )
        count += 1
    return count


def count_usage(
    session: Session, *, kind: str, name: str, language: str, country: str | None
) -> None:
    """Add one to this month's anonymous count (a savepoint absorbs a concurrent insert)."""
    month = utc_now().strftime("%Y-%m")
    key = {
        "month": month,
        "kind": kind,
        "name": name,
        "language": language,
        "country": country or "--",
    }
    row = session.scalar(select(UsageCount).filter_by(**key))
    if row is not None:
        row.count += 1
        return
    try:
        with session.begin_nested():
            session.add(UsageCount(**key, count=1))
    except IntegrityError:
        row = session.scalar(select(UsageCount).filter_by(**key))
        if row is not None:
            row.count += 1


def monthly_report(session: Session, *, month: str, minimum: int = 5) -> dict[str, dict[str, int]]:
    """Return counts by topic, abuse category, country and language, hiding counts below 5."""
    rows = session.scalars(select(UsageCount).where(UsageCount.month == month)).all()
    tables: dict[str, dict[str, int]] = {"topic": {}, "abuse": {}, "country": {}, "language": {}}
    for row in rows:
        tables[row.kind][row.name] = tables[row.kind].get(row.name, 0) + row.count
        tables["country"][row.country] = tables["country"].get(row.country, 0) + row.count
        tables["language"][row.language] = tables["language"].get(row.language, 0) + row.count
    return {
        name: {k: v for k, v in sorted(table.items()) if v >= minimum}
        for name, table in tables.items()
    }
