"""Per-account rate buckets, Meta's usage headers and its throttling errors."""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

from tui.simulator.clock import SimClock
from tui.simulator.protocol import GraphError

HOUR = 3600.0
DAY = 86400.0
CALLS_PER_ENGAGED_USER = 200
"""Messenger API: calls within 24 hours = 200 x engaged users (rate-limiting.md)."""
DEMO_ENGAGED_USERS = 50
"""People the demo Page "can message": 10,000 calls per account per rolling day."""
BUC_MESSAGES = {
    "messenger": (
        80006,
        "(#80006) There have been too many messenger api calls to this Page account. Wait a "
        "bit and try again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    ),
    "instagram": (
        80002,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    ),
}


@dataclass
class RateConfig:
    """Bucket settings; defaults let a full sync of the seeded world through untouched."""

    conversations_per_second: float = 2.0
    conversations_burst: int = 120
    """Calls a quiet account may make at once before the per-second rate applies."""
    send_per_second: float = 300.0
    send_burst: int = 300
    hourly_budget: int = 4800
    """Business-use-case calls per account per rolling hour."""
    app_hourly_budget: int = 20000
    """Calls per rolling hour across the whole app (code 4 when spent)."""
    headers_after: int = 3
    """Usage headers appear once an account (or the app) made this many calls."""
    high_volume: bool = False
    """The Page is over Meta's high-volume limit: listing conversations fails."""
    engaged_users: int = 0
    """When above 0, Meta's real budget: 200 x this many calls per account per rolling
    24 hours (``hourly_budget`` is then unused). 0 keeps the hourly test budget."""

    @classmethod
    def meta(cls, engaged_users: int = DEMO_ENGAGED_USERS) -> RateConfig:
        """The limits as Meta documents them: 2 calls/s to the Conversations API with no
        free burst, and 200 x engaged users calls per account per rolling 24 hours.

        Source: docs/graph-api/overview/rate-limiting.md ("Messenger API", "Messenger API
        for Instagram"). Most tests freeze the simulator's clock, where a per-second rule
        means "2 calls, ever"; they keep the generous defaults, on purpose.
        """
        return cls(conversations_burst=2, engaged_users=engaged_users, headers_after=1)

    @property
    def window(self) -> float:
        return DAY if self.engaged_users > 0 else HOUR

    @property
    def account_budget(self) -> int:
        if self.engaged_users > 0:
            return CALLS_PER_ENGAGED_USER * self.engaged_users
        return self.hourly_budget

    def update(self, changes: dict[str, Any]) -> None:
        """Apply settings from ``POST /_sim/config``; unknown names are refused."""
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown rate setting: {key}")
            current = getattr(self, key)
            setattr(self, key, type(current)(value))


@dataclass
class _Bucket:
    level: float
    stamp: float

    def take(self, now: float, rate: float, burst: float) -> float:
        """Take one call; 0 when allowed, else the seconds until one is available."""
        self.level = min(burst, self.level + (now - self.stamp) * rate)
        self.stamp = now
        if self.level >= 1:
            self.level -= 1
            return 0.0
        return (1 - self.level) / rate if rate > 0 else HOUR


@dataclass
class _Account:
    kind: str
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    calls: deque[float] = field(default_factory=deque)


class RateLimiter:
    """Counts calls per Page/Instagram account and for the app, like Meta's BUC limits."""

    def __init__(self, clock: SimClock, config: RateConfig | None = None) -> None:
        self.clock = clock
        self.config = config or RateConfig()
        self._accounts: dict[str, _Account] = {}
        # One budget per app: the Facebook app (graph.facebook.com) and the Instagram app
        # of "Instagram API with Instagram Login" (graph.instagram.com) are separate apps
        # with their own ids, secrets and limits (reference §0.6).
        self._apps: dict[str, deque[float]] = {}

    def _trim(self, calls: deque[float], now: float, window: float = HOUR) -> None:
        while calls and calls[0] <= now - window:
            calls.popleft()

    def app_call(self, app: str = "facebook") -> dict[str, str]:
        """Count one call for ``app``; the ``X-App-Usage`` header once it is due.

        Code 4 is the app's own limit (Graph API "Rate Limits", throttle error codes): it
        reaches every account served by that app, and no account of another app.
        """
        cfg, now = self.config, self.clock.timestamp()
        calls = self._apps.setdefault(app, deque())
        self._trim(calls, now)
        calls.append(now)
        pct = _percent(len(calls), cfg.app_hourly_budget)
        headers = {}
        if len(calls) >= cfg.headers_after or pct >= 100:
            usage = {"call_count": pct, "total_time": pct // 2, "total_cputime": pct // 3}
            headers["X-App-Usage"] = json.dumps(usage, separators=(",", ":"))
        if len(calls) > cfg.app_hourly_budget:
            raise GraphError(
                4,
                "(#4) Application request limit reached",
                status=403,
                is_transient=True,
                headers=headers,
            )
        return headers

    def charge(self, owner_id: str, kind: str, api: str) -> dict[str, str]:
        """Count one call against an account.

        Args:
            owner_id: The Page id (Messenger) or Instagram account id.
            kind: ``messenger`` or ``instagram``: the BUC type and its throttling code.
            api: ``conversations`` or ``send``: which per-second bucket pays.

        Returns:
            The ``X-Business-Use-Case-Usage`` header when it is due.

        Raises:
            GraphError: 80006/80002 when conversations reads are throttled, 613 for sends.
        """
        cfg, now = self.config, self.clock.timestamp()
        account = self._accounts.setdefault(owner_id, _Account(kind))
        window, budget = cfg.window, cfg.account_budget
        self._trim(account.calls, now, window)
        account.calls.append(now)  # throttled calls count too, as on Meta
        if api == "send":
            rate, burst = cfg.send_per_second, cfg.send_burst
        else:
            rate, burst = cfg.conversations_per_second, cfg.conversations_burst
        bucket = account.buckets.setdefault(api, _Bucket(float(burst), now))
        wait = bucket.take(now, rate, burst)
        over_hour = len(account.calls) > budget
        if over_hour:
            wait = max(wait, account.calls[-budget - 1] + window - now)
        pct = _percent(len(account.calls), budget)
        if wait > 0:
            pct = max(pct, 100)
        headers: dict[str, str] = {}
        if len(account.calls) >= cfg.headers_after or wait > 0:
            entry = {
                "type": kind,
                "call_count": pct,
                "total_cputime": pct // 3,
                "total_time": pct // 2,
                "estimated_time_to_regain_access": math.ceil(wait / 60) if wait > 0 else 0,
            }
            headers["X-Business-Use-Case-Usage"] = json.dumps(
                {owner_id: [entry]}, separators=(",", ":")
            )
        if wait <= 0:
            return headers
        if api == "send" and not over_hour:
            subcode = 2534040 if kind == "instagram" else None
            raise GraphError(
                613,
                "(#613) Calls to this api have exceeded the rate limit.",
                subcode=subcode,
                headers=headers,
            )
        code, message = BUC_MESSAGES[kind]
        raise GraphError(code, message, headers=headers)


def _percent(count: int, budget: int) -> int:
    return min(999, math.floor(100 * count / budget)) if budget > 0 else 100
