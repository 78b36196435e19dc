"""The composer's meter and send checks, as plain functions."""

from __future__ import annotations

from datetime import timedelta

from tui.domain.window import ReplyWindow, WindowState
from tui.widgets.composer import describe_window, length_label, send_refusal

OPEN = ReplyWindow(WindowState.OPEN, timedelta(hours=20, minutes=5))


def test_messenger_counts_characters_and_instagram_counts_bytes() -> None:
    assert length_label("messenger", "héllo") == "5/2000"
    assert length_label("instagram", "héllo") == "6/1000 bytes"
    assert length_label("instagram", "🥖") == "4/1000 bytes"


def test_limits_refuse_what_the_platform_would_refuse() -> None:
    assert send_refusal("messenger", "a" * 1999, OPEN, False) is None
    assert "2000 characters" in (send_refusal("messenger", "a" * 2000, OPEN, False) or "")
    assert send_refusal("instagram", "é" * 500, OPEN, False) is None
    assert "1000 bytes" in (send_refusal("instagram", "é" * 501, OPEN, False) or "")


def test_window_states_decide_whether_a_reply_may_go() -> None:
    human = ReplyWindow(WindowState.HUMAN_AGENT, timedelta(days=3))
    closed = ReplyWindow(WindowState.CLOSED)
    assert send_refusal("messenger", "   ", OPEN, False) == "nothing to send"
    assert "HUMAN_AGENT" in (send_refusal("messenger", "hi", human, False) or "")
    assert send_refusal("messenger", "hi", human, True) is None
    assert send_refusal("messenger", "hi", closed, True) == "the reply window is closed"
    assert send_refusal("messenger", "hi", ReplyWindow(WindowState.UNKNOWN), False) is None


def test_window_words() -> None:
    assert describe_window(OPEN, False)[0] == "reply window open, 20h 05m left"
    closing = ReplyWindow(WindowState.CLOSING, timedelta(minutes=8))
    assert describe_window(closing, False)[0] == "reply window closing, 8m left"
    human = ReplyWindow(WindowState.HUMAN_AGENT, timedelta(days=5, hours=17))
    assert describe_window(human, False)[0].endswith("5d 17h: off (ctrl+t)")
    assert describe_window(human, True)[0].endswith(": ON")
    assert describe_window(ReplyWindow(WindowState.CLOSED), False)[0].startswith("sending disabled")
