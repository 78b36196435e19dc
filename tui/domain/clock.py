"""The wall clock, timezone-aware: the one default every service and pane starts from."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso_moment(moment: datetime | None) -> str:
    """``moment`` in UTC as ISO 8601 text (how the store keeps times as text); ``""``
    for none."""
    return moment.astimezone(UTC).isoformat() if moment else ""


def parse_moment(value: str | None) -> datetime | None:
    """The time ``iso_moment`` wrote; ``None`` for nothing or text that is not a time."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
