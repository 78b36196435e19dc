"""Unlinking with purge clears every screen at once, the Filters preview included (item 4)."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.modals.confirm import UnlinkScreen
from tui.panes.profiles import ProfilesPane


def _accounts_in(table: DataTable[object]) -> set[str]:
    return {str(table.get_row_at(i)[1]).strip() for i in range(table.row_count)}


async def test_unlink_and_purge_empties_the_filters_preview(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        recent = app.screen.query_one("#recent-table", DataTable)
        await wait_until(pilot, lambda: rig.fb in _accounts_in(recent))

        await pilot.press("2")
        pane = app.screen.query_one(ProfilesPane)
        table = app.screen.query_one("#profiles-table", DataTable)
        await wait_until(pilot, lambda: table.row_count >= 2)
        table.focus()
        while str(table.get_row_at(table.cursor_row)[0]).strip() != rig.fb:
            await pilot.press("j")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlinkScreen))
        await pilot.press("P")
        await wait_until(pilot, lambda: rig.fb not in pane.rows)

        await pilot.press("3")
        await wait_until(pilot, lambda: rig.fb not in _accounts_in(recent), timeout=5)
        assert recent.row_count > 0, "the other accounts' messages stay"
