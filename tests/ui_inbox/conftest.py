"""A real runtime on the in-process simulator (frozen clock), seeded with hostile rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.pilot import wait_until
from tests.simrig import SimRuntime, frozen, sim_runtime
from tui.app import DashboardApp
from tui.domain.models import Conversation, Identity, InboxMessage, Platform
from tui.panes.inbox import InboxPane
from tui.widgets.virtual_list import VirtualList

HOSTILE_NAME = "[bold red]Boss[/] \x1b[31mred\x1b]0;pwned\x07 \u202etxt.exe"
HOSTILE_TEXT = "[@click=app.quit]free coupon[/] \x1b[2J\x1b]52;c;cm0gLXJm\x07 \u202ekcilc"
HUGE_TEXT = "huge " + "x" * 1_000_000


@dataclass
class Rig(SimRuntime):
    fb: str
    """The Messenger account's id."""
    ig: str
    """An Instagram account's id."""

    @property
    def now(self) -> datetime:
        return self.sim.clock.now()

    def app(self, **options: Any) -> DashboardApp:
        return DashboardApp(runtime=self.runtime, user_themes_dir=self.tmp / "themes", **options)

    async def add(
        self,
        account_id: str,
        remote_id: str,
        name: str,
        text: str,
        *,
        age: timedelta = timedelta(minutes=2),
        from_us: bool = False,
    ) -> None:
        """Store one conversation with one message, as a sync would."""
        platform = Platform.MESSENGER if account_id == self.fb else Platform.INSTAGRAM
        at = self.now - age
        customer = Identity(account_id, f"cust-{remote_id}", name=name)
        conversation = Conversation(account_id, remote_id, platform, customer, updated_at=at)
        message = InboxMessage(
            account_id,
            f"m-{remote_id}",
            remote_id,
            customer.platform_user_id if not from_us else "page",
            at,
            text=text,
            from_us=from_us,
            sender_name="" if from_us else name,
        )
        await self.runtime.store.apply_batch(
            account_id, platform=platform, conversations=[conversation], messages=[message]
        )


async def build_rig(tmp_path: Path) -> Rig:
    """Simulator with a frozen clock, synced once into a real store, accounts then paused."""
    sim = frozen(5, conversations_per_account=5)
    rig = await sim_runtime(tmp_path, sim, kind=Rig, synced=True, paused=True, fb="", ig="")
    platforms = await rig.runtime.store.platforms()
    rig.fb = next(a for a, p in sorted(platforms.items()) if p == "messenger")
    rig.ig = next(a for a, p in sorted(platforms.items()) if p == "instagram")
    fb, ig = rig.fb, rig.ig
    await rig.add(fb, "t_hostile", HOSTILE_NAME, HOSTILE_TEXT, age=timedelta(seconds=20))
    await rig.add(ig, "ig_huge", "Huge Line", HUGE_TEXT, age=timedelta(minutes=1))
    await rig.add(fb, "t_ana", "Ana Souza", "Do you ship sourdough?", age=timedelta(hours=30))
    await rig.add(ig, "ig_ana", "Ana Souza", "Hi from Instagram", age=timedelta(hours=50))
    return rig


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    built = await build_rig(tmp_path)
    yield built
    await built.close()


def inbox(pilot: Pilot[Any]) -> InboxPane:
    return pilot.app.query_one(InboxPane)


def inbox_list(pilot: Pilot[Any]) -> VirtualList:
    return pilot.app.query_one("#inbox-list", VirtualList)


def visible_text(pilot: Pilot[Any]) -> list[str]:
    """The list's drawn lines as plain text."""
    lst = inbox_list(pilot)
    return [lst.render_line(y).text for y in range(lst.scrollable_content_region.height)]


async def ready(pilot: Pilot[Any], refreshes: int = 1) -> InboxPane:
    """Wait for the pane's first reload and for the rows on screen to be read."""
    await wait_until(pilot, lambda: bool(pilot.app.query(InboxPane)))
    pane = inbox(pilot)
    await wait_until(pilot, lambda: pane.refreshes >= refreshes)
    # Look-alike marks follow the first rows (the known names are read after them).
    await wait_until(pilot, pane.known_read.is_set)
    lst = inbox_list(pilot)
    await wait_until(pilot, lambda: lst.row_count == 0 or lst.cursor_key is not None)
    await pilot.pause()
    return pane
