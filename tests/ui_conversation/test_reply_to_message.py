"""The reply-to-a-message key on a business conversation: said plainly not to apply there."""

from __future__ import annotations

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_conversation.conftest import Rig, open_screen
from tui.domain import WindowState


async def test_reply_to_message_on_messenger_says_it_is_for_matrix_only(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(
            pilot,
            rig.screen(
                account_id=conversation.account_id,
                conversation_id=conversation.remote_id,
                compose=False,
            ),
        )
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: bool(app._notifications))
        [note] = list(app._notifications)
        assert "Matrix chats only" in note.message
        assert screen.reply_to is None
        assert not screen.query_one("#composer-reply", Static).display
        assert screen.history.marked is None
