"""Screen share hides everything that came from a stranger: attachment and story links and
file names too, not only names and bodies (item 3)."""

from __future__ import annotations

from datetime import timedelta

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.domain.models import Attachment, Conversation, Identity, InboxMessage, Platform
from tui.screens.conversation import ConversationScreen
from tui.widgets.history import History
from tui.widgets.safe import HIDDEN_MARK

STORY = "https://lookaside.example.com/story/ana-secret-story-123"
FILE = "https://cdn.example.com/files/ana-invoice-42.pdf"


async def test_screen_share_hides_attachment_and_story_links(rig: Rig) -> None:
    at = rig.now - timedelta(seconds=5)
    customer = Identity(rig.ig, "cust-att", name="Attach Person")
    conversation = Conversation(rig.ig, "ig_att", Platform.INSTAGRAM, customer, updated_at=at)
    message = InboxMessage(
        rig.ig,
        "m-att",
        "ig_att",
        "cust-att",
        at,
        text="",
        sender_name="Attach Person",
        reaction="😍",
        attachments=(
            Attachment("story", url=STORY),
            Attachment("file", url=FILE, name="ana-invoice-42.pdf"),
        ),
    )
    await rig.runtime.store.apply_batch(
        rig.ig, platform=Platform.INSTAGRAM, conversations=[conversation], messages=[message]
    )
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await wait_until(pilot, lambda: screen.ready)
        history = screen.query_one(History)
        await wait_until(pilot, lambda: "ana-secret-story" in history.all_text())

        app.action_toggle_screen_share()
        await pilot.pause()
        shown = history.all_text()
        assert "lookaside" not in shown and "ana-secret-story" not in shown
        assert "ana-invoice" not in shown and "cdn.example.com" not in shown
        assert "😍" not in shown
        assert HIDDEN_MARK in shown


async def test_screen_share_drops_the_last_keys_note_that_names_someone(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("m")  # "Muted: NAME (…)" in the header
        header = app.screen.query_one("#inbox-header")
        await wait_until(pilot, lambda: "Muted:" in str(header.render()))
        app.action_toggle_screen_share()
        await wait_until(pilot, lambda: "Muted:" not in str(header.render()))
