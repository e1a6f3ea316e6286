"""The language identifier: script first, then naive Bayes over files weighted equally."""

from pathlib import Path

from bot.nlu.langid import build_identifier, evenly_spaced


def test_evenly_spaced_spreads_over_the_whole_list() -> None:
    assert evenly_spaced([str(n) for n in range(10)], 3) == ["0", "3", "6"]
    assert evenly_spaced(["a", "b"], 5) == ["a", "b"]


def write_file(folder: Path, code: str, lines: list[str]) -> None:
    examples = "".join(f"    - {line}\n" for line in lines)
    text = f'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n{examples}'
    (folder / f"{code}.yml").write_text(text, encoding="utf-8")


def test_script_decides_before_statistics(tmp_path: Path) -> None:
    write_file(tmp_path, "en", ["hello there"])
    guess = build_identifier(tmp_path).identify("میری تنخواہ نہیں ملی")
    assert guess is not None
    assert (guess.language, guess.confidence) == ("ur", 1.0)
