"""A background task that dies is restarted and reported; the log it wrote can be opened."""

from __future__ import annotations

import asyncio
import logging

from textual.notifications import Notification
from textual.widgets import Log

from tests.pilot import wait_until
from tui.screens.log_view import LogScreen

from .conftest import UiRig

TOKEN = "EAAGsecretTOKENvalue1234567890"


async def test_a_dying_task_is_restarted_reported_and_logged(ui: UiRig) -> None:
    from tui.config.redact import register_secret

    register_secret(TOKEN)
    runs: list[int] = []

    async def flaky(stop: asyncio.Event) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise OverflowError(f"date value out of range (token {TOKEN})")
        await stop.wait()

    flaky.__name__ = "the flaky task"
    ui.runtime.extra_tasks.append(flaky)
    app = ui.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(runs) >= 2, timeout=20)
        toasts: list[Notification] = list(app._notifications)
        assert any(
            "the flaky task stopped on an internal error" in n.message and "ctrl+l" in n.message
            for n in toasts
        ), [n.message for n in toasts]

        logging.getLogger("tui.test").warning("a line with \x1b]52;c;cHdu\x07 in it")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen))
        shown = "\n".join(app.screen.query_one(Log).lines)
        assert "the flaky task stopped on an error" in shown
        assert "OverflowError" in shown
        assert TOKEN not in shown and "[REDACTED]" in shown
        assert "\x1b" not in shown and "⟨ESC⟩]52" in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LogScreen))
