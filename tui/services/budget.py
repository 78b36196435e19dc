"""Polling inside Meta's real call budget, with webhooks as the real-time path.

Meta budgets the Messenger Platform (Conversations API included) at 200 x engaged users
calls per account per rolling 24 hours, and the Conversations API at 2 calls per second
per Page or Instagram account (docs/graph-api/overview/rate-limiting.md). Polling gets a
share of that day (default half, the rest is for sends and lookups) and spreads it
evenly; with webhooks healthy it only checks for gaps on a slow schedule.

Kept apart from ``pacing.py`` (activity and failure backoff): the engine waits for the
longer of the two.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from tui.adapters.usage import Usage

DAY = 86400.0
CALLS_PER_ENGAGED_USER = 200
CONVERSATIONS_PER_SECOND = 2.0
DEFAULT_ENGAGED = 5
"""Assumed when neither the config nor the store tells: a small Page (1,000 calls/day)."""
REPAIR_INTERVAL = 15 * 60.0
"""With webhooks healthy: the cheap gap check runs this often (budget allowing)."""
RECONCILE_INTERVAL = 6 * 3600.0
"""How often the recent window is re-read for unsends and edits no webhook reported."""
GAP_MEMORY = 3600.0
"""After a gap was found, webhooks count as unhealthy for this long (fast polling)."""
LEARN_MIN_PCT = 5
"""Usage headers below this percentage are too coarse to learn the budget from."""


@dataclass
class WebhookHealth:
    """Whether webhooks can be trusted to bring new messages, per account."""

    receiving: bool = False
    """The receiver is up and subscribed (the service sets this)."""
    address: tuple[str, int] | None = None
    """Where the receiver listens (for doctor and the tests)."""
    gaps: dict[str, float] = field(default_factory=dict)
    """Account -> when (clock seconds) polling last found messages webhooks never brought."""

    def healthy(self, account_id: str, now: float) -> bool:
        found = self.gaps.get(account_id)
        return self.receiving and (found is None or now - found > GAP_MEMORY)

    def gap_found(self, account_id: str, now: float) -> None:
        self.gaps[account_id] = now


@dataclass
class BudgetPlanner:
    """One account's share of its rolling 24-hour budget, and the poll interval it allows."""

    share: float = 0.5
    configured_engaged: int = 0
    """From ``[webhooks] engaged_users``; 0 when unknown."""
    seen_engaged: int = 0
    """People with an open reply window, counted from the store (a lower bound)."""
    learned_budget: float | None = None
    """The whole day's budget as the usage headers imply it, when they said enough."""
    calls: deque[float] = field(default_factory=deque)
    """Clock seconds of every call this account made (polls, lookups), last 24 hours."""

    @property
    def engaged(self) -> int:
        return max(self.configured_engaged, self.seen_engaged) or DEFAULT_ENGAGED

    @property
    def day_budget(self) -> float:
        """Meta's whole budget for the account (the smaller of what we know)."""
        budget = float(CALLS_PER_ENGAGED_USER * self.engaged)
        if self.learned_budget is not None:
            budget = min(budget, self.learned_budget)
        return budget

    @property
    def allowance(self) -> float:
        """Calls polling may make per rolling 24 hours."""
        return self.day_budget * self.share

    burst_share: float = 0.05
    """Part of the allowance a first sync may spend at once; the rest refills evenly."""
    tokens: float | None = None
    stamp: float = 0.0

    @property
    def rate(self) -> float:
        """Calls per second the even spread allows (what is left after the burst)."""
        return self.allowance * (1.0 - self.burst_share) / DAY

    def _refill(self, now: float) -> float:
        capacity = self.allowance * self.burst_share
        if self.tokens is None:
            self.tokens, self.stamp = capacity, now
        self.tokens = min(capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        return self.tokens

    def available(self, now: float) -> float:
        """Calls that can be made right now without eating into the even spread."""
        return max(0.0, self._refill(now))

    def _trim(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - DAY:
            self.calls.popleft()

    def record(self, now: float, count: int) -> None:
        """``count`` calls were just made (they may overdraw; the next poll waits longer)."""
        self._refill(now)
        self.tokens = (self.tokens or 0.0) - max(0, count)
        self._trim(now)
        self.calls.extend([now] * max(0, count))

    def used(self, now: float) -> int:
        self._trim(now)
        return len(self.calls)

    def left(self, now: float) -> float:
        return max(0.0, self.allowance - self.used(now))

    def learn(self, usage: Usage | None, now: float) -> None:
        """``call_count`` is the share of the budget used: our calls / that share = budget."""
        if usage is None or usage.max_pct < LEARN_MIN_PCT:
            return
        used = self.used(now)
        if used:
            self.learned_budget = used * 100.0 / usage.max_pct

    def interval(self, calls_per_poll: float, *, webhooks_healthy: bool, now: float) -> float:
        """Seconds until the next poll may run without overspending the allowance.

        A token bucket: a small burst (a first sync), then ``rate`` calls per second, so
        any 24 hours hold at most the allowance; never faster than the Conversations API's
        2 calls per second. With webhooks healthy, only the slow gap check runs.
        """
        cost = max(1.0, calls_per_poll)
        tokens = self._refill(now)
        delay = cost / CONVERSATIONS_PER_SECOND
        if tokens < cost:
            delay = max(delay, (cost - tokens) / max(self.rate, 1e-9))
        if webhooks_healthy:
            delay = max(delay, REPAIR_INTERVAL)
        return delay

    def freshness(self, calls_per_poll: float, *, webhooks_healthy: bool, now: float) -> float:
        """About how many seconds a new message may wait before Linkdeck sees it."""
        if webhooks_healthy:
            return 0.0
        steady = max(1.0, calls_per_poll) / max(self.rate, 1e-9)
        return max(steady, self.interval(calls_per_poll, webhooks_healthy=False, now=now))


def freshness_text(seconds: float) -> str:
    """``new messages within about N min at this budget`` (or seconds, or live)."""
    if seconds <= 0:
        return "new messages live (webhooks)"
    if seconds < 90:
        return f"new messages within about {max(1, round(seconds))} s at this budget"
    return f"new messages within about {round(seconds / 60)} min at this budget"


class ThrottledTransport(httpx.AsyncBaseTransport):
    """At most ``rate`` requests per second through ``inner`` (real time, no burst).

    Meta allows the Conversations API 2 calls per second per account; every adapter of an
    account goes through one of these, so no burst of paging can exceed it.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        rate: float = CONVERSATIONS_PER_SECOND,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.spacing = 1.0 / rate
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._lock:
            now = self.monotonic()
            wait = self._next - now
            if wait > 0:
                await self.sleep(wait)
                now = self.monotonic()
            self._next = max(now, self._next) + self.spacing
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def window_start(now: datetime) -> datetime:
    """The start of the rolling 24-hour window ending ``now``."""
    return now - timedelta(seconds=DAY)


def plan_accounts(
    syncs: Mapping[str, Any],
    *,
    share: float,
    engaged_users: int,
    health: WebhookHealth,
    meta_hosted: Callable[[str], bool],
) -> None:
    """Give each Meta account a budget planner: those on Meta's own hosts, and any account
    when the config names the engaged-user count (the simulator, a proxy)."""
    for account_id, sync in syncs.items():
        platform = str(getattr(sync.account, "platform", ""))
        if platform not in ("messenger", "instagram"):
            continue
        if engaged_users > 0 or meta_hosted(account_id):
            sync.planner = BudgetPlanner(share=share, configured_engaged=engaged_users)
            sync.health = health
