"""A real runtime over the in-process simulator (frozen clock) and an app to show screens in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.pilot import wait_until
from tests.simrig import SimRuntime, frozen, sim_runtime
from tui.app import DashboardApp
from tui.domain import Conversation, WindowState, reply_window
from tui.screens.conversation import ConversationScreen
from tui.services.local import LocalService
from tui.store.views import InboxView


class Rig(SimRuntime):
    """The simulator, the runtime wired to it, and where the app keeps its themes."""

    def now(self) -> datetime:
        return self.sim.clock.now()

    async def conversations(self) -> list[Conversation]:
        return await self.runtime.store.conversations_page(InboxView(), 0, 500, self.now())

    async def find(
        self, platform: str, state: WindowState, *, account_id: str | None = None
    ) -> Conversation:
        """A stored conversation on ``platform`` whose reply window is in ``state``."""
        for conversation in await self.conversations():
            if str(conversation.platform) != platform:
                continue
            if account_id is not None and conversation.account_id != account_id:
                continue
            if reply_window(conversation.last_inbound_at, self.now()).state is state:
                return conversation
        raise LookupError(f"no {platform} conversation with a {state} window")

    def app(self, **options: Any) -> DashboardApp:
        return DashboardApp(user_themes_dir=self.tmp / "themes", **options)

    def screen(self, **options: Any) -> ConversationScreen:
        return ConversationScreen(LocalService.of(self.runtime), clock=self.now, tz=UTC, **options)

    async def sync(self) -> None:
        await self.runtime.engine.run_once()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    # The services keep the simulator's time, so the history order is fixed.
    built = await sim_runtime(tmp_path, frozen(7), kind=Rig, synced=True)
    yield built
    await built.close()


async def open_screen(pilot: Pilot[None], screen: ConversationScreen) -> ConversationScreen:
    """Push ``screen`` and wait until its first page and reply target are loaded."""
    await pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.ready)
    await pilot.pause()
    return screen


async def settle(pilot: Pilot[None], check: Callable[[], bool], tries: int = 0) -> None:
    """Let the app run until ``check()`` holds (events travel through a worker).

    ``tries`` is ignored (it once counted 10 ms polls): the wait follows the app's state
    under the shared generous ceiling of ``tests.pilot.wait_until``.
    """
    del tries
    await wait_until(pilot, check)
