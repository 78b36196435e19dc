"""New-message alerts go to a hotlist in the status line, never a toast over the composer;
opening a conversation clears it; alt+a jumps to it; the toasts that remain stay clear of
the composer and the Filters "why" (issue 12 item 16)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from tests.pilot import wait_until
from tests.simrig import built_apart
from tests.ui_inbox.conftest import ready, visible_text
from tests.ux.conftest import UiRig, build_ui_runtime
from tui.domain.rules import NotificationRule
from tui.messages import OpenConversation
from tui.screens.conversation import ConversationScreen
from tui.widgets.composer import Composer
from tui.widgets.hotlist import HotlistBar

PAGE, IG = "demo-page", "demo-ig"


def _no_rules(ui: UiRig, *rules: NotificationRule) -> None:
    """Drop the rig's "Silence everything" so the default alert (or ``rules``) applies."""
    ui.runtime.prefs_file.set_rules(list(rules))
    ui.runtime.reload_prefs()


def _customer(ui: UiRig, account: str, index: int = 0) -> tuple[str, str]:
    conv = ui.sim.world.inboxes[account].conversations[index]
    return conv.id, conv.customer.name


async def _writes(pilot: Pilot[Any], ui: UiRig, text: str, account: str = PAGE) -> str:
    """A customer writes; once this dashboard got the alert, the name the alert gave."""
    alerts = pilot.app.main_screen.alerts
    assert alerts is not None
    before = len(alerts.shown)
    await ui.customer_writes(text, account=account)
    await wait_until(pilot, lambda: len(alerts.shown) > before)
    name: str = alerts.shown[-1].title.split(" · ")[0]
    return name[:10]


def _bar_text(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, HotlistBar).render())


def _status_hotlist(pilot: Pilot[Any]) -> str:
    return str(pilot.app.main_screen.query_one("#status-hotlist", HotlistBar).render())


async def _open(pilot: Pilot[Any], account: str, conversation: str) -> ConversationScreen:
    pilot.app.main_screen.post_message(OpenConversation(account, conversation, compose=True))
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    await wait_until(pilot, lambda: screen.ready)
    return screen


async def test_a_message_while_typing_goes_to_the_hotlist_not_a_toast(ui: UiRig) -> None:
    _no_rules(ui)
    other, _ = _customer(ui, PAGE, 1)
    async with ui.app().run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _open(pilot, PAGE, other)
        composer = screen.query_one(Composer)
        await wait_until(pilot, lambda: pilot.app.focused is composer.area)
        await pilot.press(*"half a reply")
        toasts_before = len(pilot.app._notifications)
        writer = await _writes(pilot, ui, "Are you open on Sunday?")
        await wait_until(pilot, lambda: writer in _bar_text(pilot, "#conversation-hotlist"))
        await pilot.pause()
        assert len(pilot.app._notifications) == toasts_before  # no toast at all
        assert "Act:" in _bar_text(pilot, "#conversation-hotlist")
        assert composer.area.text == "half a reply"
        assert pilot.app.focused is composer.area
        bar = screen.query_one("#conversation-hotlist", HotlistBar)
        assert not bar.region.overlaps(composer.region)
        # The main screen's status line carries the same hotlist.
        assert writer in _status_hotlist(pilot)


async def test_a_message_in_the_open_conversation_is_not_hotlisted(ui: UiRig) -> None:
    _no_rules(ui)
    conv, _ = _customer(ui, PAGE, 0)
    async with ui.app().run_test(size=(80, 24)) as pilot:
        await _open(pilot, PAGE, conv)
        alerts = pilot.app.main_screen.alerts
        assert alerts is not None
        await ui.customer_writes("here already")
        await wait_until(pilot, lambda: bool(alerts.shown))
        await pilot.pause()
        assert len(pilot.app.main_screen.hotlist) == 0


async def test_opening_the_conversation_clears_its_entry(ui: UiRig) -> None:
    _no_rules(ui)
    conv, _ = _customer(ui, PAGE, 0)
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        writer = await _writes(pilot, ui, "first")
        await _writes(pilot, ui, "second")
        await wait_until(pilot, lambda: writer in _status_hotlist(pilot))
        await wait_until(pilot, lambda: "(2)" in _status_hotlist(pilot))
        await _open(pilot, PAGE, conv)
        assert "Act:" not in _bar_text(pilot, "#conversation-hotlist")
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is pilot.app.main_screen)
        assert _status_hotlist(pilot) == ""


async def test_a_conversation_read_elsewhere_leaves_the_hotlist_the_others_stay(
    ui: UiRig,
) -> None:
    _no_rules(ui)
    first, first_name = _customer(ui, PAGE, 0)
    second, second_name = _customer(ui, PAGE, 1)
    first_customer, second_customer = (
        conversation.customer.id for conversation in ui.sim.world.inboxes[PAGE].conversations[:2]
    )
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _writes(pilot, ui, "first one waiting")  # in the first conversation
        ui.sim.inbound(PAGE, second_customer, "second one waiting")
        await ui.runtime.engine.accounts[PAGE].poll_once()
        hotlist = pilot.app.main_screen.hotlist
        await wait_until(pilot, lambda: len(hotlist) == 2)
        assert hotlist.waiting() == {(PAGE, first), (PAGE, second)}
        # Read in another dashboard: the service marks it read and announces the change.
        service = pilot.app.main_screen.service
        assert service is not None
        await service.open_conversation((PAGE, first), first_customer)
        await wait_until(pilot, lambda: len(hotlist) == 1)
        assert hotlist.waiting() == {(PAGE, second)}
        # The bar hears of the change through a signal, delivered as the next message.
        await wait_until(pilot, lambda: first_name[:10] not in _status_hotlist(pilot))
        status = _status_hotlist(pilot)
        assert second_name[:10] in status and first_name[:10] not in status


