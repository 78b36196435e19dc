"""One hit reads "1 message", not "1 messages" (item 20)."""

from __future__ import annotations

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.modals.search import SearchScreen


async def test_one_hit_is_one_message(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"coupon", "enter")
        await wait_until(pilot, lambda: screen.source.count() == 1)
        status = str(screen.query_one("#search-status", Static).render())
        assert status.startswith("1 message,"), status
