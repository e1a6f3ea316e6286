"""The safety lexicon: word boundaries for Latin script, substrings otherwise, priorities."""

from pathlib import Path

import pytest

from bot.nlu.safety import LexiconError, load_lexicon
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


def test_unknown_category_is_named(tmp_path: Path) -> None:
    write(tmp_path, "xx.yml", "phrases:\n  shouting: [shout]\n")
    with pytest.raises(LexiconError, match=r"xx\.yml.*shouting"):
        load_lexicon(tmp_path)


def test_project_lexicon_loads_for_every_language() -> None:
    folder = project_root() / "nlu_data" / "safety_lexicon"
    lexicon = load_lexicon(folder)
    assert len(lexicon) > 100
    assert {p.stem.split("-")[0] for p in folder.glob("*.yml")} >= {"en", "ne", "bn", "id"}
