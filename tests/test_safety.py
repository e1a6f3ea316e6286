"""The safety lexicon: word boundaries for Latin script, substrings otherwise, priorities,
and how a hit combines with the model's intent (with Rasa's answer fixed, to test the rule)."""

import contextlib
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.intents import load_taxonomy
from bot.nlu.client import NluClient
from bot.nlu.langid import build_identifier
from bot.nlu.safety import LexiconError, load_lexicon
from bot.nlu.understanding import Understander, Understanding
from bot.paths import project_root


def write(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(body, encoding="utf-8")


def test_latin_phrases_match_at_word_boundaries_only(tmp_path: Path) -> None:
    write(tmp_path, "en.yml", "phrases:\n  report_physical_abuse: [beat me]\n  self_harm: []\n")
    lexicon = load_lexicon(tmp_path)
    assert lexicon.match("madam beat me yesterday") is not None
    assert lexicon.match("MADAM   BEAT   ME") is not None
    assert lexicon.match("they beat meat with a hammer") is None


def test_most_urgent_category_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "en.yml",
        "phrases:\n  report_physical_abuse: [beat me]\n  self_harm: [kill myself]\n",
    )
    hit = load_lexicon(tmp_path).match("he beat me and i want to kill myself")
    assert hit is not None and hit.intent == "self_harm"


def test_other_scripts_match_as_substrings(tmp_path: Path) -> None:
    write(tmp_path, "ne.yml", "phrases:\n  report_physical_abuse: [कुट्छ]\n")
    hit = load_lexicon(tmp_path).match("साहुनीले मलाई कुट्छिन्")
    assert hit is not None and hit.intent == "report_physical_abuse"
    assert load_lexicon(tmp_path).match("साहुले तलब दिएन") is None


SINHALA_WAYS_TO_DIE = "මැරෙන්න ක්\u200dරම"  # with the zero-width joiner of "ක්‍ර"


def test_invisible_characters_and_decomposed_accents_do_not_hide_a_phrase(
    tmp_path: Path,
) -> None:
    write(tmp_path, "km.yml", "phrases:\n  self_harm: [ចង់ស្លាប់]\n")
    write(tmp_path, "vi.yml", "phrases:\n  self_harm: [muốn chết]\n")
    write(tmp_path, "si.yml", f'phrases:\n  self_harm: ["{SINHALA_WAYS_TO_DIE}"]\n')
    lexicon = load_lexicon(tmp_path)
    assert lexicon.match("ខ្ញុំ\u200bចង់\u200bស្លាប់") is not None  # zero-width spaces
    assert lexicon.match(unicodedata.normalize("NFD", "em muốn chết")) is not None
    assert lexicon.match(SINHALA_WAYS_TO_DIE.replace("\u200d", "")) is not None


def test_unknown_category_is_named(tmp_path: Path) -> None:
    write(tmp_path, "xx.yml", "phrases:\n  shouting: [shout]\n")
    with pytest.raises(LexiconError, match=r"xx\.yml.*shouting"):
        load_lexicon(tmp_path)


def test_project_lexicon_loads_for_every_language() -> None:
    folder = project_root() / "nlu_data" / "safety_lexicon"
    lexicon = load_lexicon(folder)
    assert len(lexicon) > 100
    assert {p.stem.split("-")[0] for p in folder.glob("*.yml")} >= {"en", "ne", "bn", "id"}


@contextlib.asynccontextmanager
async def rasa_answering(intent: str) -> AsyncIterator[str]:
    """Serve /model/parse on loopback as Rasa would, always with one intent; yield its URL."""

    async def reply(_request: web.Request) -> web.Response:
        ranking = [{"name": intent, "confidence": 0.9}, {"name": "greet", "confidence": 0.1}]
        return web.json_response({"intent": ranking[0], "intent_ranking": ranking})

    server = web.Application()
    server.router.add_post("/model/parse", reply)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def understand_with(intent: str, text: str) -> Understanding:
    """Understand text while the model's top intent is fixed."""
    nlu = project_root() / "nlu_data"
    async with rasa_answering(intent) as url, aiohttp.ClientSession() as http:
        understander = Understander(
            NluClient(http, url, "token"),
            taxonomy=load_taxonomy(nlu / "intents.yaml"),
            lexicon=load_lexicon(nlu / "safety_lexicon"),
            identifier=build_identifier(nlu / "data" / "nlu"),
            threshold=0.1,
        )
        return await understander.understand(text)


async def test_a_self_harm_phrase_makes_an_abuse_report_urgent() -> None:
    seen = await understand_with("report_physical_abuse", "she beats me, i want to kill myself")
    assert (seen.intent, seen.urgent, seen.source) == ("self_harm", True, "safety_net")


async def test_the_lexicon_never_lowers_urgency() -> None:
    seen = await understand_with("report_emergency", "he beat me and is breaking the door")
    assert (seen.intent, seen.urgent, seen.source) == ("report_emergency", True, "model")


async def test_a_calm_prediction_is_escalated_by_an_abuse_phrase() -> None:
    seen = await understand_with("rest_day", "no day off and madam beat me yesterday")
    assert seen.escalate
    assert seen.source == "safety_net"
