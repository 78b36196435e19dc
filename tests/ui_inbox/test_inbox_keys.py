"""Every inbox key, driven like a person would, against a real store and simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot

from tests.ui_inbox.conftest import (
    HOSTILE_NAME,
    Rig,
    inbox,
    inbox_list,
    ready,
    visible_text,
    wait_until,
)
from tui.domain.models import OutboxState, Platform, TriageStatus
from tui.modals.triage_modals import LabelEditor, MergeSuggestions, SnoozeMenu
from tui.screens.conversation import ConversationScreen
from tui.screens.main import MainScreen
from tui.services.events import ConversationsChanged, PrefsChanged
from tui.store import InboxView
from tui.widgets.inbox_rows import ConversationRow, PersonRow

SIZE = (120, 40)


async def go_to(pilot: Pilot[Any], rig: Rig, key: tuple[str, str]) -> None:
    """Put the cursor on a conversation (the movement keys have their own test)."""
    pane = inbox(pilot)
    assert pane.source is not None
    index = await rig.runtime.store.position_of(pane.source.view, *key, rig.now)
    assert index is not None
    lst = inbox_list(pilot)
    lst.cursor = index
    await wait_until(pilot, lambda: lst.cursor_key == key)


async def reloaded(pilot: Pilot[Any], before: int) -> None:
    pane = inbox(pilot)
    await wait_until(pilot, lambda: pane.refreshes > before)
    lst = inbox_list(pilot)
    await wait_until(pilot, lambda: lst.row_count == 0 or lst.cursor_key is not None)


async def test_merged_list_newest_first_with_every_column(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        store = rig.runtime.store
        expected = await store.conversations_page(InboxView(), 0, 100, rig.now)
        lines = [line for line in visible_text(pilot) if line.strip()]
        assert len(lines) == len(expected) == await store.count_conversations(InboxView(), rig.now)
        for line, conversation in zip(lines, expected, strict=True):
            assert conversation.account_id in line
        assert {line[1:3] for line in lines} == {"FB", "IG"}
        assert lines[0].rstrip().endswith("now") and "open 23h" in lines[0]
        assert "agent 4d" in lines[-1]
        header = str(pilot.app.query_one("#inbox-header").render())
        assert f"All · {len(expected)} conversations" in header


async def test_hostile_names_and_huge_lines_render_literally(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        lines = visible_text(pilot)
        assert "[bold red]Boss[/]" in lines[0]
        assert "[@click=app.quit]free coupon[/]" in lines[0]
        assert "huge xxxx" in lines[1]
        for line in lines:
            assert not any(ch in line for ch in "\x1b\x07\u202e")
            assert len(line) <= SIZE[0]
        assert pilot.app.is_running  # the markup did not quit the app


async def test_cursor_keys(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        lst = inbox_list(pilot)
        last = lst.row_count - 1
        for key, expected in [
            ("j", 1),
            ("down", 2),
            ("k", 1),
            ("up", 0),
            ("G", last),
            ("k", last - 1),
            ("g", 0),
        ]:
            await pilot.press(key)
            assert lst.cursor == expected, key


async def test_enter_opens_marks_read_and_sends_mark_seen(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        key = (rig.fb, "t_hostile")
        assert inbox_list(pilot).cursor_key == key
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        screen = pilot.app.screen
        assert isinstance(screen, ConversationScreen)
        assert (screen.account_id, screen.conversation_id) == key
        stored = await rig.runtime.store.get_conversation(*key)
        assert stored is not None and stored.unread_count == 0
        items = await rig.runtime.store.outbox_items(account_id=rig.fb)
        seen = [i for i in items if i.action == "mark_seen" and i.conversation_id == "t_hostile"]
        assert len(seen) == 1 and seen[0].recipient_id == "cust-t_hostile"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_no_mark_seen_when_read_receipts_are_off(rig: Rig) -> None:
    rig.runtime.prefs_file.set_privacy(rig.fb, "send_read_receipts", False)
    rig.runtime.reload_prefs()
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        stored = await rig.runtime.store.get_conversation(rig.fb, "t_hostile")
        assert stored is not None and stored.unread_count == 0
        items = await rig.runtime.store.outbox_items(account_id=rig.fb)
        assert [i for i in items if i.action == "mark_seen"] == []


async def test_reply_key_opens_the_conversation(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j", "r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        screen = pilot.app.screen
        assert isinstance(screen, ConversationScreen)
        assert (screen.account_id, screen.conversation_id) == (rig.ig, "ig_huge")


async def test_done_leaves_all_and_comes_back_from_done(rig: Rig) -> None:
    store = rig.runtime.store
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        total = inbox_list(pilot).row_count
        before = pane.refreshes
        await pilot.press("e")
        await reloaded(pilot, before)
        stored = await store.get_conversation(rig.fb, "t_hostile")
        assert stored is not None and stored.triage.status is TriageStatus.DONE
        assert inbox_list(pilot).row_count == total - 1
        assert inbox_list(pilot).cursor_key == (rig.ig, "ig_huge")  # the next one
        before = pane.refreshes
        await pilot.press("D")
        await reloaded(pilot, before)
        assert inbox_list(pilot).row_count == 1
        assert "Done · 1 conversation" in str(pilot.app.query_one("#inbox-header").render())
        before = pane.refreshes
        await pilot.press("e")
        await reloaded(pilot, before)
        assert inbox_list(pilot).row_count == 0
        stored = await store.get_conversation(rig.fb, "t_hostile")
        assert stored is not None and stored.triage.status is TriageStatus.OPEN


async def test_u_toggles_unread(rig: Rig) -> None:
    store = rig.runtime.store
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        for expected in (0, 1, 0):
            before = pane.refreshes
            await pilot.press("u")
            await reloaded(pilot, before)
            stored = await store.get_conversation(rig.fb, "t_hostile")
            assert stored is not None and stored.unread_count == expected


async def test_snooze_hides_until_its_time(rig: Rig) -> None:
    store = rig.runtime.store
    key = (rig.fb, "t_hostile")
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        total = inbox_list(pilot).row_count
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnoozeMenu))
        before = pane.refreshes
        await pilot.press("1")
        await reloaded(pilot, before)
        stored = await store.get_conversation(*key)
        assert stored is not None and stored.triage.status is TriageStatus.SNOOZED
        assert stored.triage.snoozed_until == rig.now + timedelta(hours=1)
        assert inbox_list(pilot).row_count == total - 1
        assert pane.source is not None
        source = pane.source
        await wait_until(pilot, lambda: bool(source.loaded) and key not in source.loaded)
        before = pane.refreshes
        await pilot.press("z")
        await reloaded(pilot, before)
        assert inbox_list(pilot).cursor_key == key
        await pilot.press("a")
        rig.sim.clock.advance(3601)
        before = pane.refreshes
        pane.wake()  # what the 30-second timer does
        await reloaded(pilot, before)
        assert inbox_list(pilot).row_count == total
        stored = await store.get_conversation(*key)
        assert stored is not None and stored.triage.status is TriageStatus.OPEN


async def test_snooze_menu_choice_by_arrow_and_enter(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnoozeMenu))
        before = pane.refreshes
        await pilot.press("down", "down", "enter")
        await reloaded(pilot, before)
        stored = await rig.runtime.store.get_conversation(rig.fb, "t_hostile")
        assert stored is not None and stored.triage.snoozed_until is not None
        local = stored.triage.snoozed_until.astimezone()
        assert (local.hour, local.minute) == (9, 0)  # tomorrow 9:00
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnoozeMenu))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_a_new_message_wakes_a_snoozed_conversation(rig: Rig) -> None:
    store = rig.runtime.store
    first = (await store.conversations_page(InboxView(platform=Platform.MESSENGER), 2, 1, rig.now))[
        0
    ]
    key = (first.account_id, first.remote_id)
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await go_to(pilot, rig, key)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SnoozeMenu))
        before = pane.refreshes
        await pilot.press("4")
        await reloaded(pilot, before)
        assert pane.source is not None
        source = pane.source
        await wait_until(pilot, lambda: bool(source.loaded) and key not in source.loaded)
        rig.sim.clock.advance(5)
        rig.sim.inbound(first.account_id, first.customer.platform_user_id, "are you there?")
        before = pane.refreshes
        await rig.runtime.engine.run_once()
        await reloaded(pilot, before)
        await wait_until(pilot, lambda: key in source.loaded)
        stored = await store.get_conversation(*key)
        assert stored is not None and stored.triage.status is TriageStatus.OPEN
        assert stored.snippet == "are you there?"


async def test_pin_moves_to_top_and_mute_dims(rig: Rig) -> None:
    store = rig.runtime.store
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        lst = inbox_list(pilot)
        await pilot.press("j", "j", "j", "j")
        key = lst.cursor_key
        before = pane.refreshes
        await pilot.press("p")
        await reloaded(pilot, before)
        await wait_until(pilot, lambda: lst.cursor == 0)
        assert lst.cursor_key == key  # the cursor followed it to the top
        assert visible_text(pilot)[0].startswith("★")
        before = pane.refreshes
        await pilot.press("m")
        await reloaded(pilot, before)
        assert isinstance(key, tuple)
        stored = await store.get_conversation(*key)
        assert stored is not None and stored.triage.pinned and stored.triage.muted
        before = pane.refreshes
        await pilot.press("p", "m")
        await wait_until(pilot, lambda: pane.refreshes >= before + 2)
        stored = await store.get_conversation(*key)
        assert stored is not None and not stored.triage.pinned and not stored.triage.muted


async def test_label_editor(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LabelEditor))
        await pilot.press(*"vip, order ,vip", "enter")
        before = pane.refreshes
        await reloaded(pilot, before - 1)
        await wait_until(pilot, lambda: "#vip #order" in visible_text(pilot)[0])
        stored = await rig.runtime.store.get_conversation(rig.fb, "t_hostile")
        assert stored is not None and stored.triage.labels == ("vip", "order")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LabelEditor))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_each_view_key_shows_what_the_store_holds(rig: Rig) -> None:
    store = rig.runtime.store
    await store.set_status(rig.fb, "t_ana", TriageStatus.DONE)
    await store.set_status(
        rig.ig, "ig_ana", TriageStatus.SNOOZED, snoozed_until=rig.now + timedelta(days=1)
    )
    await store.mark_read(rig.ig, "ig_huge")
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        cases = [
            ("U", "Unread", InboxView("unread")),
            ("n", "Needs reply", InboxView("needs_reply")),
            ("z", "Snoozed", InboxView("snoozed")),
            ("D", "Done", InboxView("done")),
            ("a", "All", InboxView()),
            ("F", "All · Messenger", InboxView(platform=Platform.MESSENGER)),
            ("I", "All · Instagram", InboxView(platform=Platform.INSTAGRAM)),
            ("I", "All · ", InboxView()),  # again: every platform
            ("n", "Needs reply", InboxView("needs_reply")),
            ("escape", "All", InboxView()),  # back to everything
        ]
        for key, title, view in cases:
            before = pane.refreshes
            await pilot.press(key)
            await reloaded(pilot, before)
            expected = await store.count_conversations(view, rig.now)
            header = str(pilot.app.query_one("#inbox-header").render())
            assert header.startswith(f"{title}"), (key, header)
            noun = "conversation" if expected == 1 else "conversations"
            assert f"{expected} {noun}" in header, (key, header)
            assert inbox_list(pilot).row_count == expected
        assert await store.count_conversations(InboxView("snoozed"), rig.now) == 1
        assert await store.count_conversations(InboxView("done"), rig.now) == 1


async def test_empty_view_says_so(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        before = pane.refreshes
        await pilot.press("D")
        await reloaded(pilot, before)
        assert pane.has_class("-empty")
        assert "Press a" in str(pilot.app.query_one("#inbox-nothing").render())


async def test_mark_two_as_one_person_then_group_and_open_the_timeline(rig: Rig) -> None:
    store = rig.runtime.store
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await go_to(pilot, rig, (rig.fb, "t_ana"))
        await pilot.press("M")
        await wait_until(
            pilot, lambda: "marked" in str(pilot.app.query_one("#inbox-header").render())
        )
        # Same account: refused with a warning.
        await go_to(pilot, rig, (rig.fb, "t_hostile"))
        await pilot.press("M")
        await pilot.pause()
        assert (await store.get_conversation(rig.fb, "t_hostile")).customer.person_id is None  # type: ignore[union-attr]
        await go_to(pilot, rig, (rig.ig, "ig_ana"))
        before = pane.refreshes
        await pilot.press("M")
        await reloaded(pilot, before)
        a = await store.get_conversation(rig.fb, "t_ana")
        b = await store.get_conversation(rig.ig, "ig_ana")
        assert a is not None and b is not None
        assert a.customer.person_id is not None and a.customer.person_id == b.customer.person_id
        total = inbox_list(pilot).row_count
        before = pane.refreshes
        await pilot.press("P")
        await reloaded(pilot, before)
        assert inbox_list(pilot).row_count == total - 1
        assert pane.source is not None
        person_rows = [r for r in pane.source.loaded.values() if isinstance(r, PersonRow)]
        assert len(person_rows) == 1 and person_rows[0].size == 2
        assert inbox_list(pilot).cursor_key == ("person", a.customer.person_id)  # cursor followed
        assert any("FB+IG 2" in line for line in visible_text(pilot))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        screen = pilot.app.screen
        assert isinstance(screen, ConversationScreen) and screen.person_id == a.customer.person_id


async def test_merge_suggestions_link_a_pair(rig: Rig) -> None:
    store = rig.runtime.store
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MergeSuggestions))
        suggestions = pilot.app.screen
        assert isinstance(suggestions, MergeSuggestions)
        names = {c.customer.display_name for pair in suggestions.pairs for c in pair}
        assert "Ana Souza" in names
        index = next(
            i for i, (x, _) in enumerate(suggestions.pairs) if x.customer.name == "Ana Souza"
        )
        before = pane.refreshes
        await pilot.press(*["down"] * index, "enter")
        await reloaded(pilot, before)
        a = await store.get_conversation(rig.fb, "t_ana")
        assert a is not None and a.customer.person_id is not None


async def test_live_messages_keep_the_selection_and_toast_safely(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        lst = inbox_list(pilot)
        await pilot.press("j", "j", "j")
        key = lst.cursor_key
        total = lst.row_count
        rig.sim.clock.advance(5)
        rig.sim.inbound(rig.fb, None, "\x1b]0;evil\x07 hi [b]there[/b]", name=HOSTILE_NAME)
        before = pane.refreshes
        await rig.runtime.engine.run_once()
        await reloaded(pilot, before)
        await wait_until(pilot, lambda: lst.row_count == total + 1 and lst.cursor == 4)
        assert lst.cursor_key == key
        top = visible_text(pilot)[0]
        assert "[b]there[/b]" in top and "\x1b" not in top
        assert pane.source is not None
        row = pane.source.loaded[lst.cursor_key]
        assert isinstance(row, ConversationRow)

        # The alert comes through the alert worker, on its own schedule: wait for it.
        def shown() -> list[str]:
            alerts = pilot.app.main_screen.alerts
            return [f"{a.title} {a.body}" for a in alerts.shown] if alerts else []

        await wait_until(pilot, lambda: any("[b]there[/b]" in t for t in shown()))
        assert not any(ch in t for t in shown() for ch in "\x1b\x07\u202e")
        # The hotlist in the status line names the sender as text, escapes shown, not run.
        hotlist = str(pilot.app.main_screen.query_one("#status-hotlist").render())
        assert "[bold red]Boss" in hotlist
        assert not any(ch in hotlist for ch in "\x1b\x07\u202e")


async def test_outbox_delivers_mark_seen_to_the_platform(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        first = await rig.runtime.store.conversations_page(
            InboxView(platform=Platform.MESSENGER), 1, 1, rig.now
        )
        await go_to(pilot, rig, (first[0].account_id, first[0].remote_id))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        await rig.runtime.outbox.drain()
        items = await rig.runtime.store.outbox_items(account_id=first[0].account_id)
        assert [i.state for i in items if i.action == "mark_seen"] == [OutboxState.SENT]
        assert any(a.get("action") == "mark_seen" for a in rig.sim.actions)


async def test_a_burst_of_events_ends_with_the_list_current(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        before = pane.refreshes
        for n in range(30):
            await rig.add(rig.fb, f"t_burst{n}", f"Burst {n}", "hello", age=timedelta(seconds=n))
        for n in range(30):  # as fast as a first sync publishes them
            pane.handle_event(ConversationsChanged(rig.fb, [f"t_burst{n}"]))
        expected = await rig.runtime.store.count_conversations(InboxView(), rig.now)
        lst = inbox_list(pilot)
        await wait_until(pilot, lambda: lst.row_count == expected and not pane._reloading)
        assert pane.refreshes - before <= 2  # folded into one more pass, none cancelled
        await wait_until(pilot, lambda: lst.cursor_key == (rig.fb, "t_hostile"))
        await pilot.press("g")
        await wait_until(pilot, lambda: "Burst 0" in visible_text(pilot)[0])


async def settled_reloads(pilot: Pilot[Any], rig: Rig, before: int) -> int:
    """Reloads since ``before``, counted once every event published so far was handled.

    A marker event goes through the service's stream after everything already published;
    once the main screen has handed it to the panes and no reload is running, the count
    is final.
    """
    pane = inbox(pilot)
    seen: list[object] = []
    handle = pane.handle_event

    def recording(event: Any) -> None:
        seen.append(event)
        handle(event)

    pane.handle_event = recording  # type: ignore[method-assign]
    marker = PrefsChanged("test-marker")
    rig.runtime.bus.publish(marker)
    await wait_until(pilot, lambda: marker in seen and not pane._reloading)
    pane.handle_event = handle  # type: ignore[method-assign]
    return pane.refreshes - before


async def test_one_key_reloads_the_inbox_once(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await go_to(pilot, rig, (rig.fb, "t_hostile"))
        for key in ("e", "p", "u"):
            before = pane.refreshes
            await pilot.press(key)
            await reloaded(pilot, before)
            assert await settled_reloads(pilot, rig, before) == 1, key
            if key == "e":
                await pilot.press("D")  # follow the conversation into Done
                await reloaded(pilot, before + 1)
                await go_to(pilot, rig, (rig.fb, "t_hostile"))


async def test_one_new_message_reloads_the_inbox_once(rig: Rig) -> None:
    async with rig.app().run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        rig.sim.clock.advance(5)
        rig.sim.inbound(rig.fb, None, "one more question")
        before = pane.refreshes
        await rig.runtime.engine.run_once()
        await reloaded(pilot, before)
        assert await settled_reloads(pilot, rig, before) == 1
        # The page of rows is read after the count: wait for it to be drawn.
        await wait_until(pilot, lambda: "one more question" in visible_text(pilot)[0])


async def test_a_view_change_keeps_the_row_and_counts_nothing_new_above(rig: Rig) -> None:
    """Back in All from Unread, the conversation stays highlighted; the read ones now
    shown above it are in view, and not new, so the header does not call them so."""
    async with rig.app().run_test(size=(120, 14)) as pilot:
        pane = await ready(pilot)
        lst = inbox_list(pilot)
        header = pilot.app.query_one("#inbox-header")
        top = lst.cursor_key
        before = pane.refreshes
        await pilot.press("u")  # the top conversation is read now
        await reloaded(pilot, before)
        before = pane.refreshes
        await pilot.press("U")
        await reloaded(pilot, before)
        assert str(header.render()).startswith("Unread")
        kept = lst.cursor_key
        assert kept is not None and kept != top
        before = pane.refreshes
        await pilot.press("a")
        await reloaded(pilot, before)
        await pilot.pause()
        assert lst.cursor_key == kept and lst.cursor == 1
        assert "new above" not in str(header.render())
        assert lst.scroll_offset.y == 0  # the read one above it is in view
        # A conversation that really arrives above still counts.
        before = pane.refreshes
        await rig.add(rig.fb, "t_new1", "Newcomer One", "hello", age=timedelta(seconds=1))
        pane.reload()
        await wait_until(pilot, lambda: "1 new above" in str(header.render()))
