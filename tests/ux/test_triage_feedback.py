"""Every triage key says what it did, in the header line, and marks the row (item 13)."""

from __future__ import annotations

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import inbox_list, ready, visible_text
from tests.ux.conftest import Rig


def _header(app: object) -> str:
    from tui.app import DashboardApp

    assert isinstance(app, DashboardApp)
    return str(app.screen.query_one("#inbox-header", Static).render())


async def test_mute_is_said_and_shown_on_the_row(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await ready(pilot)
        row = inbox_list(pilot).cursor
        before = pane.refreshes
        await pilot.press("m")
        await wait_until(pilot, lambda: pane.refreshes > before and "Muted:" in _header(app))
        await wait_until(pilot, lambda: "muted" in visible_text(pilot)[row])
        assert "m again unmutes" in _header(app)
        before = pane.refreshes
        await pilot.press("m")
        await wait_until(pilot, lambda: pane.refreshes > before and "Unmuted:" in _header(app))
        await wait_until(pilot, lambda: "muted" not in visible_text(pilot)[row])


async def test_unread_key_is_a_toggle_and_says_which_way(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await ready(pilot)
        footer = {b.binding.description for b in app.screen.active_bindings.values()}
        assert "Read/unread" in footer
        before = pane.refreshes
        await pilot.press("u")
        await wait_until(pilot, lambda: pane.refreshes > before and "Marked" in _header(app))
        first = _header(app)
        before = pane.refreshes
        await pilot.press("u")
        await wait_until(pilot, lambda: pane.refreshes > before and _header(app) != first)
        said = {"read" if "Marked read" in h else "unread" for h in (first, _header(app))}
        assert said == {"read", "unread"}


async def test_pin_and_done_say_what_they_did(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await ready(pilot)
        before = pane.refreshes
        await pilot.press("p")
        await wait_until(pilot, lambda: pane.refreshes > before and "Pinned:" in _header(app))
        before = pane.refreshes
        await pilot.press("e")
        await wait_until(pilot, lambda: pane.refreshes > before and "Done:" in _header(app))
