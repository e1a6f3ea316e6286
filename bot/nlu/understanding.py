"""Putting the model, the safety net and language identification together."""

from dataclasses import dataclass, field

from bot.intents import FALLBACK_INTENT, Taxonomy
from bot.nlu.client import NluClient
from bot.nlu.langid import LanguageGuess, LanguageIdentifier
from bot.nlu.safety import SafetyLexicon
from bot.text import has_words, truncate


@dataclass(frozen=True)
class Understanding:
    """Everything the dialogue engine needs to know about one message."""

    intent: str
    confidence: float
    language: LanguageGuess | None
    escalate: bool
    urgent: bool
    source: str  # "model", "safety_net", "safety_net_only" (model down) or "none"
    alternatives: list[str] = field(default_factory=list)
    nlu_available: bool = True
    confident: bool = True  # below the clarifying threshold the bot asks before answering


class Understander:
    """Classifies messages; escalation never rests on the model alone."""

    def __init__(
        self,
        client: NluClient,
        *,
        taxonomy: Taxonomy,
        lexicon: SafetyLexicon,
        identifier: LanguageIdentifier,
        threshold: float,
        escalation_weight: float = 0.3,
        clarify_below: float = 0.3,
    ) -> None:
        """Keep the parts (thresholds explained in the README's settings table)."""
        self._client = client
        self._taxonomy = taxonomy
        self._lexicon = lexicon
        self._identifier = identifier
        self._threshold = threshold
        self._escalation_weight = escalation_weight
        self._clarify_below = clarify_below

    async def understand(self, text: str, preferred: str | None = None) -> Understanding:
        """Return intent, language and escalation flags for a cleaned message."""
        language = self._identifier.identify(text, preferred)
        if not has_words(text):
            return Understanding(FALLBACK_INTENT, 0.0, language, False, False, "none")
        parse = await self._client.parse(truncate(text))
        intent, confidence, alternatives = FALLBACK_INTENT, 0.0, []
        if parse is not None:
            ranked = [(n, c) for n, c in parse.ranking if self._taxonomy.get(n)]
            alternatives = [n for n, _c in ranked[:3]]
            intent, confidence = self._pick(ranked)
        source = "model" if parse is not None else "none"
        hit = self._lexicon.match(text)
        if hit is not None and self._outranks(hit.intent, intent):
            intent, confidence = hit.intent, 1.0
            source = "safety_net" if parse is not None else "safety_net_only"
        flags = self._taxonomy.get(intent)
        return Understanding(
            intent=intent,
            confidence=round(confidence, 4),
            language=language,
            escalate=bool(flags and flags.escalate),
            urgent=bool(flags and flags.urgent),
            source=source,
            alternatives=alternatives,
            nlu_available=parse is not None,
            confident=confidence >= self._clarify_below,
        )

    def _pick(self, ranked: list[tuple[str, float]]) -> tuple[str, float]:
        """Return the top intent, or the likeliest escalating one when escalation is likely."""
        if not ranked or ranked[0][1] < self._threshold:
            return FALLBACK_INTENT, ranked[0][1] if ranked else 0.0
        escalating = [(n, c) for n, c in ranked if self._is_escalating(n)]
        if escalating and not self._is_escalating(ranked[0][0]):
            weight = sum(c for _n, c in escalating)
            if weight >= self._escalation_weight:
                return escalating[0]
        return ranked[0]

    def _outranks(self, hit: str, predicted: str) -> bool:
        """Tell whether a lexicon hit should replace the model's intent.

        It does when the model would not escalate at all, and when the hit is urgent (danger
        now, self-harm) but the model's escalating intent is not: urgency is never lowered.
        """
        if not self._is_escalating(predicted):
            return True
        return self._is_urgent(hit) and not self._is_urgent(predicted)

    def _is_urgent(self, name: str) -> bool:
        """Tell whether an intent shows emergency contacts first."""
        known = self._taxonomy.get(name)
        return bool(known and known.urgent)

    def _is_escalating(self, name: str) -> bool:
        """Tell whether an intent hands the message to a caseworker."""
        known = self._taxonomy.get(name)
        return bool(known and known.escalate)
