"""j and k move the cursor in every list and table, as they do in the inbox (item 15)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from tests.pilot import wait_until
from tests.ux.conftest import Rig


async def _table_on_tab(pilot: Pilot[Any], key: str, table_id: str) -> DataTable[Any]:
    await pilot.press(key)
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(f"#{table_id}")))
    table = pilot.app.screen.query_one(f"#{table_id}", DataTable)
    await wait_until(pilot, lambda: table.row_count >= 3)
    table.focus()
    await wait_until(pilot, lambda: pilot.app.focused is table)
    return table


@pytest.mark.parametrize(
    ("key", "table_id"),
    [
        ("2", "profiles-table"),
        ("4", "privacy-table"),
        ("3", "recent-table"),
    ],
)
async def test_j_and_k_move_in_every_table(rig: Rig, key: str, table_id: str) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _table_on_tab(pilot, key, table_id)
        start = table.cursor_row
        await pilot.press("j", "j")
        assert table.cursor_row == start + 2
        await pilot.press("k")
        assert table.cursor_row == start + 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_j_and_k_move_in_the_snooze_menu(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        from tests.ui_inbox.conftest import ready

        await ready(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(app.screen.query("#snooze-options")))
        options = app.screen.query_one("#snooze-options", OptionList)
        options.focus()
        await pilot.pause()
        first = options.highlighted or 0
        await pilot.press("j", "j", "k")
        assert options.highlighted == first + 1
