"""Money and date tokens in content ({money:MYR:1700}, {date:2025-08-01}), formatted with Babel."""

import datetime as dt
import re

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_symbol

TOKEN = re.compile(r"\{(money|date):([^{}]*)\}")
# The symbol workers see on payslips and price tags in the country that issues the currency.
LOCAL_SYMBOLS = {"MYR": "RM", "HKD": "HK$", "SGD": "S$", "QAR": "QR", "SAR": "SR", "AED": "AED"}
# Babel 2.19 (CLDR 47) writes Sinhala months with the traditional names (August is නිකිණි),
# which workers may misread as another month: Sinhala dates are written with numbers instead.
DATE_FORMATS = {"si": "short"}


def tokens(text: str) -> list[str]:
    """Return the tokens of a text, in order."""
    return [match.group(0) for match in TOKEN.finditer(text)]


def token_error(token: str) -> str | None:
    """Return why a token is malformed, or None when it can be formatted."""
    match = TOKEN.fullmatch(token)
    if match is None:
        return f"{token!r} is not a token"
    kind, value = match.groups()
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{token!r}: the date must be YYYY-MM-DD"
        return None
    code, _, amount = value.partition(":")
    if code not in LOCAL_SYMBOLS or not amount.isdigit():
        return (
            f"{token!r}: money must be {{money:CODE:AMOUNT}} with CODE in {sorted(LOCAL_SYMBOLS)}"
        )
    return None


def _money(value: str, locale: Locale) -> str:
    """Format a whole amount in the locale's currency pattern, with the local symbol."""
    code, _, amount = value.partition(":")
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    text = format_currency(int(amount), code, format=pattern, locale=locale, currency_digits=False)
    return text.replace(get_currency_symbol(code, locale=locale), LOCAL_SYMBOLS[code], 1)


def format_tokens(text: str, language: str) -> str:
    """Replace every token of a text by the amount or date written for the language."""
    locale = Locale.parse(language)

    def one(match: re.Match[str]) -> str:
        kind, value = match.groups()
        if kind == "date":
            day = dt.date.fromisoformat(value)
            return format_date(day, format=DATE_FORMATS.get(language, "long"), locale=locale)
        return _money(value, locale)

    return TOKEN.sub(one, text)
