"""One seeded account synced from the in-process simulator into a real store file."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter
from tui.domain import PrivacySettings
from tui.services.budget import ThrottledTransport
from tui.services.events import EventBus
from tui.services.sync import AccountSync, SyncEngine
from tui.simulator.core import Simulator
from tui.simulator.testing import seeded_account, seeded_row
from tui.store import Store


@dataclass
class OneAccount:
    sim: Simulator
    adapter: PlatformAdapter
    store: Store
    sync: AccountSync


def throttled(sim: Simulator) -> ThrottledTransport:
    """The simulator's transport paced by the sync's own throttle, on the simulator's clock."""

    async def sim_sleep(seconds: float) -> None:
        sim.clock.advance(seconds)

    return ThrottledTransport(sim.transport(), monotonic=sim.clock.timestamp, sleep=sim_sleep)


@contextlib.asynccontextmanager
async def one_account_sync(
    sim: Simulator, key: str, folder: Path, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[OneAccount]:
    """Account ``key``'s adapter and sync engine on ``sim``, storing into ``folder``."""
    row = seeded_row(sim, key)
    adapter = make_adapter(
        seeded_account(row), row["token"], transport=transport or sim.transport()
    )
    store = await Store.open(folder / "linkdeck.db")
    try:
        engine = SyncEngine(
            store,
            {key: adapter},
            EventBus(),
            privacy=lambda _a: PrivacySettings(),
            clock=sim.clock.now,
        )
        yield OneAccount(sim, adapter, store, engine.accounts[key])
    finally:
        await adapter.client.aclose()
        await store.close()