async def test_rule_matches_come_first_and_are_marked(ui: UiRig) -> None:
    _no_rules(ui, NotificationRule("Urgent", keywords=("urgent",)), NotificationRule("All"))
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        plain = await _writes(pilot, ui, "just saying hi")
        urgent = await _writes(pilot, ui, "urgent: my order", account=IG)
        await wait_until(pilot, lambda: urgent in _status_hotlist(pilot))
        # Later, but plain: the rule-matched one stays first, marked.
        await _writes(pilot, ui, "another plain one")
        await wait_until(pilot, lambda: "(2)" in _status_hotlist(pilot))
        text = _status_hotlist(pilot)
        assert f"!IG {urgent}" in text
        assert f"FB {plain}" in text and f"!FB {plain}" not in text
        assert text.index(urgent) < text.index(plain)


async def test_the_jump_key_opens_the_first_entry_and_keeps_the_draft(ui: UiRig) -> None:
    _no_rules(ui)
    page_conv, _ = _customer(ui, PAGE, 0)
    ig_conv, _ = _customer(ui, IG, 0)
    async with ui.app().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        page_writer = await _writes(pilot, ui, "from messenger")
        ig_writer = await _writes(pilot, ui, "from instagram", account=IG)
        await wait_until(pilot, lambda: ig_writer in _status_hotlist(pilot))
        # Most recent first: Instagram's.
        await pilot.press("alt+a")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConversationScreen))
        first = pilot.app.screen
        assert isinstance(first, ConversationScreen)
        assert (first.account_id, first.conversation_id) == (IG, ig_conv)
        await wait_until(pilot, lambda: first.ready)
        assert ig_writer not in _bar_text(pilot, "#conversation-hotlist")
        assert page_writer in _bar_text(pilot, "#conversation-hotlist")
        first.composer.area.focus()
        await pilot.press(*"unsent words")
        # From inside a conversation (the composer focused), the same key goes on; sent
        # as a terminal sends it (ESC a: the key carries the character "a").
        pilot.app.post_message(events.Key("alt+a", "a"))
        await wait_until(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, ConversationScreen) and pilot.app.screen is not first
            ),
        )
        second = pilot.app.screen
        assert isinstance(second, ConversationScreen)
        assert (second.account_id, second.conversation_id) == (PAGE, page_conv)
        assert len(pilot.app.screen_stack) == 2  # replaced, not stacked
        assert await ui.runtime.store.get_draft(IG, ig_conv) == "unsent words"  # no "a" typed
        await wait_until(pilot, lambda: len(pilot.app.main_screen.hotlist) == 0)
        # Nothing waiting: the key does nothing.
        await pilot.press("alt+a")
        await pilot.pause()
        assert pilot.app.screen is second


def _toast_cells(pilot: Pilot[Any]) -> set[tuple[int, int]]:
    """The screen cells where a toast is what the user sees (on top of everything else)."""
    screen = pilot.app.screen
    width, height = screen.size
    cells: set[tuple[int, int]] = set()
    for y in range(height):
        for x in range(width):
            widget, _ = screen.get_widget_at(x, y)
            if isinstance(widget, Toast):
                cells.add((x, y))
    return cells


async def _raise_error_toast(pilot: Pilot[Any]) -> set[tuple[int, int]]:
    pilot.app.notify(
        "Sending failed: the platform refused the message for a reason that takes several "
        "words to say, and then some more words so that it wraps at eighty columns.",
        title="Send failed",
        severity="error",
        markup=False,
    )
    await wait_until(pilot, lambda: bool(_toast_cells(pilot)))
    await pilot.pause()
    return _toast_cells(pilot)


def _clear(region: Region, cells: set[tuple[int, int]]) -> bool:
    return not any(region.contains(x, y) for x, y in cells)


async def test_toasts_stay_off_the_composer_and_the_status_line(ui: UiRig) -> None:
    conv, _ = _customer(ui, PAGE, 1)
    async with ui.app().run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _open(pilot, PAGE, conv)
        toasts = await _raise_error_toast(pilot)
        assert _clear(screen.query_one(Composer).region, toasts)
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is pilot.app.main_screen)
        toasts = await _raise_error_toast(pilot)
        status = pilot.app.main_screen.query_one("#status-line").region
        assert _clear(status, toasts)
        # At 80x24 the toasts (two now) take at most 4 lines, two of them the tab bar's.
        assert {y for _, y in toasts} <= {1, 2, 3, 4}


async def test_toasts_stay_off_the_filters_why(ui: UiRig) -> None:
    async with ui.app().run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("w")
        why = pilot.app.main_screen.query_one("#why", Static)
        await wait_until(pilot, lambda: why.region.height > 0)
        toasts = await _raise_error_toast(pilot)
        assert _clear(why.region, toasts)


@pytest.fixture
def snap_ui(tmp_path: Path) -> Iterator[UiRig]:
    """The rig built in its own loop: snap_compare runs the app in another one."""
    sim, runtime = built_apart(build_ui_runtime(tmp_path), lambda built: built[1])
    yield UiRig(sim, runtime, tmp_path)
    asyncio.run(runtime.close())


def test_snapshot_inbox_with_an_alert_at_80x24(snap_ui: UiRig, snap_compare: Any) -> None:
    _no_rules(snap_ui)

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)  # the list is drawn before the message comes in
        writer = await _writes(pilot, snap_ui, "Is the shop open today?")
        await wait_until(pilot, lambda: writer in _status_hotlist(pilot))
        await wait_until(
            pilot, lambda: any("Is the shop open" in line for line in visible_text(pilot))
        )
        await pilot.pause()

    assert snap_compare(snap_ui.app(), terminal_size=(80, 24), run_before=run_before)
