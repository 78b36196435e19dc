"""Labels have a view (L on a labelled conversation) and can be removed (item 7)."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.pilot import wait_until
from tests.ui_inbox.conftest import inbox_list, ready, visible_text
from tests.ui_inbox.test_inbox_keys import go_to
from tests.ux.conftest import Rig
from tui.modals.triage_modals import LabelEditor


async def test_label_view_then_remove_the_label(rig: Rig) -> None:
    store = rig.runtime.store
    await store.set_labels(rig.fb, "t_ana", ["vip"])
    await store.set_labels(rig.ig, "ig_ana", ["VIP", "order"])
    app = rig.app()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await ready(pilot)
        total = inbox_list(pilot).row_count
        header = app.screen.query_one("#inbox-header", Static)
        await go_to(pilot, rig, (rig.fb, "t_ana"))
        before = pane.refreshes
        await pilot.press("L")
        await wait_until(pilot, lambda: pane.refreshes > before and "#vip" in str(header.render()))
        await wait_until(pilot, lambda: inbox_list(pilot).row_count == 2)
        shown = [line for line in visible_text(pilot) if line.strip()]
        assert len(shown) == 2 and all("Ana Souza" in line for line in shown)

        # Remove it from the highlighted conversation: the label editor, emptied.
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LabelEditor))
        app.screen.query_one(Input).value = ""
        before = pane.refreshes
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.refreshes > before)
        await wait_until(pilot, lambda: inbox_list(pilot).row_count == 1)

        before = pane.refreshes
        await pilot.press("L")
        await wait_until(pilot, lambda: pane.refreshes > before)
        await wait_until(pilot, lambda: inbox_list(pilot).row_count == total)
        assert "#vip" not in str(header.render())
    remaining = {h.message.conversation_id for h in await store.search("#vip", limit=20)}
    assert len(remaining) == 1
