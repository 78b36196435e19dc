"""The real webhook path in one process: simulator (loopback), emitter, receiver, processor."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.adapters import make_adapter
from tui.adapters.base import PlatformAdapter
from tui.domain import PrivacySettings
from tui.services.events import Event, EventBus
from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.server import serve
from tui.simulator.testing import seeded_account
from tui.store import Store
from tui.webhooks.processor import WebhookProcessor
from tui.webhooks.receiver import WebhookReceiver

VERIFY = "harness-verify"


@dataclass
class WebhookPath:
    sim: Simulator
    base_url: str
    store: Store
    bus: EventBus
    receiver: WebhookReceiver
    processor: WebhookProcessor
    adapters: dict[str, PlatformAdapter]
    privacy: dict[str, PrivacySettings] = field(default_factory=dict)
    events: asyncio.Queue[Event] | None = None

    async def settle(self) -> None:
        """Every emitted event delivered, stored and applied."""
        async with asyncio.timeout(60):
            await self.sim.webhooks.drained()
            await self.processor.drain()

    def account(self, account_id: str) -> PlatformAdapter:
        return self.adapters[account_id]


@contextlib.asynccontextmanager
async def webhook_path(
    tmp_path: Path, *, seed: int = 7, conversations: int = 3, **sim_kw: Any
) -> AsyncIterator[WebhookPath]:
    sim = Simulator(seed, clock=SimClock.fixed(), conversations_per_account=conversations, **sim_kw)
    store = await Store.open(tmp_path / "linkdeck.db")
    bus = EventBus()
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    adapters: dict[str, PlatformAdapter] = {}
    try:
        async with serve(sim) as base_url:
            for raw in sim.seeded_accounts(base_url):
                adapters[raw["id"]] = make_adapter(seeded_account(raw), raw["token"])
            privacy: dict[str, PrivacySettings] = {}
            processor = WebhookProcessor(
                store,
                bus,
                lambda: adapters,
                privacy=lambda a: privacy.get(a, PrivacySettings()),
                app_id=sim.world.app_id,
                clock=sim.clock.now,
            )
            receiver = WebhookReceiver(
                store, VERIFY, sim.world.app_secret, on_stored=processor.notify
            )
            host, port = await receiver.start("127.0.0.1", 0)
            sim.webhooks.configure({"url": f"http://{host}:{port}/webhooks"})
            tasks.append(asyncio.create_task(sim.webhooks.run(stop)))
            path = WebhookPath(sim, base_url, store, bus, receiver, processor, adapters, privacy)
            path.events = bus.subscribe()
            try:
                yield path
            finally:
                stop.set()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await receiver.stop()
                for adapter in adapters.values():
                    await adapter.client.aclose()
    finally:
        await store.close()
