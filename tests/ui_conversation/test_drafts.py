"""Drafts: a half-written reply survives Esc, reopening, quitting and a kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.pilot import wait_until
from tests.ui_conversation.conftest import Rig, open_screen
from tui.domain import WindowState
from tui.screens.conversation import ConversationScreen
from tui.store import Store

from .test_conversation import ids, key, write


async def stored_draft(rig: Rig, conversation: Any) -> str | None:
    return await rig.runtime.store.get_draft(*key(conversation))


async def wait_for_draft(
    pilot: Pilot[Any], rig: Rig, conversation: Any, wanted: str | None
) -> None:
    for _ in range(500):
        if await stored_draft(rig, conversation) == wanted:
            return
        await pilot.pause(0.02)
    assert await stored_draft(rig, conversation) == wanted


async def test_escape_keeps_the_draft_and_reopening_brings_it_back(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await write(pilot, screen, "Half a thought about the")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConversationScreen)
        assert await stored_draft(rig, conversation) == "Half a thought about the"
        again = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert again.composer.text == "Half a thought about the"
        # Typing goes on where it stopped.
        await pilot.press("space", "c", "a", "k", "e")
        assert again.composer.text == "Half a thought about the cake"


async def test_typing_saves_the_draft_without_leaving(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await pilot.press("h", "e", "y")
        await wait_for_draft(pilot, rig, conversation, "hey")
        await pilot.press("backspace", "backspace", "backspace")
        assert screen.composer.text == ""
        await wait_for_draft(pilot, rig, conversation, None)


async def test_sending_clears_the_draft(rig: Rig) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    await rig.runtime.store.save_draft(*key(conversation), "See you at nine", rig.now())
    async with rig.app().run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert screen.composer.text == "See you at nine"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.composer.text == ""
        assert await stored_draft(rig, conversation) is None
        await pilot.press("escape")
        await pilot.pause()
        assert await stored_draft(rig, conversation) is None
        again = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert again.composer.text == ""


async def test_quitting_keeps_the_draft_and_says_so(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    app = rig.app(runtime=rig.runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await write(pilot, screen, "Not finished")  # quit before the debounced save
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app._exit)
    assert await stored_draft(rig, conversation) == "Not finished"
    # The line left on the terminal after the dashboard closes (no question asked).
    assert "Draft kept: 1 unsent reply is saved" in capsys.readouterr().err


async def test_quitting_without_a_draft_says_nothing(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    app = rig.app(runtime=rig.runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app._exit)
    assert "Draft" not in capsys.readouterr().err


async def test_an_account_storing_no_text_keeps_its_draft_in_memory_only(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation = await rig.find("messenger", WindowState.OPEN)
    rig.runtime.prefs_file.set_privacy(conversation.account_id, "store_bodies", False)
    rig.runtime.reload_prefs()
    app = rig.app(runtime=rig.runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, rig.screen(**ids(conversation)))
        await write(pilot, screen, "nothing on disk")
        await pilot.press("escape")
        await pilot.pause()
        assert await stored_draft(rig, conversation) is None
        again = await open_screen(pilot, rig.screen(**ids(conversation)))
        assert again.composer.text == "nothing on disk", "kept for this session"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app._exit)
    assert await stored_draft(rig, conversation) is None
    err = capsys.readouterr().err
    assert "Not kept: 1 unsent reply on accounts set to store no message text" in err
    assert "Draft kept" not in err


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tui.app import DashboardApp
    from tui.screens.conversation import ConversationScreen
    from tui.services.local import LocalService
    from tui.services.runtime import open_runtime
    from tui.simulator import SimClock, Simulator
    from tui.store.views import InboxView

    async def main(tmp: Path) -> None:
        sim = Simulator(7, clock=SimClock.fixed())
        config = sim.write_config(tmp / "config", "http://sim.test")
        runtime = await open_runtime(
            config, tmp / "data", transport=sim.transport(), clock=sim.clock.now
        )
        await runtime.engine.run_once()
        page = await runtime.store.conversations_page(InboxView(), 0, 1, sim.clock.now())
        target = page[0]
        app = DashboardApp(user_themes_dir=tmp / "themes")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = ConversationScreen(
                LocalService.of(runtime),
                account_id=target.account_id,
                conversation_id=target.remote_id,
            )
            await app.push_screen(screen)
            while not screen.ready:
                await pilot.pause(0.01)
            await pilot.press(*"typed before the crash")
            # The whole text: on a loaded machine a pause between two keys may already
            # have saved the first part of it (a draft is saved 0.5 s after a key).
            key = (target.account_id, target.remote_id)
            while await runtime.store.get_draft(*key) != "typed before the crash":
                await pilot.pause(0.02)
            print(target.account_id, target.remote_id, flush=True)
            await asyncio.sleep(3600)  # killed here, store still open

    asyncio.run(main(Path(sys.argv[1])))
    """
)


def test_the_draft_survives_a_kill_9(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        account_id, conversation_id = line.split()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    async def read() -> str | None:
        store = await Store.open(tmp_path / "data" / "linkdeck.db")
        try:
            return await store.get_draft(account_id, conversation_id)
        finally:
            await store.close()

    assert asyncio.run(read()) == "typed before the crash"
