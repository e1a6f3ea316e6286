"""Language identification: script first, then a character n-gram classifier."""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.training_data import language_files, read_examples

LANGUAGES = ("en", "ne", "bn", "id", "ms", "tl", "km", "my", "ur", "hi", "si", "vi")
RTL_LANGUAGES = frozenset({"ur"})
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0980, 0x09FF, "bengali"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x1780, 0x17FF, "khmer"),
    (0x19E0, 0x19FF, "khmer"),
    (0x1000, 0x109F, "myanmar"),
    (0xAA60, 0xAA7F, "myanmar"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x0900, 0x097F, "devanagari"),
    (0x0041, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),
)
_SCRIPT_LANGUAGE = {
    "bengali": "bn",
    "arabic": "ur",
    "khmer": "km",
    "myanmar": "my",
    "sinhala": "si",
}
# Romanized Hindi and Urdu are one spoken language in the same letters: a classifier of their
# own, trained on those two files only, tells them apart better (0.84 and 0.82 on held-out,
# against 0.67 and 0.89 when they compete with every other Latin-script label).
CLOSE_LABELS = ("hi-latn", "ur-latn")
_VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language: ISO 639-1 code, whether typed in Latin letters, and confidence."""

    language: str
    romanized: bool
    confidence: float


def script_of(text: str) -> str | None:
    """Return the script most letters of text are written in, or None without letters."""
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha() and not 0x0900 <= ord(char) <= 0x0DFF:
            continue
        code = ord(char)
        for low, high, script in _SCRIPT_RANGES:
            if low <= code <= high:
                counts[script] += 1
                break
    return counts.most_common(1)[0][0] if counts else None


def _features(text: str) -> list[str]:
    """Return the character 1-4 grams (with word edges) and words of text."""
    words = text.lower().split()
    feats = [f"w:{w}" for w in words]
    for word in words:
        padded = f" {word} "
        for size in (1, 2, 3, 4):
            feats.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return feats


class NgramClassifier:
    """Multinomial naive Bayes over character n-grams, one class per language label."""

    def __init__(self, samples: Iterable[tuple[str, str]]) -> None:
        """Count n-grams per label from (text, label) samples."""
        self._counts: dict[str, Counter[str]] = {}
        for text, label in samples:
            self._counts.setdefault(label, Counter()).update(_features(text))
        vocabulary = len({f for c in self._counts.values() for f in c})
        totals = {label: sum(c.values()) + vocabulary for label, c in self._counts.items()}
        # Log-probabilities with add-one smoothing, computed once: scoring is then lookups.
        self._logp = {
            label: {f: math.log((n + 1) / totals[label]) for f, n in counts.items()}
            for label, counts in self._counts.items()
        }
        self._unseen = {label: math.log(1 / total) for label, total in totals.items()}

    @property
    def labels(self) -> list[str]:
        """Return the labels the classifier knows."""
        return sorted(self._counts)

    def scores(self, text: str, labels: Iterable[str]) -> dict[str, float]:
        """Return a probability per label for text, among the given labels."""
        feats = _features(text)
        logs: dict[str, float] = {}
        for label in labels:
            logp, unseen = self._logp[label], self._unseen[label]
            logs[label] = sum(logp.get(f, unseen) for f in feats)
        top = max(logs.values())
        exp = {label: math.exp(value - top) for label, value in logs.items()}
        norm = sum(exp.values())
        return {label: value / norm for label, value in exp.items()}


class LanguageIdentifier:
    """Decides a message's language from its script, the user's choice and n-gram statistics."""

    def __init__(self, classifier: NgramClassifier, close: NgramClassifier | None = None) -> None:
        """Wrap a classifier of labels such as 'ne' and 'ne-latn', and one for CLOSE_LABELS."""
        self._classifier = classifier
        self._close = close

    def identify(self, text: str, preferred: str | None = None) -> LanguageGuess | None:
        """Return the language of text; `preferred` (the user's choice) wins when unsure."""
        script = script_of(text)
        if script is None:
            return None
        if script in _SCRIPT_LANGUAGE:
            return LanguageGuess(_SCRIPT_LANGUAGE[script], romanized=False, confidence=1.0)
        if script == "latin" and _VIETNAMESE_LETTERS & set(text.lower()):
            return LanguageGuess("vi", romanized=False, confidence=1.0)
        return self._by_statistics(text, script, preferred)

    def _by_statistics(self, text: str, script: str, preferred: str | None) -> LanguageGuess:
        """Pick among the labels written in `script` with the n-gram classifier."""
        labels = self._labels_for(script)
        if not labels:
            return LanguageGuess(preferred or "en", romanized=script == "latin", confidence=0.0)
        scores = self._classifier.scores(text, labels)
        label, confidence = max(scores.items(), key=lambda item: item[1])
        if label in CLOSE_LABELS and self._close is not None:
            pair = self._close.scores(text, CLOSE_LABELS)
            label, confidence = max(pair.items(), key=lambda item: item[1])
        language = label.split("-")[0]
        short = len(text.split()) <= 2
        if preferred and (confidence < 0.8 or short):
            for candidate in labels:
                if candidate.split("-")[0] == preferred:
                    return LanguageGuess(preferred, "-latn" in candidate, scores[candidate])
        return LanguageGuess(language, label.endswith("-latn"), confidence)

    def _labels_for(self, script: str) -> list[str]:
        """Return the classifier labels that are written in the given script."""
        if script == "devanagari":
            return [lb for lb in self._classifier.labels if lb in ("ne", "hi")]
        latin_native = {"en", "id", "ms", "tl", "vi"}
        return [lb for lb in self._classifier.labels if lb in latin_native or lb.endswith("-latn")]


def evenly_spaced(items: list[str], count: int) -> list[str]:
    """Return `count` items spread evenly over the list (all of them when it is shorter)."""
    if len(items) <= count:
        return items
    return [items[int(i * len(items) / count)] for i in range(count)]


def build_identifier(training_folder: Path) -> LanguageIdentifier:
    """Train the language identifier on the NLU files, one label per file, files equally weighted.

    Naive Bayes favours the label with more text: when the Roman Urdu file grew by a third,
    only 28 % of romanized Hindi held-out messages were still read as Hindi. Each file gives
    as many examples as the smallest one, spread over all its intents.
    """
    texts = {
        code: [text for text, _intent in read_examples(path)]
        for code, path in language_files(training_folder).items()
    }
    size = min(len(t) for t in texts.values())
    samples = [(text, code) for code, t in texts.items() for text in evenly_spaced(t, size)]
    close = [(text, code) for text, code in samples if code in CLOSE_LABELS]
    pair = NgramClassifier(close) if {c for _t, c in close} == set(CLOSE_LABELS) else None
    return LanguageIdentifier(NgramClassifier(samples), pair)
