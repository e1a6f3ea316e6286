"""Per-user rate limiting: a warning once over the limit, then silence until the window moves."""

from bot.channels.rate_limit import UserRateLimiter


def test_limit_warns_once_then_drops_until_the_minute_passes() -> None:
    now = [0.0]
    limiter = UserRateLimiter(3, clock=lambda: now[0])
    assert [limiter.check(1) for _ in range(3)] == ["ok", "ok", "ok"]
    assert limiter.check(1) == "warn"
    assert limiter.check(1) == "drop"
    assert limiter.check(2) == "ok"  # other users are not affected
    now[0] = 61.0
    assert limiter.check(1) == "ok"
