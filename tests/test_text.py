"""Cleaning input: control and invisible characters, emoji, long messages."""

from bot.text import MAX_MESSAGE_CHARS, clean, has_words, truncate


def test_clean_removes_control_and_zero_width_but_keeps_joiners() -> None:
    assert clean("mero\u200b passport\x00\x07 \u202e") == "mero passport"
    assert clean("a\x00b\u200bc") == "abc"
    assert clean("  many\n\tlines  ") == "many lines"
    assert "\u200d" in clean("ক্\u200dষ")


def test_clean_normalises_to_nfc() -> None:
    assert clean("e\u0301") == "\u00e9"


def test_has_words_is_false_for_emoji_and_punctuation_only() -> None:
    assert not has_words("😭😭🙏")
    assert not has_words("?!...")
    assert has_words("help 😭")
    assert has_words("मद्दत")


def test_truncate_cuts_long_messages_at_a_space() -> None:
    long = "word " * 3000
    cut = truncate(long)
    assert len(cut) <= MAX_MESSAGE_CHARS
    assert cut.endswith("word")
    assert truncate("short") == "short"
