"""Reply-window arithmetic that the inbox and the composer show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain import WindowState, reply_window, text_limit_ok

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_window_states_over_time() -> None:
    assert reply_window(None, NOW).state is WindowState.UNKNOWN
    assert reply_window(NOW - timedelta(hours=2), NOW).state is WindowState.OPEN
    closing = reply_window(NOW - timedelta(hours=23, minutes=30), NOW)
    assert closing.state is WindowState.CLOSING
    assert closing.remaining == timedelta(minutes=30)
    assert reply_window(NOW - timedelta(days=3), NOW).state is WindowState.HUMAN_AGENT
    assert reply_window(NOW - timedelta(days=8), NOW).state is WindowState.CLOSED


def test_text_limits_per_platform() -> None:
    assert text_limit_ok("messenger", "x" * 1999)
    assert not text_limit_ok("messenger", "x" * 2000)
    assert text_limit_ok("instagram", "é" * 500)  # 1000 bytes
    assert not text_limit_ok("instagram", "é" * 501)
