"""`make nlu-report`: train each candidate pipeline, measure it on the held-out set over HTTP."""

import json
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import aiohttp

from bot.intents import Taxonomy
from bot.nlu import families
from bot.nlu.client import NluClient
from bot.nlu.evaluation import Prediction, Scores, by_language
from bot.nlu.langid import LanguageIdentifier
from bot.nlu.safety import SafetyLexicon
from bot.nlu.service import (
    NluProject,
    RunningServer,
    needs_training,
    port_is_free,
    start_server,
    training_seconds,
)
from bot.nlu.training_data import language_files, read_examples
from bot.nlu.understanding import Understander
from bot.settings import Settings
from bot.text import clean

TOKEN = "report-token"  # noqa: S105 - a throw-away server on loopback


@dataclass(frozen=True)
class Evaluation:
    """What a held-out message meets besides the model: taxonomy, lexicon, language id, settings."""

    taxonomy: Taxonomy
    lexicon: SafetyLexicon
    identifier: LanguageIdentifier
    settings: Settings

    def without_lexicon(self) -> "Evaluation":
        """Return the same evaluation with an empty safety lexicon (the model alone)."""
        return replace(self, lexicon=SafetyLexicon([]))


def heldout(folder: Path) -> list[tuple[str, str, str]]:
    """Return (language label, text, gold intent) for every held-out example."""
    return [
        (code, text, intent)
        for code, path in language_files(folder).items()
        for text, intent in read_examples(path)
    ]


