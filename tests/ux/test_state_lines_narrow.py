"""The state lines above the Filters and Privacy tables are read whole on an 80-column
terminal: they wrap instead of losing their end at the edge."""

from __future__ import annotations

from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig


async def drawn_text(pilot: Pilot[None], app: App[None], key: str, selector: str) -> str:
    """What the tab's state line draws in the room it has, its lines joined."""
    await pilot.press(key)
    await wait_until(pilot, lambda: bool(app.screen.query(selector)))
    line = app.screen.query_one(selector, Static)
    await wait_until(pilot, lambda: line.size.height > 0)
    await pilot.pause()
    strips = line.render_lines(Region(0, 0, line.size.width, line.size.height))
    return " ".join(" ".join(strip.text.split()) for strip in strips)


async def test_state_lines_wrap_instead_of_losing_their_end_at_80_columns(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)  # as a user does: the dashboard is drawn before they press 3
        filters = await drawn_text(pilot, app, "3", "#filters-state")
        assert "Do not disturb: off" in filters and "Time zone:" in filters, filters
        privacy = await drawn_text(pilot, app, "4", "#privacy-share")
        assert "Screen share: off" in privacy and "turn it off or quit)" in privacy, privacy
