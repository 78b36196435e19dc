"""Matrix on a real Synapse: a message's trip to Linkdeck against a bare /sync client.

Both run in the same process against the same homeserver, and wait for the same event:
the bare client is a plain httpx ``/sync`` long-poll loop (nothing stored); Linkdeck's
path is the sync engine's long-poll, the store commit and the event the inbox redraws
on. Also: the initial sync of the busy account (50 bridged rooms, 2,000 events: their
state and messages).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Result, median, percentile
from tests.matrixpeer import BusyAccount, Peer
from tui.adapters import make_adapter
from tui.domain import Account, Platform, PrivacySettings
from tui.services.events import EventBus, MessagesArrived
from tui.services.sync import SyncEngine
from tui.store import Store


async def _bare_client(url: str, token: str, seen: dict[str, float], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        first = await http.get("/_matrix/client/v3/sync", params={"timeout": 0})
        since = first.json()["next_batch"]
        while not stop.is_set():
            reply = await http.get(
                "/_matrix/client/v3/sync", params={"timeout": 30000, "since": since}
            )
            now = time.perf_counter()
            body = reply.json()
            since = body["next_batch"]
            for room in body.get("rooms", {}).get("join", {}).values():
                for event in room.get("timeline", {}).get("events", []):
                    seen.setdefault(event["event_id"], now)


async def _run(rooms: int, events: int, samples: int) -> list[Result]:
    busy = BusyAccount(rooms=rooms, events=events)
    try:
        me = await asyncio.to_thread(busy.wait)
        server = busy.server
        folder = Path(tempfile.mkdtemp(prefix="linkdeck-matrix-bench-"))
        account = Account(
            id="mx",
            platform=Platform.MATRIX,
            user_id=me.user_id,
            homeserver=server.url,
            device_id=me.device_id,
        )
        adapter = make_adapter(account, me.access_token)
        store = await Store.open(folder / "linkdeck.db")
        bus = EventBus()
        engine = SyncEngine(store, {"mx": adapter}, bus, privacy=lambda _: PrivacySettings())
        began = time.perf_counter()
        await engine.run_once()
        initial = time.perf_counter() - began

        bob_user = server.register("benchbob")
        bob = Peer.of(server, bob_user)
        room = bob.create_room(invite=(me.user_id,))
        Peer(server, me.access_token, me.user_id).join(room)
        await engine.run_once()

        bare_seen: dict[str, float] = {}
        ours_seen: dict[str, float] = {}
        queue = bus.subscribe()
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(engine.run(stop)),
            asyncio.create_task(_bare_client(server.url, me.access_token, bare_seen, stop)),
        ]
        await asyncio.sleep(1.0)  # both are waiting in a long-poll now
        ours: list[float] = []
        bare: list[float] = []
        for n in range(samples):
            sent_at = time.perf_counter()
            event_id = await asyncio.to_thread(bob.say, room, f"bench {n}")
            async with asyncio.timeout(60):
                while event_id not in ours_seen or event_id not in bare_seen:
                    try:
                        event = await asyncio.wait_for(queue.get(), 0.5)
                    except TimeoutError:
                        continue
                    if isinstance(event, MessagesArrived):
                        for message in event.messages:
                            ours_seen.setdefault(message.remote_id, time.perf_counter())
            ours.append(ours_seen[event_id] - sent_at)
            bare.append(bare_seen[event_id] - sent_at)
            await asyncio.sleep(0.2)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        bob.close()
        await adapter.client.aclose()
        await store.close()
    finally:
        await asyncio.to_thread(busy.stop)
    ours_ms, bare_ms = median(ours) * 1000, median(bare) * 1000
    return [
        Result(
            "matrix: bare /sync client, send to seen (median)",
            "baseline",
            f"{bare_ms:.0f} ms (p95 {percentile(bare, 95) * 1000:.0f} ms, n={samples})",
            "1.00",
            None,
        ),
        Result(
            "matrix: send to stored + inbox event (median)",
            "<= bare + 100 ms",
            f"{ours_ms:.0f} ms (p95 {percentile(ours, 95) * 1000:.0f} ms, n={samples})",
            f"{ours_ms / bare_ms:.2f}" if bare_ms else "-",
            ours_ms <= bare_ms + 100,
        ),
        Result(
            f"matrix: initial sync, {rooms} rooms / {events} events",
            "< 10 s",
            f"{initial:.2f} s (homeserver build {busy.build_seconds:.0f} s, not counted)",
            "-",
            initial < 10,
        ),
    ]


def run(rooms: int = 50, events: int = 2000, samples: int = 20) -> list[Result]:
    return asyncio.run(_run(rooms, events, samples))
