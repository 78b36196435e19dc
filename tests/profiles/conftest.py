"""Fixtures for linked profiles: a runtime on the in-process simulator with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.services.accounts import AccountManager
from tui.services.runtime import Runtime, open_runtime
from tui.simulator import SimClock, Simulator

SIM_URL = "http://sim.test"


@dataclass
class Rig:
    """A simulator, a runtime wired to it, and a control client playing Meta and the user."""

    sim: Simulator
    runtime: Runtime
    config: Path
    data_dir: Path
    control: httpx.AsyncClient
    transport: httpx.AsyncBaseTransport

    def manager(self) -> AccountManager:
        return AccountManager(self.runtime, transport=self.transport, clock=self.sim.clock.now)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.control.post(path, json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def revoke(self, token_name: str, subcode: int = 460) -> None:
        await self.post(f"/_sim/tokens/{self.sim.world.tokens[token_name]}", {"revoke": subcode})


async def make_rig(tmp_path: Path, *, seed: int = 7, accounts: int = 3) -> Rig:
    sim = Simulator(
        seed, clock=SimClock.fixed(), conversations_per_account=3, messages_per_conversation=3
    )
    config = sim.write_config(tmp_path / "config", SIM_URL)
    if accounts < 3:
        # Keep only the first ``accounts`` seeded accounts (the wizard adds the others).
        text = config.read_text()
        blocks = text.split("[[accounts]]")
        config.write_text("[[accounts]]".join(blocks[: accounts + 1]))
    transport = sim.transport()
    runtime = await open_runtime(
        config, tmp_path / "data", transport=transport, clock=sim.clock.now
    )
    control = httpx.AsyncClient(transport=transport, base_url=SIM_URL)
    return Rig(sim, runtime, config, tmp_path / "data", control, transport)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    built = await make_rig(tmp_path)
    try:
        yield built
    finally:
        await built.control.aclose()
        await built.runtime.close()


@pytest.fixture
async def small_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Only the Messenger Page is linked; the wizard links the rest."""
    built = await make_rig(tmp_path, accounts=1)
    try:
        yield built
    finally:
        await built.control.aclose()
        await built.runtime.close()


@pytest.fixture
async def empty_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Nothing linked yet: the wizard links the first account."""
    built = await make_rig(tmp_path, accounts=0)
    try:
        yield built
    finally:
        await built.control.aclose()
        await built.runtime.close()
