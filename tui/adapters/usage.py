"""Reads Meta's rate-limit usage headers (X-App-Usage, X-Business-Use-Case-Usage)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

APP_USAGE = "x-app-usage"
BUC_USAGE = "x-business-use-case-usage"


@dataclass(frozen=True)
class UsageScope:
    """Which ``X-Business-Use-Case-Usage`` entries concern one account's calls.

    The header reports every business object the app touched (up to 32), each with its
    use-case types; only the entries for this account's own objects and types may pause it.
    """

    objects: frozenset[str]
    """Business object ids the calls are charged to (the Page id, the Instagram account id)."""
    types: frozenset[str] = frozenset()
    """Use-case types that count (``messenger``, ``pages``, ``instagram``); empty: every type."""

    def covers(self, object_id: str, entry: Mapping[str, Any]) -> bool:
        if object_id not in self.objects:
            return False
        kind = entry.get("type")
        return not self.types or not isinstance(kind, str) or kind in self.types


@dataclass(frozen=True)
class Usage:
    """The latest usage report a response carried."""

    max_pct: int
    """Highest of every reported percentage (call count, CPU time, total time)."""
    regain_at: datetime | None = None
    """When access returns (``estimated_time_to_regain_access``); ``None`` if not throttled."""
    seen_at: datetime | None = None
    """When the response carrying it arrived. The headers come only once usage is worth
    reporting, so a quiet hour later the last report is old news, not today's usage."""


def _percentages(entry: Mapping[str, Any]) -> list[int]:
    found: list[int] = []
    for key, value in entry.items():
        if key in ("estimated_time_to_regain_access", "type", "ads_api_access_tier"):
            continue
        # bool is an int subclass; a flag is not a percentage.
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(int(value))
    return found


def _load(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def parse_usage(
    headers: Mapping[str, str], now: datetime, scope: UsageScope | None = None
) -> Usage | None:
    """Usage from a response's headers, or ``None`` when it reported none (or garbage).

    Headers appear only once enough calls were made, so absence does not mean zero usage.
    With a ``scope``, business-use-case entries of other objects and types are ignored:
    another Page's exhausted budget does not pause this one.
    """
    percents: list[int] = []
    regain_minutes = 0.0
    app = _load(headers.get(APP_USAGE))
    if isinstance(app, dict):
        percents.extend(_percentages(app))
    buc = _load(headers.get(BUC_USAGE))
    if isinstance(buc, dict):
        for object_id, entries in buc.items():
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                if scope is not None and not scope.covers(str(object_id), entry):
                    continue
                percents.extend(_percentages(entry))
                wait = entry.get("estimated_time_to_regain_access")
                if isinstance(wait, int | float) and not isinstance(wait, bool) and wait > 0:
                    regain_minutes = max(regain_minutes, float(wait))
    if not percents and not regain_minutes:
        return None
    regain_at = now + timedelta(minutes=regain_minutes) if regain_minutes else None
    return Usage(max(percents, default=0), regain_at, now)


def usage_scope(objects: Collection[str | None], types: Collection[str]) -> UsageScope | None:
    """A scope over the given ids (empty ones dropped), or ``None`` when none is known."""
    known = frozenset(value for value in objects if value)
    return UsageScope(known, frozenset(types)) if known else None
