"""What the webhook inbox keeps once events are applied: their keys, for a while, not
their text. The raw events hold message text; kept whole they outlived an unsend, the
"store message bodies" switch and retention, and the inbox grew without end."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from tests.webhooks.harness import webhook_path
from tui.domain import PrivacySettings
from tui.services.maintenance import history_task
from tui.simulator.world import IG_PAGE_KEY, PAGE_KEY
from tui.store import Store
from tui.store.rows import from_ms
from tui.store.webhooks import MAX_ATTEMPTS, WebhookRecord


def file_bytes(db_path: Path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_an_unsent_message_leaves_no_text_in_the_files(tmp_path: Path) -> None:
    async with webhook_path(tmp_path) as path:
        sent = path.sim.inbound(IG_PAGE_KEY, None, "my card number is 4111 zebrafinch")
        await path.settle()
        path.sim.unsend(sent["id"])
        await path.settle()
        await path.store.checkpoint()
        assert b"zebrafinch" not in file_bytes(tmp_path / "linkdeck.db")


async def test_with_bodies_off_a_message_by_webhook_leaves_no_text_in_the_files(
    tmp_path: Path,
) -> None:
    async with webhook_path(tmp_path) as path:
        path.privacy[PAGE_KEY] = PrivacySettings(store_bodies=False)
        path.sim.inbound(PAGE_KEY, None, "my address is 12 Quokka Lane")
        await path.settle()
        await path.store.checkpoint()
        assert b"Quokka" not in file_bytes(tmp_path / "linkdeck.db")


async def test_applied_events_are_forgotten_after_meta_stops_retrying(tmp_path: Path) -> None:
    """Meta retries a delivery for up to 7 days, so an applied event's key is kept 8 days
    (a late copy is still known) and then dropped; events not applied yet are kept."""
    async with webhook_path(tmp_path) as path:
        path.sim.inbound(PAGE_KEY, None, "first")
        await path.settle()
        store = path.store
        ((key, obj, entry, event_time, received),) = await store._all(
            "SELECT event_key, object, entry_id, event_time, received_at FROM webhook_inbox"
        )
        received_at = from_ms(received)
        assert await store.prune_webhook_inbox(received_at + timedelta(days=7)) == 0
        stats = await store.webhook_stats()
        assert (stats.pending, stats.done) == (0, 1)
        # A copy delivered late is still recognised and not applied twice.
        late = WebhookRecord(key, obj, entry, event_time, '{"late": true}')
        assert await store.add_webhook_events([late], received_at + timedelta(days=7)) == 0
        # The service's upkeep, started nine days on, prunes at once.
        stop = asyncio.Event()
        later = received_at + timedelta(days=9)
        upkeep = history_task(
            store, lambda: [PAGE_KEY], lambda _a: PrivacySettings(), clock=lambda: later
        )
        task = asyncio.create_task(upkeep(stop))
        async with asyncio.timeout(10):
            while (await store.webhook_stats()).done:
                await asyncio.sleep(0.01)
        stop.set()
        await task
        # One not applied yet (its account is not linked, say) stays, however old.
        waiting = WebhookRecord("k-waiting", obj, entry, event_time, '{"text": "later"}')
        assert await store.add_webhook_events([waiting], received_at) == 1
        assert await store.prune_webhook_inbox(received_at + timedelta(days=30)) == 0
        stats = await store.webhook_stats()
        assert (stats.pending, stats.done, stats.failed) == (1, 0, 0)
        assert (await store.webhook_stats()).done == 0


async def test_an_event_set_aside_keeps_no_text(store_file: Store, tmp_path: Path) -> None:
    """An event that cannot be applied is retried, then set aside with its reason: its
    text goes then, not eight days later with its key."""
    now = from_ms(1_790_000_000_000)
    record = WebhookRecord("k-stuck", "page", "1234", 1, '{"text": "pin 8812 wombatfrost"}')
    assert await store_file.add_webhook_events([record], now) == 1
    [event] = await store_file.pending_webhook_events()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await store_file.finish_webhook_events((), [(event.id, "no linked account")])
        stats = await store_file.webhook_stats()
        if attempt < MAX_ATTEMPTS:
            # Still waiting for another try, so it keeps what it would apply.
            [pending] = await store_file.pending_webhook_events()
            assert "wombatfrost" in pending.payload
    assert (stats.pending, stats.failed) == (0, 1)
    await store_file.checkpoint()
    assert b"wombatfrost" not in file_bytes(tmp_path / "linkdeck.db")
    # The key stays, so a late copy of the same event is still known and not stored again.
    assert await store_file.add_webhook_events([record], now) == 0
