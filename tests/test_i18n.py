"""Interface catalogs: complete, placeholders kept, plural rules, right-to-left Urdu."""

import re

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import Catalogs, country_name, language_name
from bot.nlu.langid import LANGUAGES
from bot.paths import project_root

FOLDER = project_root() / "translations"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(language: str) -> Catalog:
    path = FOLDER / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=Locale.parse(language))


def template_ids() -> set[tuple[str | None, str]]:
    with (FOLDER / "messages.pot").open("rb") as handle:
        pot = read_po(handle)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in pot if m.id}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_and_keeps_its_placeholders(language: str) -> None:
    messages = [m for m in catalog(language) if m.id]
    ids = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in messages}
    assert ids == template_ids(), "catalog out of date: run `make translations`"
    for message in messages:
        assert not message.fuzzy, f"{language}: fuzzy {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{language}: untranslated {message.id!r}"
        wanted = set(PLACEHOLDER.findall(str(message.id)))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, f"{language}: {message.id!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_has_review_status_and_babels_plural_rule(language: str) -> None:
    po = catalog(language)
    raw = (FOLDER / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert re.search(r"^# Review-Status: (draft|reviewed|source)\b", raw, re.M), language
    assert po.num_plurals == Catalog(locale=Locale.parse(language)).num_plurals


def test_urdu_isolates_latin_and_numbers_inside_right_to_left_text() -> None:
    texts = Catalogs(FOLDER).texts("ur")
    filled = texts.fill("کیس نمبر {number}", number="SA-7K3F9Q")
    assert filled.startswith("\u200f")
    assert "\u2068SA-7K3F9Q\u2069" in filled
    english = Catalogs(FOLDER).texts("en").fill("case {number}", number="SA-1")
    assert english == "case SA-1"


def test_language_and_country_names_come_from_babel() -> None:
    assert language_name("ne") == "नेपाली"
    assert language_name("bn") == "বাংলা"
    assert country_name("MY", "ne") == "मलेसिया"


def test_unknown_language_falls_back_to_english() -> None:
    texts = Catalogs(FOLDER).texts("xx")
    assert texts.language == "en"
    assert texts.pgettext("button", "Talk to a caseworker") == "Talk to a caseworker"
