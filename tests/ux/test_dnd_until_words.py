"""Do-not-disturb's end reads as a time, not raw ISO (item 20)."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ux.conftest import Rig
from tui.services.notifier import save_dnd


async def test_dnd_end_is_shown_as_a_clock_time(rig: Rig) -> None:
    until = rig.now + timedelta(hours=30)
    save_dnd(rig.runtime.prefs_file, True, until)
    rig.runtime.reload_prefs()
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_until(pilot, lambda: bool(app.screen.query("#filters-state")))
        state = app.screen.query_one("#filters-state", Static)
        await wait_until(pilot, lambda: "Do not disturb: on" in str(state.render()))
        text = str(state.render())
        assert until.isoformat() not in text and "+00:00" not in text
        assert re.search(r"on until \w{3} \d\d:\d\d", text), text