def train_candidate(
    project: NluProject,
    config: Path,
    out: Path,
    *,
    data: Path | None = None,
    name: str | None = None,
) -> tuple[Path, float]:
    """Train one config (on data/nlu, or another data folder) into out; return model and seconds."""
    name = name or config.stem
    started = time.monotonic()
    subprocess.run(
        [
            str(project.rasa_bin),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(data or "data/nlu"),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        cwd=project.folder,
        check=True,
        capture_output=True,
    )
    return out / f"{name}.tar.gz", time.monotonic() - started


def candidate_model(project: NluProject, config: Path, chosen: str) -> tuple[Path, float]:
    """Reuse the up-to-date production model for the chosen config; train the others."""
    recorded = training_seconds(project)
    if config.read_text() == chosen and not needs_training(project) and recorded is not None:
        return project.model_path, recorded
    return train_candidate(project, config, scratch())


def _free_port() -> int:
    """Return a free loopback port."""
    port = 5105
    while not port_is_free("127.0.0.1", port):
        port += 1
    return port


async def predict(
    understander: Understander, examples: list[tuple[str, str, str]]
) -> list[Prediction]:
    """Run each example through the understander, timing each HTTP round trip."""
    predictions = []
    for language, text, gold in examples:
        started = time.perf_counter()
        seen = await understander.understand(clean(text))
        predictions.append(
            Prediction(
                language=language,
                gold=gold,
                predicted=seen.intent,
                escalated=seen.escalate,
                urgent=seen.urgent,
                detected_language=seen.language.language if seen.language else None,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
        )
    return predictions


def serve_model(project: NluProject, model: Path) -> tuple[RunningServer, str]:
    """Start a server for one model file on a free port."""
    url = f"http://127.0.0.1:{_free_port()}"
    return start_server(project, url, TOKEN, 300, model=model), url


async def evaluate_server(
    url: str, evaluation: Evaluation, examples: list[tuple[str, str, str]]
) -> dict[str, Scores]:
    """Score the held-out set against a running server."""
    predictions = await predictions_from_server(url, evaluation, examples)
    return by_language(predictions, evaluation.taxonomy)


async def predictions_from_server(
    url: str, evaluation: Evaluation, examples: list[tuple[str, str, str]]
) -> list[Prediction]:
    """Run the held-out examples through the real Understander against a running server."""
    settings = evaluation.settings
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        understander = Understander(
            NluClient(http, url, TOKEN),
            taxonomy=evaluation.taxonomy,
            lexicon=evaluation.lexicon,
            identifier=evaluation.identifier,
            threshold=settings.nlu_fallback_threshold,
            escalation_weight=settings.nlu_escalation_weight,
            clarify_below=settings.nlu_clarify_threshold,
        )
        return await predict(understander, examples)


def markdown(title: str, table: dict[str, Scores], training_seconds: float | None) -> str:
    """Render one candidate's scores as a markdown table."""
    lines = [f"### {title}", ""]
    if training_seconds is not None:
        lines += [f"Training time: {training_seconds:.0f} s", ""]
    lines += [
        "| language | n | accuracy | macro-F1 | escalation recall | urgent recall | "
        "false escalation | language id | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for language, s in table.items():
        lines.append(
            f"| {language} | {s.count} | {s.accuracy:.3f} | {s.macro_f1:.3f} | "
            f"{s.escalation_recall:.3f} | {s.urgent_recall:.3f} | {s.false_escalation:.3f} | "
            f"{s.language_id:.3f} | {s.p50_ms:.1f} | {s.p95_ms:.1f} |"
        )
    return "\n".join(lines) + "\n"


def write_baseline(path: Path, table: dict[str, Scores]) -> None:
    """Record the chosen pipeline's figures for the regression test."""
    path.write_text(json.dumps({k: asdict(v) for k, v in table.items()}, indent=1) + "\n")


def scratch() -> Path:
    """Return a fresh temporary folder for candidate models."""
    return Path(tempfile.mkdtemp(prefix="saathi-nlu-report-"))


async def run_report(project: NluProject, evaluation: Evaluation, output: Path) -> str:
    """Train and score every candidate in nlu_data/configs; write docs and the baseline."""
    examples = heldout(project.folder / "heldout")
    chosen = (project.folder / "config.yml").read_text()
    sections = [f"Held-out examples: {len(examples)} (nlu_data/heldout, never trained on).\n"]
    for config in sorted((project.folder / "configs").glob("*.yml")):
        model, seconds = candidate_model(project, config, chosen)
        server, url = serve_model(project, model)
        try:
            full = await evaluate_server(url, evaluation, examples)
            bare = await evaluate_server(url, evaluation.without_lexicon(), examples)
        finally:
            server.stop()
        mark = " (chosen: nlu_data/config.yml)" if config.read_text() == chosen else ""
        sections.append(markdown(f"{config.stem}{mark}, model and safety lexicon", full, seconds))
        sections.append(markdown(f"{config.stem}, model alone (no lexicon)", bare, None))
        if mark:
            write_baseline(project.folder / "baseline.json", full)
    sections.append(await family_section(project, evaluation, examples))
    text = "\n".join(sections)
    replace_between_markers(output, text)
    return text


async def family_section(
    project: NluProject, evaluation: Evaluation, examples: list[tuple[str, str, str]]
) -> str:
    """Train the chosen config once per script family and score it, messages routed by script."""
    config, out, seconds = project.folder / "config.yml", scratch(), 0.0
    predictions: list[Prediction] = []
    for family in families.FAMILY_NAMES:
        data = families.family_data(project, family, out / f"data-{family}")
        model, took = train_candidate(project, config, out, data=data, name=f"config-{family}")
        seconds += took
        mine = [e for e in examples if families.family_of_text(e[1]) == family]
        server, url = serve_model(project, model)
        try:
            predictions += await predictions_from_server(url, evaluation, mine)
        finally:
            server.stop()
    title = "config.yml, one model per script family (routed by script), model and safety lexicon"
    return markdown(title, by_language(predictions, evaluation.taxonomy), seconds)


def replace_between_markers(path: Path, text: str) -> None:
    """Put text between the results markers of a markdown file, keeping the rest."""
    start, end = "<!-- results: written by `make nlu-report` -->", "<!-- end of results -->"
    page = path.read_text(encoding="utf-8") if path.exists() else f"{start}\n{end}\n"
    head, _, rest = page.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")
