"""Webhooks fail for over an hour: polling notices the gap, catches up, nothing doubles."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.webhooks.harness import webhook_path
from tui.domain import PrivacySettings
from tui.services.budget import REPAIR_INTERVAL, BudgetPlanner, WebhookHealth
from tui.services.sync import SyncEngine
from tui.simulator.world import PAGE_KEY


async def test_an_hour_of_failing_webhooks_falls_back_to_polling(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        sim = path.sim
        health = WebhookHealth(receiving=True)
        engine = SyncEngine(
            path.store,
            {PAGE_KEY: path.account(PAGE_KEY)},
            path.bus,
            privacy=lambda _a: PrivacySettings(),
            clock=sim.clock.now,
        )
        sync = engine.accounts[PAGE_KEY]
        sync.planner = BudgetPlanner(configured_engaged=50)
        sync.health = health
        await sync.step()  # the first sync
        # Healthy webhooks: a customer's message arrives by webhook; polling stays slow.
        first = sim.inbound(PAGE_KEY, None, "first, by webhook")
        await path.settle()
        assert await path.store.message_time(PAGE_KEY, first["id"]) is not None
        delay = await sync.step()
        assert delay is not None and delay >= REPAIR_INTERVAL

        # The receiver stops answering; customers keep writing for 70 minutes.
        sim.webhooks.configure({"down": True})
        written = []
        for minute in range(70):
            sim.clock.advance(60)
            if minute % 7 == 0:
                written.append(sim.inbound(PAGE_KEY, first["customer_id"], f"lost {minute}"))
            await asyncio.sleep(0.01)  # the emitter retries meanwhile
        async with asyncio.timeout(30):
            while not sim.webhooks.stats.disabled:
                await asyncio.sleep(0.05)  # Meta drops the subscription after an hour

        # The next slow repair poll finds what webhooks never brought, and catches up.
        delay = await sync.step()
        assert delay is not None and delay < REPAIR_INTERVAL
        assert not health.healthy(PAGE_KEY, sim.clock.timestamp())
        for sent in written:
            assert await path.store.message_time(PAGE_KEY, sent["id"]) is not None

        # Webhooks come back (resubscribed) and Meta's late copies change nothing.
        sim.webhooks.configure({"down": False, "resubscribe": True})
        for sent in written:
            conv, msg = sim.world.messages[sent["id"]]
            sim.webhooks.message(sim.world.inboxes[PAGE_KEY], conv, msg)
        await path.settle()
        await sync.step()
        rows = await path.store.messages_page(PAGE_KEY, first["conversation_id"], None, 500)
        ids = [m.remote_id for m in rows]
        assert all(ids.count(sent["id"]) == 1 for sent in written)
        assert ids.count(first["id"]) == 1
