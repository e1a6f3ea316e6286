"""The terminal chat: a person (or a pipe) talks to the engine, one line per message."""

import json
import uuid
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from bot.engine.dialogue import DialogueEngine
from bot.engine.types import Button, Message, Outcome, Reply
from bot.nlu.understanding import Understander
from bot.text import clean

CHANNEL = "terminal"


def read_lines(stream: BinaryIO) -> Iterator[str | None]:
    """Yield each input line decoded, or None for a line that is not valid UTF-8."""
    for raw in stream:
        try:
            yield raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield None


def _flat(replies: list[Reply]) -> list[Button]:
    """Return the buttons of the last reply that has any, in reading order."""
    for reply in reversed(replies):
        if reply.buttons:
            return [b for row in reply.buttons for b in row]
    return []


def to_message(line: str, user_id: str, buttons: list[Button]) -> Message:
    """Turn a typed line into a Message: a number picks a button, /word is a command."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Message(CHANNEL, user_id, button=buttons[int(stripped) - 1].payload)
    if stripped.startswith("/") and stripped[1:].replace("_", "").isalpha():
        return Message(CHANNEL, user_id, command=stripped[1:].lower())
    return Message(CHANNEL, user_id, text=line)


def show(outcome: Outcome, out: TextIO) -> None:
    """Print replies for a person, numbering the buttons."""
    number = 0
    for reply in outcome.replies:
        out.write(reply.text + "\n")
        for row in reply.buttons:
            for button in row:
                number += 1
                out.write(f"  [{number}] {button.label}\n")
        out.write("\n")
    out.flush()


def as_json(line: str, outcome: Outcome) -> str:
    """Return the machine-readable record of one input line."""
    seen = outcome.understanding
    return json.dumps(
        {
            "input": line,
            "language": outcome.language,
            "intent": seen.intent if seen else None,
            "escalate": bool(seen and seen.escalate),
            "urgent": bool(seen and seen.urgent),
            "replies": [
                {"text": r.text, "buttons": [b.label for row in r.buttons for b in row]}
                for r in outcome.replies
            ],
        },
        ensure_ascii=False,
    )


async def run_chat(
    engine: DialogueEngine,
    stdin: BinaryIO,
    out: TextIO,
    *,
    language: str | None,
    country: str | None,
    jsonl: bool,
) -> None:
    """Run a conversation until end of input."""
    user = f"chat-{uuid.uuid4().hex[:12]}"
    if language:
        await engine.handle(Message(CHANNEL, user, button=f"lang:{language}"))
    if country:
        await engine.handle(Message(CHANNEL, user, button=f"country:{country}"))
    buttons: list[Button] = []
    if not (language and country):
        opening = await engine.handle(Message(CHANNEL, user, command="start"))
        buttons = _flat(opening.replies)
        if not jsonl:
            show(opening, out)
    interactive = stdin.isatty() and not jsonl
    if interactive:
        out.write("> ")
        out.flush()
    for line in read_lines(stdin):
        outcome = await _answer(engine, line, user, buttons)
        buttons = _flat(outcome.replies) or buttons
        if jsonl:
            out.write(as_json(line if line is not None else "", outcome) + "\n")
            out.flush()
        else:
            show(outcome, out)
        if interactive:
            out.write("> ")
            out.flush()


async def _answer(
    engine: DialogueEngine, line: str | None, user: str, buttons: list[Button]
) -> Outcome:
    """Answer one line; a line that could not be decoded gets a clear message."""
    if line is None:
        t = engine.parts.catalogs.texts(None)
        return Outcome(
            [Reply(t.pgettext("error", "I could not read that message. Please type it again."))],
            t.language,
        )
    return await engine.handle(to_message(line, user, buttons))


async def run_classify(understander: Understander, stdin: BinaryIO, out: TextIO) -> None:
    """Classify one message per input line, one JSON object per output line."""
    for line in read_lines(stdin):
        if line is None:
            out.write(json.dumps({"text": None, "error": "input line is not valid UTF-8"}) + "\n")
            continue
        seen = await understander.understand(clean(line))
        out.write(
            json.dumps(
                {
                    "text": line,
                    "language": seen.language.language if seen.language else None,
                    "romanized": bool(seen.language and seen.language.romanized),
                    "intent": seen.intent,
                    "confidence": seen.confidence,
                    "escalate": seen.escalate,
                    "urgent": seen.urgent,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        out.flush()
