"""Fixtures for the sync engine and outbox: the simulator on loopback, a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tui.services.runtime import Runtime, open_runtime
from tui.simulator import Simulator
from tui.simulator.testing import loopback_simulator


@dataclass
class Rig:
    sim: Simulator
    base_url: str
    runtime: Runtime
    control: httpx.AsyncClient

    async def inbound(self, account: str, text: str, customer: str | None = None) -> dict:
        body = {"account": account, "text": text}
        if customer:
            body["customer"] = customer
        response = await self.control.post("/_sim/inbound", json=body)
        response.raise_for_status()
        return response.json()

    async def requests_to(self, needle: str) -> list[dict]:
        log = (await self.control.get("/_sim/requests")).json()["data"]
        return [r for r in log if needle in r["path"]]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with loopback_simulator(seed=11) as (sim, base_url):
        config = sim.write_config(tmp_path / "config", base_url)
        # The services keep the simulator's time, as they would Meta's (NTP-synced) time.
        runtime = await open_runtime(config, tmp_path / "data", clock=sim.clock.now)
        async with httpx.AsyncClient(base_url=base_url) as control:
            yield Rig(sim, base_url, runtime, control)
        await runtime.close()
