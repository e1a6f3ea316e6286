"""The shape of the knowledge-base files, validated on load."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ANSWER_LIMIT = 600
NOTE_LIMIT = 400
TITLE_LIMIT = 60


class Strict(BaseModel):
    """A model that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Provision(Strict):
    """One article or paragraph that answers may cite."""

    key: str
    ref: str
    subject: str
    confidence: Literal["V", "S", "U"]


class Instrument(Strict):
    """A treaty, recommendation, declaration or law."""

    id: str
    name: str
    short: str
    kind: str
    binding: bool
    source: str
    provisions: list[Provision] = Field(default_factory=list)


class Registry(Strict):
    """The instruments file."""

    instruments: list[Instrument]


class CountryCitations(Strict):
    """Citations that apply only in one country of work."""

    citations: list[str] = Field(default_factory=list)


class TopicText(Strict):
    """A topic's answer in one language."""

    review: Literal["draft", "reviewed"]
    title: str = Field(max_length=TITLE_LIMIT)
    answer: str = Field(max_length=ANSWER_LIMIT)
    steps: list[str] = Field(min_length=2, max_length=4)
    country_notes: dict[str, str] = Field(default_factory=dict)


class Topic(Strict):
    """One rights topic, every language side by side."""

    topic: str
    category: str
    citations: list[str] = Field(min_length=1)
    countries: dict[str, CountryCitations] = Field(default_factory=dict)
    languages: dict[str, TopicText]


class Referral(Strict):
    """A contact a worker can turn to."""

    key: str
    kind: Literal["emergency", "helpline", "labour_department", "ngo", "embassy"]
    name: str
    phone: str | None = None
    phone_from_abroad: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None
    what: str
    languages: list[str] = Field(default_factory=list)
    source: str | None
    source_date: dt.date | None = None
    verified_on: dt.date | None = None
    status: Literal["confirmed", "reconfirm", "unverified"]
    shares_with_authorities: bool = False
    caution: str | None = None

    @property
    def shown_to_workers(self) -> bool:
        """Tell whether the entry has a source and may be shown."""
        return bool(self.source) and self.status != "unverified"


class CountryDirectory(Strict):
    """The referral entries of one country."""

    country: str
    entries: list[Referral]
