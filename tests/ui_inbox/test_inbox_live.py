"""A live event costs no more than a key (issue 16, goal 3): one changed conversation is
read on its own and moved to its place among the rows in memory; the view's pages are not
read again, and what the list shows is what a full re-read of the store would show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot

from tests.ui_inbox.conftest import Rig, inbox, inbox_list, ready, visible_text, wait_until
from tui.services.api import Service, Triage
from tui.services.events import ConversationsChanged
from tui.store import InboxView
from tui.widgets.inbox_rows import ConversationRow

SIZE = (120, 40)


class PageReads:
    """Counts the real store's page and count queries (it still answers them)."""

    def __init__(self, rig: Rig) -> None:
        self.calls = 0
        store = rig.runtime.store
        for name in ("conversations_page", "count_conversations", "position_of"):
            real = getattr(store, name)

            async def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
                self.calls += 1
                return await _real(*args, **kwargs)

            setattr(store, name, counted)


def shown_keys(pilot: Pilot[Any]) -> list[tuple[str, str]]:
    lst = inbox_list(pilot)
    rows = [lst._row_at(i) for i in range(lst.row_count)]
    keys: list[tuple[str, str]] = []
    for row in rows:
        assert isinstance(row, ConversationRow)
        keys.append((row.conversation.account_id, row.conversation.remote_id))
    return keys


async def store_keys(rig: Rig, view: InboxView) -> list[tuple[str, str]]:
    page = await rig.runtime.store.conversations_page(view, 0, 1000, rig.now)
    return [(c.account_id, c.remote_id) for c in page]


async def bottom_row_writes(rig: Rig, bottom: tuple[str, str], text: str) -> None:
    """The customer of ``bottom`` writes again five seconds later; one sync brings it in."""
    rig.sim.clock.advance(5)
    rig.sim.inbound(bottom[0], bottom[1], text)
    await rig.runtime.engine.run_once()


