"""Where the project's data folders are, relative to the checkout."""

from pathlib import Path


def project_root() -> Path:
    """Return the checkout folder that holds bot/, nlu_data/ and knowledge_base/."""
    return Path(__file__).resolve().parent.parent
