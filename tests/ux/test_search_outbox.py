"""Replies still in the outbox (failed, pending) are found by search, marked as such (item 9)."""

from __future__ import annotations

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.domain import OutboxState
from tui.modals.search import OUTBOX_MARK, SearchScreen
from tui.widgets.virtual_list import VirtualList


async def failed_reply(rig: Rig, text: str) -> None:
    store = rig.runtime.store
    item = await store.enqueue(
        account_id=rig.fb,
        conversation_id="t_ana",
        recipient_id="cust-t_ana",
        action="text",
        text=text,
        at=rig.now,
    )
    await store.claim_outbox(item.id)
    await store.finish_outbox(item.id, OutboxState.FAILED, error="recipient unavailable")


async def test_store_search_finds_outbox_text(rig: Rig) -> None:
    await failed_reply(rig, "The kouignamann are ready at noon")
    hits = await rig.runtime.store.search("kouignamann noon")
    assert [(h.message.text, h.outbox) for h in hits] == [
        ("The kouignamann are ready at noon", True)
    ]
    assert hits[0].message.conversation_id == "t_ana" and hits[0].message.from_us
    assert await rig.runtime.store.search("kouignamann tomorrow") == [], "every word must match"
    assert await rig.runtime.store.search(f"kouignamann account:{rig.ig}") == []


async def test_search_screen_marks_outbox_results(rig: Rig) -> None:
    await failed_reply(rig, "The kouignamann are ready at noon")
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"kouignamann", "enter")
        await wait_until(pilot, lambda: search.source.count() >= 1)
        results = search.query_one("#search-results", VirtualList)
        await wait_until(pilot, lambda: "kouignamann" in results.render_line(0).text)
        line = results.render_line(0).text
        assert "▶ you" in line and OUTBOX_MARK in line, line
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SearchScreen))
