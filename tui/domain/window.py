"""Meta's reply windows: 24 hours after the customer's last message, 7 with HUMAN_AGENT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
CLOSING_SOON = timedelta(hours=1)
FUTURE_TOLERANCE = timedelta(minutes=15)
"""How far ahead of our clock a stamped time may be (clock skew) before it is not believed."""


def not_in_future(moment: datetime, received: datetime, known: datetime | None = None) -> datetime:
    """``moment``, unless it lies further ahead than clock skew explains: then ``known``
    (the time it was first stored, so a re-read does not date it again) or ``received``.

    A stranger's clock or a hostile server can stamp a message in 2100; believed, it
    would hold the conversation at the top and its reply window open for decades.
    """
    if moment <= received + FUTURE_TOLERANCE:
        return moment
    return known if known is not None and known <= received else received


class WindowState(StrEnum):
    OPEN = "open"
    CLOSING = "closing"
    """Open, with less than an hour left."""
    HUMAN_AGENT = "human_agent"
    """Closed for ordinary replies; a human agent may still answer with the tag."""
    CLOSED = "closed"
    UNKNOWN = "unknown"
    NONE = "none"
    """No window applies: a personal chat reached through Matrix (a bridge or a room)."""


def is_matrix_room(remote_id: str) -> bool:
    """Whether a conversation id is a Matrix room id (``!opaque:server``); Meta's never are."""
    return remote_id.startswith("!")


@dataclass(frozen=True)
class ReplyWindow:
    state: WindowState
    remaining: timedelta | None = None
    """Time left in the current state (standard or human-agent window)."""


def reply_window(last_inbound: datetime | None, now: datetime) -> ReplyWindow:
    """Where a conversation stands, given the customer's last message time."""
    if last_inbound is None:
        return ReplyWindow(WindowState.UNKNOWN)
    # A time ahead of ours never makes the window longer than the platform allows.
    age = max(now - last_inbound, timedelta(0))
    if age < STANDARD_WINDOW:
        left = STANDARD_WINDOW - age
        state = WindowState.CLOSING if left <= CLOSING_SOON else WindowState.OPEN
        return ReplyWindow(state, left)
    if age < HUMAN_AGENT_WINDOW:
        return ReplyWindow(WindowState.HUMAN_AGENT, HUMAN_AGENT_WINDOW - age)
    return ReplyWindow(WindowState.CLOSED)


def text_limit_ok(platform: str, text: str) -> bool:
    """Messenger: fewer than 2000 characters. Instagram: at most 1000 UTF-8 bytes."""
    if platform == "instagram":
        return len(text.encode("utf-8", "surrogatepass")) <= 1000
    return len(text) < 2000
