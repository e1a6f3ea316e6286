"""The knowledge base: loads, cites only verified provisions, and names bad files and fields."""

import shutil
from pathlib import Path

import pytest

from bot.engine import render
from bot.i18n import Catalogs
from bot.intents import load_taxonomy
from bot.knowledge.loader import KnowledgeError, coverage_gaps, load_knowledge_base
from bot.knowledge.tokens import format_tokens
from bot.nlu.langid import LANGUAGES
from bot.paths import project_root
from bot.storage.models import User

REAL = project_root() / "knowledge_base"
RIGHTS = load_taxonomy(project_root() / "nlu_data" / "intents.yaml").names("rights")


def test_every_rights_intent_has_a_topic_in_all_twelve_languages() -> None:
    kb = load_knowledge_base(REAL)
    assert len(RIGHTS) == 25
    assert coverage_gaps(kb, RIGHTS, list(LANGUAGES)) == []
    assert set(kb.topics) == set(RIGHTS)


def test_malaysia_notes_exist_in_every_language_where_english_has_one() -> None:
    kb = load_knowledge_base(REAL)
    for name, topic in kb.topics.items():
        if "MY" in topic.languages["en"].country_notes:
            missing = [c for c, text in topic.languages.items() if "MY" not in text.country_notes]
            assert missing == [], name


def test_money_and_dates_are_written_for_the_readers_locale() -> None:
    token = "{money:MYR:1700} from {date:2025-08-01}"
    assert format_tokens(token, "en") == "RM1,700 from August 1, 2025"
    assert format_tokens(token, "id") == "RM1.700 from 1 Agustus 2025"
    assert format_tokens(token, "ms") == "RM1,700 from 1 Ogos 2025"
    assert format_tokens("{money:HKD:5100}", "vi") == "5.100\xa0HK$"
    assert format_tokens("{date:2025-08-01}", "si") == "2025-08-01"


def test_hong_kong_wage_answer_shows_the_formatted_amount_and_no_token() -> None:
    kb = load_knowledge_base(REAL)
    texts = Catalogs(project_root() / "translations").texts("id")
    body = render.answer(texts, kb, "minimum_wage", "HK").text
    assert "HK$5.100" in body
    assert "{money" not in body
    assert "{date" not in body


def test_home_country_helplines_follow_the_worker_abroad() -> None:
    kb = load_knowledge_base(REAL)
    texts = Catalogs(project_root() / "translations").texts("ne")
    worker = User(country="MY", origin="NP")
    lines = render.contacts(texts, kb, worker.country, ("emergency", "helpline"), worker.origin)
    assert "999" in lines
    assert "+977-1141" in lines
    assert "Police (Nepal)" not in lines


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


def test_a_translation_that_drops_an_amount_names_the_file_and_field(copy: Path) -> None:
    path = copy / "topics" / "minimum_wage.yaml"
    text = path.read_text(encoding="utf-8")
    ne_start = text.index("  ne:")
    head, tail = text[:ne_start], text[ne_start:]
    path.write_text(head + tail.replace("{money:MYR:1700}", "१७००", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"minimum_wage\.yaml: field languages\.ne\.country_"):
        load_knowledge_base(copy)


def test_a_malformed_token_names_the_file_and_field(copy: Path) -> None:
    path = copy / "topics" / "minimum_wage.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{money:MYR:1700}", "{money:XYZ:1700}"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"minimum_wage\.yaml: field languages\.en\..*XYZ"):
        load_knowledge_base(copy)
