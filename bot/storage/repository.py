"""Storage functions: each takes the session; the caller commits once per use case."""

import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import Case, OutboxMessage, User, utc_now

_CASE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def find_user(session: Session, *, channel: str, external_id: str) -> User | None:
    """Return the user of a channel identity, or None when there is no such row."""
    return session.scalar(
        select(User).where(User.channel == channel, User.external_id == external_id)
    )


def get_or_create_user(session: Session, *, channel: str, external_id: str) -> User:
    """Return the user of a channel identity, creating the row the first time."""
    user = find_user(session, channel=channel, external_id=external_id)
    if user is None:
        user = User(channel=channel, external_id=external_id, state="new", state_data={})
        session.add(user)
        session.flush()
    return user


def set_state(user: User, state: str, **data: object) -> None:
    """Set the conversation state and its data."""
    user.state, user.state_data = state, dict(data)


def new_case_number() -> str:
    """Return a fresh pseudonymous case number, e.g. SA-7K3F9Q."""
    return "SA-" + "".join(secrets.choice(_CASE_ALPHABET) for _ in range(6))


def add_case(
    session: Session, *, user: User, category: str, urgent: bool, report: bytes, status: str
) -> Case:
    """Add a case for the user with its encrypted report."""
    case = Case(
        number=new_case_number(),
        user_id=user.id,
        category=category,
        urgent=urgent,
        language=user.language,
        country_of_work=user.country,
        country_of_origin=user.origin,
        status=status,
        report=report,
    )
    session.add(case)
    session.flush()
    return case


def open_case(
    session: Session, *, case: Case, destination: str, also: tuple[str, ...] = ()
) -> OutboxMessage:
    """Mark a case open and queue its notification: the handling group, then any others."""
    case.status = "open"
    case.consented_at = utc_now()
    message = OutboxMessage(
        case_id=case.id,
        idempotency_key=f"case-opened:{case.number}",
        destination=destination,
        payload={"kind": "case_opened", "case": case.number},
        attempts=0,
    )
    session.add(message)
    for other in also:
        session.add(
            OutboxMessage(
                case_id=case.id,
                idempotency_key=f"case-opened:{case.number}:{other}",
                destination=other,
                payload={"kind": "case_copy", "case": case.number},
                attempts=0,
            )
        )
    return message


def find_case(session: Session, *, case_id: int) -> Case | None:
    """Return a case by its row id."""
    return session.get(Case, case_id)


def erase_user(session: Session, *, user: User) -> None:
    """Delete a user and their unshared reports; shared cases stay, no longer linked."""
    session.execute(delete(Case).where(Case.user_id == user.id, Case.status == "awaiting_consent"))
    session.delete(user)
