"""What flows in and out of the dialogue engine."""

from dataclasses import dataclass, field

from bot.nlu.understanding import Understanding


@dataclass(frozen=True)
class Button:
    """A choice offered to the worker: what it says and what pressing it sends back."""

    label: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message from the bot, with rows of buttons."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)


@dataclass(frozen=True)
class Message:
    """One thing a worker did: typed text, pressed a button, or sent a command."""

    channel: str
    user_id: str
    text: str = ""
    button: str | None = None
    command: str | None = None
    language_hint: str | None = None
    attachment: str | None = (
        None  # voice, photo, document: kept for a caseworker when a case is open
    )
    source_message_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    """The engine's answer to a Message, and what it understood."""

    replies: list[Reply]
    language: str
    understanding: Understanding | None = None
    case_number: str | None = None
    delete_messages: list[int] = field(default_factory=list)
