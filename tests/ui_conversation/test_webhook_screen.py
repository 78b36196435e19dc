"""Webhook events change what the open conversation shows, with no poll in between."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tests.ui_conversation.conftest import Rig, open_screen, settle
from tui.simulator.world import PAGE_KEY
from tui.webhooks.processor import WebhookProcessor
from tui.webhooks.receiver import WebhookReceiver


@contextlib.asynccontextmanager
async def webhooks_on(rig: Rig) -> AsyncIterator[WebhookProcessor]:
    runtime = rig.runtime
    processor = WebhookProcessor(
        runtime.store,
        runtime.bus,
        lambda: runtime.adapters,
        privacy=runtime.privacy,
        app_id=rig.sim.world.app_id,
        clock=rig.sim.clock.now,
    )
    receiver = WebhookReceiver(
        runtime.store, "verify", rig.sim.world.app_secret, on_stored=processor.notify
    )
    host, port = await receiver.start("127.0.0.1", 0)
    rig.sim.webhooks.configure({"url": f"http://{host}:{port}/webhooks"})
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(rig.sim.webhooks.run(stop)),
        asyncio.create_task(processor.run(stop)),
    ]
    try:
        yield processor
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await receiver.stop()


async def test_each_event_kind_shows_in_the_open_conversation(rig: Rig) -> None:
    first = rig.sim.inbound(PAGE_KEY, None, "Is the cake ready?", name="Ines Mota")
    customer, conversation = first["customer_id"], first["conversation_id"]
    await rig.sync()
    app = rig.app()
    async with app.run_test(size=(120, 40)) as pilot, webhooks_on(rig):
        screen = await open_screen(
            pilot, rig.screen(account_id=PAGE_KEY, conversation_id=conversation)
        )
        history = screen.history

        rig.sim.clock.advance(10)
        said = rig.sim.inbound(PAGE_KEY, customer, "with candles please")
        await settle(pilot, lambda: "with candles please" in history.all_text(), 1000)

        rig.sim.clock.advance(10)
        rig.sim.reply_elsewhere(PAGE_KEY, customer, "Ready at 5, from the phone")
        await settle(pilot, lambda: "Ready at 5, from the phone" in history.all_text(), 1000)
        assert history.all_text().count("Ready at 5, from the phone") == 1

        rig.sim.clock.advance(10)
        rig.sim.edit(said["id"], "with 7 candles please")
        await settle(pilot, lambda: "with 7 candles please" in history.all_text(), 1000)
        assert "edited" in history.all_text()

        rig.sim.clock.advance(10)
        rig.sim.unsend(first["id"])
        await settle(pilot, lambda: "removed by the sender" in history.all_text(), 1000)
        assert "Is the cake ready?" not in history.all_text()

        rig.sim.clock.advance(10)
        rig.sim.react(PAGE_KEY, customer, "👍")
        await settle(pilot, lambda: "reacted" in history.all_text(), 1000)
        rig.sim.clock.advance(10)
        rig.sim.unreact(PAGE_KEY, customer)
        await settle(pilot, lambda: "reacted" not in history.all_text(), 1000)

        rig.sim.clock.advance(10)
        rig.sim.customer_reads(PAGE_KEY, customer)
        await settle(pilot, lambda: "seen" in history.all_text(), 1000)

        rig.sim.hand_over(PAGE_KEY, customer, "5550001")
        title = screen.query_one("#conversation-title")
        await settle(pilot, lambda: "Another app owns this thread" in str(title.render()), 1000)
