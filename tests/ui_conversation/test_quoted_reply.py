"""An inline (quoted) reply shows the line it quotes (Meta's ``reply_to``: issue 17 item 2)."""

from __future__ import annotations

from datetime import timedelta

from tests.ui_conversation.conftest import Rig, open_screen
from tui.domain import InboxMessage, Platform, WindowState


async def test_a_quoted_reply_shows_the_quoted_line_above_its_text(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    store = rig.runtime.store
    account, thread = conversation.account_id, conversation.remote_id
    customer = conversation.customer.platform_user_id
    now = rig.now()
    quoted = InboxMessage(
        account_id=account,
        remote_id="m_quoted",
        conversation_id=thread,
        sender_id="me",
        created_at=now - timedelta(seconds=30),
        text="We close at six today.\nSee you!",
        from_us=True,
    )
    reply = InboxMessage(
        account_id=account,
        remote_id="m_reply",
        conversation_id=thread,
        sender_id=customer,
        created_at=now - timedelta(seconds=10),
        text="Perfect, thanks",
        reply_to="m_quoted",
    )
    await store.apply_batch(account, platform=Platform.MESSENGER, messages=[quoted, reply])
    [kept] = [
        m for m in await store.messages_page(account, thread, None, 5) if m.remote_id == "m_reply"
    ]
    assert kept.reply_to == "m_quoted"  # the store keeps it
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(account_id=account, conversation_id=thread))
        lines = [line.strip() for line in screen.history.all_text().splitlines()]
    at = lines.index("Perfect, thanks")
    assert lines[at - 1] == "│ replying to: We close at six today."
