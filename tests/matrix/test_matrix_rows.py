"""How Matrix conversations look in the inbox list and the composer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain import Conversation, Identity, Platform
from tui.domain.window import ReplyWindow, WindowState
from tui.widgets.composer import describe_window, send_refusal
from tui.widgets.inbox_rows import ConversationRow

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def row(remote_id: str, platform: Platform, name: str) -> str:
    conversation = Conversation(
        account_id="mx",
        remote_id=remote_id,
        platform=platform,
        customer=Identity("mx", remote_id, name=name),
        updated_at=NOW,
        snippet="hi",
        last_inbound_at=NOW - timedelta(days=9),
    )
    return ConversationRow(conversation, NOW).render(120).plain


def test_a_bridged_instagram_chat_is_marked_personal_via_matrix() -> None:
    line = row("!portal:example.org", Platform.INSTAGRAM, "Ana Souza")
    assert line.lstrip().startswith("IG")
    assert "Ana Souza" in line and "via Matrix" in line
    assert "closed" not in line, "no Meta reply window on a personal chat"


def test_a_plain_matrix_room_has_its_own_badge_and_a_business_chat_keeps_its_window() -> None:
    plain = row("!room:example.org", Platform.MATRIX, "Book club")
    assert plain.lstrip().startswith("MX")
    assert "closed" not in plain and "via Matrix" not in plain, "a room has no reply window"
    business = row("t_123", Platform.INSTAGRAM, "Customer")
    assert "via Matrix" not in business and "closed" in business


def test_no_reply_window_ever_refuses_a_matrix_send() -> None:
    window = ReplyWindow(WindowState.NONE)
    assert send_refusal("instagram", "hello", window, human_agent=False) is None
    assert "Matrix" in describe_window(window, False)[0]


def test_profiles_show_the_homeserver_user_device_and_bridges() -> None:
    from tui.config import AccountConfig
    from tui.panes.profiles import ProfileRow, details_text
    from tui.services.account_facts import TokenFacts

    config = AccountConfig(
        id="me",
        platform=Platform.MATRIX,
        name="@ana:example.org",
        user_id="@ana:example.org",
        homeserver="https://matrix.example.org",
        device_id="LINKDECK1",
    )
    row = ProfileRow(
        config, None, None, TokenFacts(), (3, 40), bridges="Instagram via @bot:example.org: 2 rooms"
    )
    text = details_text(row, NOW, UTC).plain
    assert "Homeserver: https://matrix.example.org" in text
    assert "User: @ana:example.org" in text and "Device: LINKDECK1" in text
    assert "Bridges: Instagram via @bot:example.org: 2 rooms" in text
    assert "Page id" not in text
