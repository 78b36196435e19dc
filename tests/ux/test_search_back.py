"""Esc from a search result returns to the results with the query and selection kept,
and the next / offers the last query again (item 8)."""

from __future__ import annotations

from textual.widgets import Input

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.modals.search import SearchScreen
from tui.screens.conversation import ConversationScreen
from tui.screens.main import MainScreen
from tui.widgets.virtual_list import VirtualList


async def test_esc_from_a_result_returns_to_the_results(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"from:Souza", "enter")
        await wait_until(pilot, lambda: search.source.count() >= 2)
        results = search.query_one("#search-results", VirtualList)
        await wait_until(pilot, lambda: app.focused is results)
        await pilot.press("j")
        picked = results.cursor_key
        assert results.cursor == 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationScreen))

        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is search)
        assert search.query_one(Input).value == "from:Souza"
        assert results.cursor == 1 and results.cursor_key == picked

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert app.screen.query_one(Input).value == "from:Souza"
