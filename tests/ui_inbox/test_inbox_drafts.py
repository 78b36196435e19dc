"""The inbox marks a conversation that holds an unsent reply, and the mark follows the draft."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.pilot import wait_until
from tests.ui_inbox.conftest import Rig, inbox_list, ready, visible_text
from tui.screens.conversation import ConversationScreen
from tui.widgets.inbox_rows import DRAFT_MARK


async def reply_here(pilot: Pilot[Any]) -> ConversationScreen:
    await pilot.press("r")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    await wait_until(pilot, lambda: screen.ready)
    return screen


async def test_escape_with_a_draft_marks_the_row_and_emptying_it_removes_the_mark(
    rig: Rig,
) -> None:
    async with rig.app().run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert not any(DRAFT_MARK in line for line in visible_text(pilot))
        row = inbox_list(pilot).cursor
        screen = await reply_here(pilot)
        screen.composer.area.insert("We ship on Mondays")
        await pilot.press("escape")
        await wait_until(pilot, lambda: DRAFT_MARK in visible_text(pilot)[row])
        assert sum(DRAFT_MARK in line for line in visible_text(pilot)) == 1
        # Back in: the text is there; empty it and the mark goes.
        screen = await reply_here(pilot)
        assert screen.composer.text == "We ship on Mondays"
        screen.composer.clear()
        await pilot.press("escape")
        await wait_until(pilot, lambda: DRAFT_MARK not in visible_text(pilot)[row])
        assert not any(DRAFT_MARK in line for line in visible_text(pilot))
