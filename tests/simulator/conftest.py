"""Fixtures for the simulator tests: a loopback simulator and clients for both hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tui.simulator import Simulator
from tui.simulator.testing import loopback_simulator


@dataclass
class Loop:
    """A simulator on a real socket, with one client per Graph host."""

    sim: Simulator
    base_url: str
    fb: httpx.AsyncClient
    ig: httpx.AsyncClient

    @property
    def page_token(self) -> str:
        return self.sim.world.tokens["page"]

    @property
    def ig_token(self) -> str:
        return self.sim.world.tokens["ig_login"]

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def loop() -> AsyncIterator[Loop]:
    async with (
        loopback_simulator() as (sim, base_url),
        httpx.AsyncClient(base_url=base_url, timeout=5) as fb,
        httpx.AsyncClient(base_url=base_url + "/instagram", timeout=5) as ig,
    ):
        yield Loop(sim, base_url, fb, ig)
