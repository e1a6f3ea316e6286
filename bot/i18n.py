"""Interface strings through gettext catalogs, with Babel's locale data for names and numbers."""

import gettext
from functools import cache
from pathlib import Path

from babel import Locale

from bot.nlu.langid import LANGUAGES, RTL_LANGUAGES

DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
_FIRST_STRONG_ISOLATE, _POP_ISOLATE, _RIGHT_TO_LEFT_MARK = "\u2068", "\u2069", "\u200f"


class MissingCatalogError(RuntimeError):
    """A compiled catalog (.mo) is missing: the translations were not built."""


class Texts:
    """The interface strings of one language, falling back to English."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        """Bind a language to its translations."""
        self.language = language
        self._translations = translations

    @property
    def rtl(self) -> bool:
        """Tell whether the language is written right to left."""
        return self.language in RTL_LANGUAGES

    def pgettext(self, context: str, message: str) -> str:
        """Return the translation of message in context."""
        return self._translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, count: int) -> str:
        """Return the plural form for count."""
        return self._translations.npgettext(context, singular, plural, count)

    def fill(self, template: str, **values: object) -> str:
        """Fill placeholders; in right-to-left languages each value is a direction isolate."""
        if not self.rtl:
            return template.format(**values)
        isolated = {k: f"{_FIRST_STRONG_ISOLATE}{v}{_POP_ISOLATE}" for k, v in values.items()}
        return _RIGHT_TO_LEFT_MARK + template.format(**isolated)


def _catalog(folder: Path, language: str) -> gettext.GNUTranslations:
    """Open the compiled catalog of one language."""
    path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.exists():
        raise MissingCatalogError(f"{path} is missing; run `make translations`")
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


class Catalogs:
    """One cached translator per language; unknown languages get English."""

    def __init__(self, folder: Path) -> None:
        """Load every language's compiled catalog, English as every fallback."""
        english = _catalog(folder, DEFAULT_LANGUAGE)
        self._texts: dict[str, Texts] = {DEFAULT_LANGUAGE: Texts(DEFAULT_LANGUAGE, english)}
        for language in LANGUAGES:
            if language == DEFAULT_LANGUAGE:
                continue
            catalog = _catalog(folder, language)
            catalog.add_fallback(english)
            self._texts[language] = Texts(language, catalog)

    def texts(self, language: str | None) -> Texts:
        """Return the translator of a language (English when unknown)."""
        return self._texts.get(language or DEFAULT_LANGUAGE, self._texts[DEFAULT_LANGUAGE])


@cache
def language_name(code: str) -> str:
    """Return a language's name in that language, from Babel's locale data."""
    name = Locale.parse(code).get_language_name(code) or code
    return name[:1].upper() + name[1:]


@cache
def country_name(country: str, language: str) -> str:
    """Return a country's name in the given language, from Babel's locale data."""
    return str(Locale.parse(language).territories.get(country, country))
