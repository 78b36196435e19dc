"""How long an account waits before its next poll: activity, usage headers, failures."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """The poll interval of one account.

    Faster while a conversation is active, slower while idle, slower still when the
    platform's usage headers pass 80 %; exponential backoff with jitter on transient
    failures, and a circuit breaker that stops hammering a platform that keeps failing.
    """

    base: float
    """The configured poll interval (``[ui] poll_seconds``)."""
    min_interval: float = 2.0
    max_idle_factor: float = 4.0
    busy_usage: float = 80.0
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    breaker_threshold: int = 5
    """Consecutive failures that open the breaker."""
    breaker_cooldown: float = 600.0
    rng: random.Random = field(default_factory=random.Random)
    idle_streak: int = 0
    failures: int = 0

    @property
    def breaker_open(self) -> bool:
        return self.failures >= self.breaker_threshold

    def after_success(self, *, had_news: bool, usage_pct: float | None = None) -> float:
        """The delay after a successful poll."""
        self.failures = 0
        if had_news:
            self.idle_streak = 0
            delay = max(self.min_interval, self.base / 4)
        else:
            self.idle_streak += 1
            # Idle accounts slow down gradually: x1 for a few polls, then up to x4.
            factor = min(self.max_idle_factor, 1.0 + max(0, self.idle_streak - 3) * 0.5)
            delay = self.base * factor
        if usage_pct is not None and usage_pct >= self.busy_usage:
            delay *= 3
        return max(self.min_interval, delay)

    @staticmethod
    def from_start(delay: float, elapsed: float) -> float:
        """What is left of ``delay`` once a poll that took ``elapsed`` is over: intervals run
        from one poll's start to the next one's, so a message that lands just after a poll
        read its conversation waits one interval, not one interval plus that poll. A slow
        poll still leaves a quarter of the interval between two."""
        return max(delay - elapsed, delay / 4)

    def after_failure(self) -> float:
        """The delay after a transient failure: full-jitter exponential backoff."""
        self.failures += 1
        # The exponent stops growing long after the cap: without a breaker (Matrix) the
        # failures of a long outage would overflow a float after about a thousand.
        if self.breaker_open:
            return self.breaker_cooldown * self.rng.uniform(0.8, 1.2)
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(self.failures - 1, 64))
        return max(self.min_interval / 2, ceiling * self.rng.uniform(0.5, 1.0))

    def max_delay_after(self, failures: int) -> float:
        """The longest delay :meth:`after_failure` can give for the n-th failure (for tests)."""
        if failures >= self.breaker_threshold:
            return self.breaker_cooldown * 1.2
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(failures - 1, 64))
        return max(self.min_interval / 2, ceiling)
