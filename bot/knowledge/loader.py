"""Loading and validating the knowledge base once, with errors that name file and field."""

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.knowledge.schema import (
    NOTE_LIMIT,
    CountryDirectory,
    Instrument,
    Provision,
    Referral,
    Registry,
    Topic,
    TopicText,
)
from bot.knowledge.tokens import token_error, tokens

Model = TypeVar("Model", bound=BaseModel)
CITABLE = frozenset({"V", "S"})


class KnowledgeError(ValueError):
    """A knowledge-base file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Citation:
    """A resolved citation: the instrument and the provision."""

    instrument: Instrument
    provision: Provision

    @property
    def label(self) -> str:
        """Return the citation as shown to workers, e.g. 'ILO C189 Art. 9'."""
        return f"{self.instrument.short} {self.provision.ref}"


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything loaded from knowledge_base/."""

    citations: dict[str, Citation]
    topics: dict[str, Topic]
    referrals: dict[str, list[Referral]]

    def contacts(self, country: str | None, kinds: tuple[str, ...]) -> list[Referral]:
        """Return the sourced contacts of a country of the given kinds, in that kind order."""
        entries = [e for e in self.referrals.get(country or "", []) if e.shown_to_workers]
        return sorted((e for e in entries if e.kind in kinds), key=lambda e: kinds.index(e.kind))


def _read(path: Path, model: type[Model]) -> Model:
    """Parse one YAML file into a model, naming file and field on failure."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise KnowledgeError(f"{path}: field {field}: {first['msg']}") from error


def _citations(folder: Path) -> dict[str, Citation]:
    """Load the registry and return its citable provisions by key."""
    registry = _read(folder / "instruments" / "instruments.yaml", Registry)
    return {
        p.key: Citation(i, p)
        for i in registry.instruments
        for p in i.provisions
        if p.confidence in CITABLE
    }


def _check_topic(path: Path, topic: Topic, citations: dict[str, Citation]) -> None:
    """Check a topic's name, citations and country notes."""
    if topic.topic != path.stem:
        raise KnowledgeError(f"{path}: field topic: {topic.topic!r} differs from the file name")
    keys = list(topic.citations)
    for country, extra in topic.countries.items():
        keys += extra.citations
        if len(country) != 2:
            raise KnowledgeError(f"{path}: field countries.{country}: not a country code")
    for key in keys:
        if key not in citations:
            raise KnowledgeError(f"{path}: field citations: {key!r} is not a citable provision")
    for language, text in topic.languages.items():
        for country, note in text.country_notes.items():
            if len(note) > NOTE_LIMIT:
                raise KnowledgeError(
                    f"{path}: field languages.{language}.country_notes.{country}: "
                    f"longer than {NOTE_LIMIT} characters"
                )
    _check_tokens(path, topic)


def _token_fields(text: TopicText) -> dict[str, str]:
    """Return the fields of a topic text that may hold tokens, by field path."""
    fields = {"answer": text.answer}
    fields |= {f"steps.{i}": step for i, step in enumerate(text.steps)}
    fields |= {f"country_notes.{c}": note for c, note in text.country_notes.items()}
    return fields


def _check_tokens(path: Path, topic: Topic) -> None:
    """Check that tokens are well formed and every language keeps the English ones."""
    if "en" not in topic.languages:
        raise KnowledgeError(f"{path}: field languages.en: English is required")
    english = _token_fields(topic.languages["en"])
    for language, text in topic.languages.items():
        for field, value in _token_fields(text).items():
            where = f"{path}: field languages.{language}.{field}"
            for token in tokens(value):
                if (error := token_error(token)) is not None:
                    raise KnowledgeError(f"{where}: {error}")
            if field in english and sorted(tokens(value)) != sorted(tokens(english[field])):
                raise KnowledgeError(f"{where}: must keep the tokens {tokens(english[field])}")


def load_knowledge_base(folder: Path) -> KnowledgeBase:
    """Load and validate instruments, topics and referrals from folder."""
    citations = _citations(folder)
    topics: dict[str, Topic] = {}
    for path in sorted((folder / "topics").glob("*.yaml")):
        topic = _read(path, Topic)
        _check_topic(path, topic, citations)
        topics[topic.topic] = topic
    referrals: dict[str, list[Referral]] = {}
    for path in sorted((folder / "referrals").glob("*.yaml")):
        directory = _read(path, CountryDirectory)
        if directory.country != path.stem:
            raise KnowledgeError(f"{path}: field country: differs from the file name")
        referrals[directory.country] = directory.entries
    return KnowledgeBase(citations, topics, referrals)


def coverage_gaps(kb: KnowledgeBase, topics: list[str], languages: list[str]) -> list[str]:
    """Return 'topic/language' for every required pair the knowledge base lacks."""
    return [
        f"{name}/{language}"
        for name in topics
        for language in languages
        if name not in kb.topics or language not in kb.topics[name].languages
    ]
