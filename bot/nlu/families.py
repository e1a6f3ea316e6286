"""The per-script-family candidate of `make nlu-report`: one model per script, messages routed."""

import shutil
from pathlib import Path

from bot.nlu.langid import script_of
from bot.nlu.service import NluProject
from bot.nlu.training_data import language_files

# Scripts that share a model; Latin holds English, the Latin-script languages and romanized text.
FAMILIES = {
    "devanagari": ("ne", "hi"),
    "bengali": ("bn",),
    "arabic": ("ur",),
    "brahmic-other": ("km", "my", "si"),
}
LATIN = "latin"
FAMILY_NAMES = (LATIN, *FAMILIES)


def family_of_code(code: str) -> str:
    """Return the family of a data file's language code (e.g. ne → devanagari, ne-latn → latin)."""
    return next((f for f, codes in FAMILIES.items() if code in codes), LATIN)


def family_of_text(text: str) -> str:
    """Return the family whose model reads a message: its non-Latin script if it has one.

    Workers mix English words into their own script, so a single letter of another script
    decides, not the majority.
    """
    by_script = {"khmer": "brahmic-other", "myanmar": "brahmic-other", "sinhala": "brahmic-other"}
    by_script |= {"devanagari": "devanagari", "bengali": "bengali", "arabic": "arabic"}
    for char in text:
        script = script_of(char)
        if script in by_script:
            return by_script[script]
    return LATIN


def family_data(project: NluProject, family: str, folder: Path) -> Path:
    """Copy the training files of one family into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for code, path in language_files(project.folder / "data" / "nlu").items():
        if family_of_code(code) == family:
            shutil.copy(path, folder / path.name)
    return folder
