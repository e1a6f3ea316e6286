"""The knowledge base: loads, cites only verified provisions, and names bad files and fields."""

import shutil
from pathlib import Path

import pytest

from bot.engine import render
from bot.i18n import Catalogs
from bot.knowledge.loader import KnowledgeError, coverage_gaps, load_knowledge_base
from bot.paths import project_root

REAL = project_root() / "knowledge_base"
FOUNDATION_TOPICS = ["passport_retention", "unpaid_wages", "rest_day"]
FOUNDATION_LANGUAGES = ["en", "ne", "bn", "id"]


def test_real_knowledge_base_loads_and_covers_the_foundation_topics() -> None:
    kb = load_knowledge_base(REAL)
    assert coverage_gaps(kb, FOUNDATION_TOPICS, FOUNDATION_LANGUAGES) == []


def test_every_citation_is_verified_or_secondary_confirmed() -> None:
    kb = load_knowledge_base(REAL)
    assert all(c.provision.confidence in ("V", "S") for c in kb.citations.values())
    for topic in kb.topics.values():
        assert all(key in kb.citations for key in topic.citations)


def test_passport_answer_cites_c189_article_9_and_malaysias_passports_act() -> None:
    kb = load_knowledge_base(REAL)
    texts = Catalogs(project_root() / "translations").texts("ne")
    body = render.answer(texts, kb, "passport_retention", "MY").text
    assert "ILO C189 Art. 9" in body
    assert "Passports Act" in body
    assert body.index("मलेसिया") < body.index(
        kb.topics["passport_retention"].languages["ne"].answer[:20]
    )


def test_unsourced_referrals_are_never_shown() -> None:
    kb = load_knowledge_base(REAL)
    for country, entries in kb.referrals.items():
        shown = kb.contacts(country, ("emergency", "helpline", "labour_department", "ngo"))
        assert all(e.source for e in shown)
        assert all(
            e.shown_to_workers == bool(e.source and e.status != "unverified") for e in entries
        )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(REAL, tmp_path / "kb")
    return tmp_path / "kb"


def test_a_too_long_answer_names_the_file_and_field(copy: Path) -> None:
    path = copy / "topics" / "rest_day.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("answer: ", "answer: " + "x" * 700 + " ", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rest_day\.yaml: field languages\.\w+\.answer"):
        load_knowledge_base(copy)


def test_an_unknown_citation_names_the_file(copy: Path) -> None:
    path = copy / "topics" / "unpaid_wages.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("citations: [", "citations: [c189-art99, ", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"unpaid_wages\.yaml: field citations.*c189-art99"):
        load_knowledge_base(copy)


def test_invalid_yaml_names_the_file(copy: Path) -> None:
    (copy / "topics" / "rest_day.yaml").write_text("topic: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rest_day\.yaml: not valid YAML"):
        load_knowledge_base(copy)
