"""The inbox explains its reply-window cells and says when conversations arrive above
the view (item 17)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import inbox_list, ready, visible_text
from tests.ux.conftest import Rig
from tui.domain.models import TriageStatus


async def test_the_legend_explains_the_highlighted_rows_reply_window(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        legend = app.screen.query_one("#inbox-legend", Static)
        shown: dict[str, str] = {}
        for _ in range(inbox_list(pilot).row_count):
            await wait_until(pilot, lambda: bool(str(legend.render())))
            cell = visible_text(pilot)[inbox_list(pilot).cursor][-20:]
            text = str(legend.render())
            for word in ("open", "closing", "agent", "closed"):
                if f" {word} " in f" {cell} " and word not in shown:
                    shown[word] = text
            await pilot.press("j")
            await pilot.pause()
        assert "you can reply for" in shown["open"]
        assert "HUMAN_AGENT" in shown["agent"]


async def test_new_conversations_above_the_view_are_counted(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=(120, 14)) as pilot:
        pane = await ready(pilot)
        header = app.screen.query_one("#inbox-header", Static)
        assert "new above" not in str(header.render())
        before = pane.refreshes
        await rig.add(rig.fb, "t_new1", "Newcomer One", "hello", age=timedelta(seconds=1))
        await rig.add(rig.ig, "ig_new2", "Newcomer Two", "hi there", age=timedelta(seconds=1))
        pane.reload()
        await wait_until(pilot, lambda: pane.refreshes > before)
        await wait_until(pilot, lambda: "2 new above" in str(header.render()))
        assert not any("Newcomer" in line for line in visible_text(pilot))
        await pilot.press("g")
        await wait_until(pilot, lambda: "new above" not in str(header.render()))
        assert any("Newcomer" in line for line in visible_text(pilot))


async def test_the_legend_follows_the_highlighted_row_into_each_view(rig: Rig) -> None:
    """A view key puts the cursor on another conversation: the legend describes that one
    as soon as the view is drawn, not the row highlighted in the view before."""
    store = rig.runtime.store
    await store.set_status(rig.fb, "t_ana", TriageStatus.DONE)
    await store.set_status(
        rig.ig, "ig_ana", TriageStatus.SNOOZED, snoozed_until=rig.now + timedelta(days=1)
    )
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await ready(pilot)
        legend = app.screen.query_one("#inbox-legend", Static)
        seen: set[str] = set()
        for key in ("z", "D", "a", "U", "a"):
            before = pane.refreshes
            await pilot.press(key)
            await wait_until(pilot, lambda b=before: pane.refreshes > b)  # type: ignore[misc]
            await ready(pilot, pane.refreshes)
            lst = inbox_list(pilot)
            text = str(legend.render())
            if not lst.row_count:
                assert text == "", key
                continue
            window = text.split(":")[0]  # "open 23h", "agent 4d", ...
            assert window and window in visible_text(pilot)[lst.cursor], (key, text)
            seen.add(window)
        assert len(seen) >= 2, seen  # the views' first rows are in different windows
