"""10,000 webhook events in bursts, duplicated and shuffled, with the receiver killed -9.

The receiver runs as a separate process over a real SQLite file; the simulator's emitter
retries like Meta. Every message must end up stored exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from pathlib import Path

from tui.adapters import make_adapter
from tui.domain import PrivacySettings
from tui.services.events import EventBus
from tui.simulator.clock import SimClock
from tui.simulator.core import Simulator
from tui.simulator.server import serve
from tui.simulator.testing import seeded_account
from tui.simulator.world import IG_PAGE_KEY, PAGE_KEY
from tui.store import Store
from tui.webhooks.processor import WebhookProcessor

EVENTS = 10_000


async def start_receiver(
    db: Path, secret: str, port: int = 0
) -> tuple[asyncio.subprocess.Process, int]:
    env = {
        **os.environ,
        "LINKDECK_WEBHOOK_VERIFY_TOKEN": "v",
        "LINKDECK_WEBHOOK_APP_SECRET": secret,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.webhooks",
        str(db),
        "127.0.0.1",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.startswith(b"listening "), line
    return proc, int(line.split()[2])


def stored_events(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM webhook_inbox").fetchone()[0])


async def test_ten_thousand_events_killed_receiver_each_message_once(tmp_path: Path) -> None:
    sim = Simulator(21, clock=SimClock.fixed(), conversations_per_account=2)
    db = tmp_path / "linkdeck.db"
    proc, port = await start_receiver(db, sim.world.app_secret)
    emitter = sim.webhooks
    emitter.configure(
        {
            "url": f"http://127.0.0.1:{port}/webhooks",
            "batch": 50,
            "duplicate": 0.2,
            "reorder": True,
            "retry_base": 0.05,
            "retry_cap": 0.5,
        }
    )
    customers: dict[str, list[str]] = {PAGE_KEY: [], IG_PAGE_KEY: []}
    stop = asyncio.Event()
    runner = asyncio.create_task(emitter.run(stop))
    mids: set[str] = set()
    try:
        for burst in range(10):
            for i in range(EVENTS // 10):
                account = PAGE_KEY if i % 2 else IG_PAGE_KEY
                pool = customers[account]
                who = pool[i % len(pool)] if len(pool) >= 20 else None
                sent = sim.inbound(account, who, f"burst {burst} message {i}")
                if who is None:
                    pool.append(sent["customer_id"])
                mids.add(sent["id"])
                sim.clock.advance(0.01)
            await asyncio.sleep(0)
            if burst == 4:
                # Kill the receiver mid-stream, without warning, then bring it back.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(_wait_until(lambda: stored_events(db) > 1000), 60)
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
                await asyncio.sleep(0.3)
                proc, port = await start_receiver(db, sim.world.app_secret, port)
        async with asyncio.timeout(120):
            await emitter.drained()
    finally:
        stop.set()
        await runner
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    assert emitter.stats.duplicates > 0 and emitter.stats.failures > 0
    assert stored_events(db) == len(mids) == EVENTS

    # Apply them all: every message is stored exactly once.
    store = await Store.open(db)
    try:
        async with serve(sim) as base_url:
            adapters = {
                raw["id"]: make_adapter(seeded_account(raw), raw["token"])
                for raw in sim.seeded_accounts(base_url)
            }
            processor = WebhookProcessor(
                store,
                EventBus(),
                lambda: adapters,
                privacy=lambda _a: PrivacySettings(),
                clock=sim.clock.now,
            )
            await processor.drain()
            for adapter in adapters.values():
                await adapter.client.aclose()
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = conn.execute(
                "SELECT remote_id, COUNT(*) FROM messages WHERE text LIKE 'burst %' "
                "GROUP BY remote_id"
            ).fetchall()
        assert {r[0] for r in rows} == mids
        assert all(r[1] == 1 for r in rows)
    finally:
        await store.close()


async def _wait_until(check: object) -> None:
    assert callable(check)
    while not check():
        await asyncio.sleep(0.05)
