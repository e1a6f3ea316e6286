"""Per-user rate limiting: a sliding one-minute window per Telegram user."""

import time
from collections import deque
from collections.abc import Callable
from typing import Literal


class UserRateLimiter:
    """Allows `per_minute` updates per user; the first one over gets a warning."""

    def __init__(self, per_minute: int, clock: Callable[[], float] | None = None) -> None:
        """Start with no history."""
        self._limit = per_minute
        self._clock = clock or time.monotonic
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user: int) -> Literal["ok", "warn", "drop"]:
        """Record one update of user and say whether to handle it."""
        now = self._clock()
        window = self._seen.setdefault(user, deque())
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) < self._limit:
            window.append(now)
            self._warned.discard(user)
            return "ok"
        if user in self._warned:
            return "drop"
        self._warned.add(user)
        return "warn"
