"""The production model: held-out figures hold (docs/nlu.md), and accents do not change a parse."""

import json

import aiohttp
import pytest

from bot.intents import load_taxonomy
from bot.nlu import report
from bot.nlu.client import NluClient
from bot.nlu.langid import build_identifier
from bot.nlu.safety import load_lexicon
from bot.paths import project_root
from bot.settings import Settings
from tests.conftest import TOKEN

NLU = project_root() / "nlu_data"
TOLERANCE = 0.005  # rounding only: training is seeded, so the figures repeat


@pytest.mark.integration
async def test_heldout_figures_hold(nlu_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "TOKEN", TOKEN)
    baseline = json.loads((NLU / "baseline.json").read_text())
    evaluation = report.Evaluation(
        taxonomy=load_taxonomy(NLU / "intents.yaml"),
        lexicon=load_lexicon(NLU / "safety_lexicon"),
        identifier=build_identifier(NLU / "data" / "nlu"),
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
    )
    table = await report.evaluate_server(nlu_url, evaluation, report.heldout(NLU / "heldout"))
    for language, recorded in baseline.items():
        scores = table[language]
        assert scores.accuracy >= recorded["accuracy"] - TOLERANCE, language
        assert scores.escalation_recall >= recorded["escalation_recall"] - TOLERANCE, language
        assert scores.urgent_recall >= recorded["urgent_recall"] - TOLERANCE, language
        assert scores.false_escalation <= recorded["false_escalation"] + TOLERANCE, language
        assert scores.language_id >= recorded["language_id"] - TOLERANCE, language


@pytest.mark.integration
async def test_vietnamese_is_read_alike_with_and_without_diacritics(nlu_url: str) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        client = NluClient(http, nlu_url, TOKEN)
        marked = await client.parse("chủ giữ hộ chiếu của em không trả lại")
        plain = await client.parse("chu giu ho chieu cua em khong tra lai")
    assert marked is not None
    assert plain is not None
    assert marked.ranking == plain.ranking
    assert marked.ranking[0][0] == "passport_retention"
