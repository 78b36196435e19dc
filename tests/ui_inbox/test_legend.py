"""The legend under the inbox says how long ago the highlighted row last changed, in words
that read right for a few minutes, for now, and for a date more than a week back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain.models import Conversation, Identity, Platform
from tui.widgets.inbox_rows import ConversationRow, legend_line

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def legend(age: timedelta) -> str:
    customer = Identity("page", "cust-1", name="Ana")
    conversation = Conversation("page", "t1", Platform.MESSENGER, customer, updated_at=NOW - age)
    return legend_line(ConversationRow(conversation, NOW)).plain


def test_minutes_ago() -> None:
    assert "4m ago: last activity" in legend(timedelta(minutes=4))


def test_just_now() -> None:
    text = legend(timedelta(seconds=10))
    assert "last activity now" in text and "now ago" not in text


def test_a_date_is_not_followed_by_ago() -> None:
    text = legend(timedelta(days=9))
    assert "last activity on Nov 21" in text and "ago" not in text
