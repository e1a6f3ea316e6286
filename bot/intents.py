"""The intent taxonomy (nlu_data/intents.yaml): names, groups and escalation flags."""

from dataclasses import dataclass
from pathlib import Path

import yaml

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Intent:
    """One intent of the taxonomy and how the bot must treat it."""

    name: str
    group: str
    escalate: bool
    urgent: bool


@dataclass(frozen=True)
class Taxonomy:
    """All intents by name."""

    intents: dict[str, Intent]

    def get(self, name: str) -> Intent | None:
        """Return the intent called `name`, or None for nlu_fallback and unknown names."""
        return self.intents.get(name)

    def names(self, group: str | None = None) -> list[str]:
        """Return the intent names, optionally those of one group, in file order."""
        return [i.name for i in self.intents.values() if group is None or i.group == group]


def load_taxonomy(path: Path) -> Taxonomy:
    """Read the taxonomy file into a Taxonomy."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    intents: dict[str, Intent] = {}
    for group, entries in data.items():
        for name, spec in entries.items():
            flags = spec if isinstance(spec, dict) else {}
            intents[name] = Intent(
                name=name,
                group=group,
                escalate=bool(flags.get("escalate", False)),
                urgent=bool(flags.get("urgent", False)),
            )
    return Taxonomy(intents)
