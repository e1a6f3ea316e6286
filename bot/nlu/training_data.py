"""Reading Rasa NLU YAML files (the training and held-out sets) without Rasa."""

from pathlib import Path

import yaml


def read_examples(path: Path) -> list[tuple[str, str]]:
    """Return (text, intent) pairs from one Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs: list[tuple[str, str]] = []
    for block in data.get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            if line.startswith("- ") and line[2:].strip():
                pairs.append((line[2:].strip(), block["intent"]))
    return pairs


def language_files(folder: Path) -> dict[str, Path]:
    """Return the NLU files of a folder by language code (the file's stem, e.g. ne-latn)."""
    return {p.stem: p for p in sorted(folder.glob("*.yml"))}
