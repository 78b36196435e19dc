"""The screen-share switch hides every name and body on screen at once, then shows them."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.pilot import wait_until
from tui.screens.conversation import ConversationScreen
from tui.widgets.history import History
from tui.widgets.safe import HIDDEN_MARK

from .conftest import Rig, ready, visible_text


def history_text(pilot: Pilot[Any]) -> str:
    history = pilot.app.screen.query_one(History)
    return history.all_text()


async def test_screen_share_hides_names_and_bodies_in_list_and_history(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        before = "\n".join(visible_text(pilot))
        assert "Ana Souza" in before and "sourdough" in before

        app.action_toggle_screen_share()
        await pilot.pause()
        hidden = "\n".join(visible_text(pilot))
        assert "Ana Souza" not in hidden and "sourdough" not in hidden
        assert HIDDEN_MARK in hidden
        assert rig.fb in hidden, "account ids stay visible: they are the user's own words"

        # Open a conversation while sharing: nothing of it shows either.
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await wait_until(pilot, lambda: screen.ready)
        shown = history_text(pilot)
        assert HIDDEN_MARK in shown
        # The newest conversation is the hostile one: its name has "Boss", its text "coupon".
        assert "Boss" not in shown and "coupon" not in shown

        # And switching it off brings everything back at once, on this screen too.
        app.action_toggle_screen_share()
        await pilot.pause()
        back = history_text(pilot)
        assert HIDDEN_MARK not in back
        assert "Boss" in back and "coupon" in back
