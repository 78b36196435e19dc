"""Helpers shared by the pilot (headless UI) tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

CEILING = 60.0
"""Seconds a wait may take before the test fails. Generous on purpose: the waits end as soon
as the state they follow arrives, and a loaded machine (CI runs on one core) can take many
times longer than a quiet one. A tight ceiling only makes a test fail for the machine's load.
"""


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = CEILING
) -> None:
    """Let the app run until ``predicate`` holds (workers and store trips take a moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = CEILING) -> None:
    """Without an app: run the event loop until the async ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