async def test_a_new_message_moves_its_row_to_the_top_without_reading_the_page(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        lst = inbox_list(pilot)
        cursor_before = lst.cursor_key
        bottom = shown_keys(pilot)[-1]
        reads = PageReads(rig)
        before, patches = pane.refreshes, pane.patches
        await bottom_row_writes(rig, bottom, "one more question")
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        await wait_until(pilot, lambda: "one more question" in visible_text(pilot)[0])
        assert pane.patches == patches + 1
        assert reads.calls == 0  # the row was read on its own, no page, no count
        assert shown_keys(pilot) == await store_keys(rig, InboxView())
        assert lst.cursor_key == cursor_before  # the cursor stays on its conversation


async def test_triage_changes_patch_the_list_to_what_the_store_holds(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        keys = shown_keys(pilot)
        changes = [
            (keys[3], Triage.PIN),  # moves to the top
            (keys[5], Triage.DONE),  # leaves the All view
            (keys[1], Triage.MUTE),  # stays where it is
            (keys[3], Triage.UNPIN),  # back among the others
        ]
        for key, triage in changes:
            before = pane.refreshes
            await service_of(pilot).triage(key, triage)
            await wait_until(pilot, lambda n=before: pane.refreshes > n and not pane._reloading)
            assert shown_keys(pilot) == await store_keys(rig, InboxView()), triage
            assert lst_count(pilot) == await rig.runtime.store.count_conversations(
                InboxView(), rig.now
            )
        assert pane.patches >= len(changes)
        # A conversation new to the view comes in at its place too.
        before = pane.refreshes
        await rig.add(rig.fb, "t_brand_new", "Brand New", "hello", age=timedelta(seconds=1))
        pane.handle_event(ConversationsChanged(rig.fb, ["t_brand_new"]))
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        assert shown_keys(pilot) == await store_keys(rig, InboxView())
        assert "Brand New" in " ".join(visible_text(pilot))


def service_of(pilot: Pilot[Any]) -> Service:
    service = pilot.app.service  # type: ignore[attr-defined]
    assert service is not None
    return service  # type: ignore[no-any-return]


def lst_count(pilot: Pilot[Any]) -> int:
    return inbox_list(pilot).row_count


async def test_grouped_by_person_still_reads_the_view_again(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        before = pane.refreshes
        await pilot.press("P")
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        patches, before = pane.patches, pane.refreshes
        key = inbox(pilot).list.cursor_key
        assert isinstance(key, tuple)
        await service_of(pilot).triage(shown_first_conversation(pilot), Triage.PIN)
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        assert pane.patches == patches


def shown_first_conversation(pilot: Pilot[Any]) -> tuple[str, str]:
    pane = inbox(pilot)
    assert pane.source is not None
    for row in pane.source.loaded.values():
        if isinstance(row, ConversationRow):
            return (row.conversation.account_id, row.conversation.remote_id)
    raise AssertionError("no conversation row")


async def test_a_change_without_a_list_reads_the_view_again(rig: Rig) -> None:
    """After a reattach the service says "anything may have changed": no patch then."""
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await rig.add(rig.fb, "t_while_away", "While Away", "hello", age=timedelta(seconds=1))
        patches, before = pane.patches, pane.refreshes
        pane.handle_event(ConversationsChanged("", ()))
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        lst = inbox_list(pilot)
        await wait_until(pilot, lambda: all(lst._row_at(i) for i in range(lst.row_count)))
        assert pane.patches == patches
        assert shown_keys(pilot) == await store_keys(rig, InboxView())


async def test_the_wake_redraws_times_from_the_rows_in_memory(rig: Rig) -> None:
    """Every 30 s the times move on ("2m" becomes "1h"): drawn again, the view not re-read."""
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        before = visible_text(pilot)
        reads = PageReads(rig)
        rig.sim.clock.advance(3 * 3600)
        pane.wake()  # what the 30-second timer does
        await wait_until(pilot, lambda: visible_text(pilot) != before)
        assert reads.calls == 0
        assert shown_keys(pilot) == await store_keys(rig, InboxView())


class InboxReads:
    """Counts every store read the inbox could make for a change (the store still answers)."""

    NAMES = ("conversation_in_view", "conversations_page", "count_conversations", "position_of")

    def __init__(self, rig: Rig) -> None:
        self.calls: list[str] = []
        self.carried = 0
        store = rig.runtime.store
        for name in self.NAMES:
            real = getattr(store, name)

            async def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
                self.calls.append(_name)
                return await _real(*args, **kw)

            setattr(store, name, counted)
        real_by_key = store.conversations_by_key

        async def by_key(*args: Any, **kw: Any) -> Any:
            self.carried += 1  # the service, reading what its event carries
            return await real_by_key(*args, **kw)

        store.conversations_by_key = by_key  # type: ignore[method-assign]


async def test_a_change_the_event_carries_is_drawn_without_reading_the_store(rig: Rig) -> None:
    """The service's event carries the changed conversation (as stored after the change):
    the inbox places and draws it from the event, reading nothing back, and the row it
    shows is the stored one."""
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        bottom = shown_keys(pilot)[-1]
        reads = InboxReads(rig)
        before, patches = pane.refreshes, pane.patches
        await bottom_row_writes(rig, bottom, "carried all the way")
        await wait_until(pilot, lambda: "carried all the way" in visible_text(pilot)[0])
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        assert reads.carried >= 1
        assert reads.calls == []  # no row, page, count or position read by the dashboard
        assert pane.patches == patches + 1
        assert pane.source is not None
        row = pane.source.loaded[bottom]
        assert isinstance(row, ConversationRow)
        assert row.conversation == await rig.runtime.store.get_conversation(*bottom)
        assert shown_keys(pilot) == await store_keys(rig, InboxView())


async def test_a_view_the_event_cannot_decide_reads_the_row(rig: Rig) -> None:
    """Needs reply depends on who wrote last, which a conversation does not say: there the
    inbox reads the one row, and the list is still what the store holds."""
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        before = pane.refreshes
        await pilot.press("n")
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        bottom = shown_keys(pilot)[-1]
        reads = InboxReads(rig)
        before = pane.refreshes
        await bottom_row_writes(rig, bottom, "still waiting for you")
        await wait_until(pilot, lambda: pane.refreshes > before and not pane._reloading)
        assert "conversation_in_view" in reads.calls
        assert shown_keys(pilot) == await store_keys(rig, InboxView("needs_reply"))
