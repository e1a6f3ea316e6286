"""Metrics for the held-out set: accuracy, macro-F1, escalation and urgent recall, latency."""

from collections import defaultdict
from dataclasses import dataclass

from bot.intents import Taxonomy


@dataclass(frozen=True)
class Prediction:
    """One held-out example and what the system said."""

    language: str  # the file's label, e.g. ne or ne-latn
    gold: str
    predicted: str
    escalated: bool
    urgent: bool
    detected_language: str | None
    latency_ms: float


@dataclass(frozen=True)
class Scores:
    """The figures reported per language and overall."""

    count: int
    accuracy: float
    macro_f1: float
    escalation_recall: float
    urgent_recall: float
    false_escalation: float
    language_id: float
    p50_ms: float
    p95_ms: float


def _f1(golds: list[str], preds: list[str]) -> float:
    """Return the macro-F1 over the gold labels present."""
    labels = sorted(set(golds))
    total = 0.0
    for label in labels:
        tp = sum(g == p == label for g, p in zip(golds, preds, strict=True))
        fp = sum(p == label and g != label for g, p in zip(golds, preds, strict=True))
        fn = sum(g == label and p != label for g, p in zip(golds, preds, strict=True))
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(labels) if labels else 0.0


def _percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _ratio(hits: int, total: int) -> float:
    """Return hits/total, or 1.0 when there is nothing to count."""
    return hits / total if total else 1.0


def score(predictions: list[Prediction], taxonomy: Taxonomy) -> Scores:
    """Compute every figure for a list of predictions."""
    escalating = {n for n, i in taxonomy.intents.items() if i.escalate}
    urgent = {n for n, i in taxonomy.intents.items() if i.urgent}
    should = [p for p in predictions if p.gold in escalating]
    must = [p for p in predictions if p.gold in urgent]
    calm = [p for p in predictions if p.gold not in escalating]
    latencies = [p.latency_ms for p in predictions]
    return Scores(
        count=len(predictions),
        accuracy=_ratio(sum(p.gold == p.predicted for p in predictions), len(predictions)),
        macro_f1=_f1([p.gold for p in predictions], [p.predicted for p in predictions]),
        escalation_recall=_ratio(sum(p.escalated for p in should), len(should)),
        urgent_recall=_ratio(sum(p.urgent for p in must), len(must)),
        false_escalation=_ratio(sum(p.escalated for p in calm), len(calm)) if calm else 0.0,
        language_id=_ratio(
            sum(p.detected_language == p.language.split("-")[0] for p in predictions),
            len(predictions),
        ),
        p50_ms=_percentile(latencies, 0.5),
        p95_ms=_percentile(latencies, 0.95),
    )


def by_language(predictions: list[Prediction], taxonomy: Taxonomy) -> dict[str, Scores]:
    """Return the scores of each language label and of all together ('all')."""
    groups: dict[str, list[Prediction]] = defaultdict(list)
    for prediction in predictions:
        groups[prediction.language].append(prediction)
    table = {language: score(items, taxonomy) for language, items in sorted(groups.items())}
    table["all"] = score(predictions, taxonomy)
    return table
