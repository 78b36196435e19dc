"""The Filters rules table keeps its "Catches" column on screen at 120 columns (item 20)."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.domain.rules import NotificationRule, Sink


async def test_catches_column_is_readable_with_a_long_rule(rig: Rig) -> None:
    rule = NotificationRule(
        "Wholesale customers asking about large orders",
        platforms=("messenger", "instagram"),
        kinds=("message", "story_reply"),
        senders=("vip", "contact"),
        keywords=("wholesale", "bulk order", "catering", "wedding cake"),
        sinks=(Sink.TOAST, Sink.BELL, Sink.DESKTOP),
    )
    rig.runtime.prefs_file.set_rules([rule])
    rig.runtime.reload_prefs()
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)  # as a user does: the dashboard is drawn before they press 3
        await pilot.press("3")
        await wait_until(pilot, lambda: bool(app.screen.query("#rules-table")))
        table = app.screen.query_one("#rules-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        # Under load the first frames are drawn before the table has its size: wait for the
        # header's first columns, which fit at any width, before reading the last one.
        await wait_until(pilot, lambda: "Rule" in table.render_line(0).text)
        await wait_until(pilot, lambda: "Wholesale" in table.render_line(1).text)
        header = table.render_line(0).text
        assert "Catches" in header, header
        assert "…" in table.render_line(1).text, "a cut cell says so"
