"""What a person sees: a conversation and a merged timeline, dark and light, wide and narrow."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import tui.app
from tests.pilot import wait_until
from tui.app import DashboardApp
from tui.domain import WindowState, reply_window
from tui.screens.conversation import ConversationScreen
from tui.services.local import LocalService
from tui.services.runtime import Runtime, open_runtime
from tui.simulator import SimClock, Simulator
from tui.store.views import InboxView


class SnapApp(DashboardApp):
    """The dashboard with a runtime opened inside its own event loop (and closed there)."""

    CSS_PATH = str(Path(tui.app.__file__).with_name("app.tcss"))

    def __init__(self, tmp: Path, **options: Any) -> None:
        super().__init__(user_themes_dir=tmp / "themes", **options)
        self.tmp = tmp
        self.sim = Simulator(7, clock=SimClock.fixed())
        self.rt: Runtime | None = None

    async def open_rt(self) -> Runtime:
        config = self.sim.write_config(self.tmp / "config", "http://sim.test")
        self.rt = await open_runtime(config, self.tmp / "data", transport=self.sim.transport())
        self.rt.outbox.clock = self.sim.clock.now
        await self.rt.engine.run_once()
        return self.rt

    async def on_unmount(self) -> None:
        if self.rt is not None:
            await self.rt.close()


async def show(pilot: Pilot[None], screen: ConversationScreen) -> None:
    await pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.ready)
    await pilot.pause()


async def conversation_view(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SnapApp)
    runtime = await app.open_rt()
    now = app.sim.clock.now()
    found = await runtime.store.conversations_page(InboxView(platform=None), 0, 200, now)
    # A Messenger thread with an open window whose history holds a file attachment.
    for conversation in found:
        if str(conversation.platform) != "messenger":
            continue
        if reply_window(conversation.last_inbound_at, now).state is not WindowState.OPEN:
            continue
        page = await runtime.store.messages_page(
            conversation.account_id, conversation.remote_id, None, 50
        )
        if any(m.attachments for m in page):
            break
    else:
        raise LookupError("the seeded world has no open Messenger thread with an attachment")
    screen = ConversationScreen(
        LocalService.of(runtime),
        account_id=conversation.account_id,
        conversation_id=conversation.remote_id,
        clock=app.sim.clock.now,
        tz=UTC,
    )
    await show(pilot, screen)
    screen.composer.area.insert("On my way with the order")
    await pilot.press("enter")
    screen.composer.area.insert("Thanks! See you")
    await pilot.pause()


@pytest.mark.parametrize("theme", ["linkdeck-dark", "linkdeck-light"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_conversation(snap_compare: Any, tmp_path: Path, theme: str, size: tuple[int, int]) -> None:
    app = SnapApp(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=conversation_view)


async def person_view(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SnapApp)
    runtime = await app.open_rt()
    now = app.sim.clock.now()
    found = await runtime.store.conversations_page(InboxView(), 0, 200, now)
    messenger = next(c for c in found if c.account_id == "demo-page")
    instagram = next(
        c
        for c in found
        if c.account_id == "demo-ig"
        and reply_window(c.last_inbound_at, now).state is WindowState.HUMAN_AGENT
    )
    person = await runtime.store.link_people(
        (messenger.account_id, messenger.remote_id), (instagram.account_id, instagram.remote_id)
    )
    screen = ConversationScreen(
        LocalService.of(runtime), person_id=person, clock=app.sim.clock.now, tz=UTC
    )
    await show(pilot, screen)
    await pilot.press("ctrl+o", "ctrl+t")


def test_person_timeline(snap_compare: Any, tmp_path: Path) -> None:
    app = SnapApp(tmp_path, theme="linkdeck-dark")
    assert snap_compare(app, terminal_size=(120, 40), run_before=person_view)
