"""The safety net: phrases that escalate a message even when the model misses it."""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

# Checked in this order: the most urgent category wins when several match.
CATEGORIES = (
    "self_harm",
    "report_emergency",
    "report_sexual_abuse",
    "report_physical_abuse",
    "report_forced_labour",
)


class LexiconError(ValueError):
    """A lexicon file is malformed."""


@dataclass(frozen=True)
class SafetyMatch:
    """A lexicon hit: the escalating intent it stands for and the language file it came from."""

    intent: str
    language: str


@dataclass(frozen=True)
class Phrase:
    """One lexicon phrase: its category, language file, lower-cased text and compiled pattern."""

    intent: str
    language: str
    text: str
    pattern: re.Pattern[str]


# Invisible characters phones insert or leave out: zero-width space (Khmer and Burmese
# keyboards put it between words), zero-width non-joiner and joiner (Sinhala "ක්‍ර" is typed
# both with and without it), and the byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


def normalize(text: str) -> str:
    """Return text as the lexicon compares it: composed (NFC), lower-case, no invisible
    characters, single spaces."""
    composed = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(composed.lower().split())


def _pattern(phrase: str) -> re.Pattern[str]:
    """Compile a phrase: at word boundaries when it is ASCII, as a plain substring otherwise."""
    escaped = re.escape(phrase.lower())
    if phrase.isascii():
        return re.compile(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile(escaped)


class SafetyLexicon:
    """Per-language lists of unmistakable abuse and danger phrases."""

    def __init__(self, phrases: list[Phrase]) -> None:
        """Keep the phrases, most urgent category first."""
        self._phrases = sorted(phrases, key=lambda p: CATEGORIES.index(p.intent))

    def __len__(self) -> int:
        """Return the number of phrases."""
        return len(self._phrases)

    def match(self, text: str) -> SafetyMatch | None:
        """Return the most urgent category whose phrase occurs in text, or None."""
        lowered = normalize(text)
        for phrase in self._phrases:
            # The substring test is cheap, and the pattern cannot match without it.
            if phrase.text in lowered and phrase.pattern.search(lowered):
                return SafetyMatch(phrase.intent, phrase.language)
        return None


def load_lexicon(folder: Path) -> SafetyLexicon:
    """Read every <language>.yml lexicon file of a folder."""
    entries: list[Phrase] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        phrases = data.get("phrases")
        if not isinstance(phrases, dict):
            raise LexiconError(f"{path}: field 'phrases' must be a mapping")
        for intent, items in phrases.items():
            if intent not in CATEGORIES:
                raise LexiconError(f"{path}: unknown category {intent!r} in 'phrases'")
            for item in items or []:
                if text := normalize(str(item)):
                    entries.append(Phrase(intent, path.stem, text, _pattern(text)))
    return SafetyLexicon(entries)
