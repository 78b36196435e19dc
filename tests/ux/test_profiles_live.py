"""The Profiles tab follows what is stored: its counts (and a Matrix account's bridges, kept
with the cursors) change without pressing v, and a hidden tab catches up when shown.

A Matrix account's long-poll sync stores messages without changing the account's state, so
no AccountStateChanged comes to re-read the tab (a Meta poll flips syncing/connected and
did); here messages are stored the way any sync stores them and the service's event for
them is published, with no state change, which is what a Matrix sync does."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.pilot import wait_until
from tests.ui_inbox.conftest import ready
from tests.ux.conftest import Rig
from tui.panes.profiles import COLUMNS, LIVE_RELOAD_EVERY, ProfilesPane
from tui.services.events import MessagesArrived

COUNTS = list(COLUMNS).index("Conv/msgs")


def counts_shown(pilot: Pilot[Any], account_id: str) -> tuple[int, int] | None:
    table = pilot.app.screen.query_one("#profiles-table", DataTable)
    for index in range(table.row_count):
        row = table.get_row_at(index)
        if str(row[0]).strip() == account_id:
            conversations, messages = str(row[COUNTS]).strip().split("/")
            return int(conversations), int(messages)
    return None


async def arrive(rig: Rig, remote_id: str, text: str) -> None:
    """A new conversation with one message is stored, and the service says so."""
    await rig.add(rig.fb, remote_id, "New Person", text)
    stored = await rig.runtime.store.messages_page(rig.fb, remote_id, None, 5)
    rig.runtime.bus.publish(MessagesArrived(rig.fb, stored))


async def profiles_counts(pilot: Pilot[Any], account_id: str) -> tuple[int, int]:
    """Open the Profiles tab and read the account's counts once they are shown."""
    await ready(pilot)
    await pilot.press("2")
    await wait_until(pilot, lambda: counts_shown(pilot, account_id) is not None)
    counts = counts_shown(pilot, account_id)
    assert counts is not None
    return counts


async def test_counts_follow_stored_messages_while_the_tab_is_shown(rig: Rig) -> None:
    async with rig.app().run_test(size=(120, 40)) as pilot:
        before = await profiles_counts(pilot, rig.fb)
        await arrive(rig, "t_new", "a new customer writes")
        # No key pressed: the stored messages' event reads the counts again.
        await wait_until(
            pilot, lambda: counts_shown(pilot, rig.fb) == (before[0] + 1, before[1] + 1)
        )


async def test_a_hidden_tab_shows_the_new_counts_when_opened(rig: Rig) -> None:
    async with rig.app().run_test(size=(120, 40)) as pilot:
        before = await profiles_counts(pilot, rig.fb)
        await pilot.press("1")
        pane = pilot.app.screen.query_one(ProfilesPane)
        await wait_until(pilot, lambda: not pane.is_on_screen)
        await arrive(rig, "t_hidden", "someone new, while Profiles is hidden")
        await wait_until(pilot, lambda: pane._stale)
        await pilot.pause(LIVE_RELOAD_EVERY + 0.2)
        assert counts_shown(pilot, rig.fb) == before  # not read while hidden
        await pilot.press("2")
        await wait_until(
            pilot, lambda: counts_shown(pilot, rig.fb) == (before[0] + 1, before[1] + 1)
        )
