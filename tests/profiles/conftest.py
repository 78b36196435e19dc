"""Fixtures for linked profiles: a runtime on the in-process simulator with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.simrig import SIM_URL, SimRuntime, frozen, sim_runtime
from tui.services.accounts import AccountManager

__all__ = ["SIM_URL", "Rig", "make_rig"]


class Rig(SimRuntime):
    """A simulator, a runtime wired to it, and a control client playing Meta and the user."""

    def manager(self) -> AccountManager:
        return AccountManager(self.runtime, transport=self.transport, clock=self.sim.clock.now)

    async def revoke(self, token_name: str, subcode: int = 460) -> None:
        await self.post(f"/_sim/tokens/{self.sim.world.tokens[token_name]}", {"revoke": subcode})


async def make_rig(tmp_path: Path, *, seed: int = 7, accounts: int = 3) -> Rig:
    sim = frozen(seed, conversations_per_account=3, messages_per_conversation=3)
    return await sim_runtime(tmp_path, sim, kind=Rig, accounts=accounts)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    built = await make_rig(tmp_path)
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def small_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Only the Messenger Page is linked; the wizard links the rest."""
    built = await make_rig(tmp_path, accounts=1)
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def empty_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Nothing linked yet: the wizard links the first account."""
    built = await make_rig(tmp_path, accounts=0)
    try:
        yield built
    finally:
        await built.close()
