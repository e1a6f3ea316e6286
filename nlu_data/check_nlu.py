"""Check NLU training files: intent names, counts per intent, duplicates across intents."""

import sys
from collections import Counter
from pathlib import Path

import yaml

ESCALATING = {
    "talk_to_human", "report_physical_abuse", "report_sexual_abuse",
    "report_forced_labour", "report_emergency", "self_harm",
}


def intent_names(path: Path) -> list[str]:
    """Return the intent names of the taxonomy file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [name for group in data.values() for name in group]


def examples(path: Path) -> dict[str, list[str]]:
    """Return the examples per intent of one Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for block in data["nlu"]:
        lines = [ln[2:].strip() for ln in block["examples"].splitlines() if ln.startswith("- ")]
        found.setdefault(block["intent"], []).extend(lines)
    return found


def check(path: Path, minimum: int, minimum_escalating: int) -> list[str]:
    """Return the problems found in one file."""
    names = intent_names(Path(__file__).parent / "intents.yaml")
    found = examples(path)
    problems = [f"unknown intent {n}" for n in found if n not in names]
    for name in names:
        need = minimum_escalating if name in ESCALATING else minimum
        have = len(set(found.get(name, [])))
        if have < need:
            problems.append(f"{name}: {have} examples, need {need}")
    owner: dict[str, str] = {}
    for name, lines in found.items():
        dups = [t for t, c in Counter(lines).items() if c > 1]
        problems += [f"{name}: duplicate line {t!r}" for t in dups]
        for text in lines:
            key = text.lower()
            if key in owner and owner[key] != name:
                problems.append(f"{text!r} is in both {owner[key]} and {name}")
            owner[key] = name
    return problems


if __name__ == "__main__":
    held_out = "--heldout" in sys.argv
    files = [Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    bad = False
    for file in files:
        issues = check(file, 6 if held_out else 22, 10 if held_out else 42)
        total = sum(len(v) for v in examples(file).values())
        print(f"{file}: {total} examples, {len(issues)} problems")
        for issue in issues:
            print("  " + issue)
        bad = bad or bool(issues)
    sys.exit(1 if bad else 0)
