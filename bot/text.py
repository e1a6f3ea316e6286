"""Cleaning what a worker typed before anything reads it."""

import unicodedata

MAX_MESSAGE_CHARS = 2000
_INVISIBLE = {"\u200b", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"}
_JOINERS = {"\u200c", "\u200d"}  # needed inside Indic, Sinhala and Persian-script words


def clean(text: str) -> str:
    """Return text in NFC with control and invisible characters removed and spaces folded."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        if char in _INVISIBLE:
            continue
        if char in _JOINERS:
            kept.append(char)
            continue
        category = unicodedata.category(char)
        if category.startswith("C") and char not in "\n\t":
            continue
        kept.append(" " if char in "\n\t" else char)
    return " ".join("".join(kept).split())


def has_words(text: str) -> bool:
    """Tell whether text holds at least one letter or digit (not only emoji or marks)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Return at most `limit` characters, cut at a space where one is near the end."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 200, limit)
    return text[: cut if cut > 0 else limit]
