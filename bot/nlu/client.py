"""HTTP client for the Rasa NLU server's POST /model/parse."""

import logging
from dataclasses import dataclass, field

import aiohttp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parse:
    """What the Rasa model said about one message."""

    intent: str
    confidence: float
    ranking: list[tuple[str, float]] = field(default_factory=list)


class NluClient:
    """Calls the Rasa server with a timeout; returns None (and logs once) while it is down."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str) -> None:
        """Use an open aiohttp session; the caller closes it."""
        self._http = http
        self._url = base_url.rstrip("/") + "/model/parse"
        self._token = token
        self._down = False

    async def parse(self, text: str) -> Parse | None:
        """Return the model's intent and ranking for text, or None when the server fails."""
        try:
            async with self._http.post(
                self._url, params={"token": self._token}, json={"text": text}
            ) as response:
                response.raise_for_status()
                body = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            if not self._down:
                log.warning(
                    "NLU server unavailable (%s); using the safety net and menus",
                    type(error).__name__,
                )
            self._down = True
            return None
        if self._down:
            log.info("NLU server is answering again")
        self._down = False
        return _to_parse(body)


def _to_parse(body: dict[str, object]) -> Parse:
    """Turn Rasa's JSON answer into a Parse."""
    intent = body.get("intent") or {}
    assert isinstance(intent, dict)
    ranking_raw = body.get("intent_ranking") or []
    assert isinstance(ranking_raw, list)
    ranking = [(str(r["name"]), float(r["confidence"])) for r in ranking_raw]
    return Parse(
        intent=str(intent.get("name") or "nlu_fallback"),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
    )
