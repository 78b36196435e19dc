"""Test helpers: a simulator on a real loopback socket, torn down afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tui.simulator.core import Simulator
from tui.simulator.server import serve


@contextlib.asynccontextmanager
async def loopback_simulator(seed: int = 7, **kw: Any) -> AsyncIterator[tuple[Simulator, str]]:
    """A fresh :class:`Simulator` (frozen clock unless ``clock=`` is given) and its base URL.

    The Instagram Login host is ``base_url + "/instagram"``.
    """
    sim = Simulator(seed, **kw)
    async with serve(sim) as base_url:
        yield sim, base_url
